/**
 * Owner-only files and directories, written atomically.
 *
 * A profile file is replaced by writing a temp file (0600) next to it,
 * fsyncing it and renaming over the old one, so a crash mid-write leaves
 * either the old or the new file, never half of one. Modes are set
 * explicitly because mkdir/open modes are filtered by the umask; on Windows
 * they are advisory and the profile folder's ACL (inherited from the user's
 * AppData) does the job.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const privateDirMode = 0o700;
export const privateFileMode = 0o600;

export async function ensurePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: privateDirMode });
  await chmod(path, privateDirMode);
}

export async function writeFileAtomic(path: string, contents: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', privateFileMode);
    try {
      await handle.writeFile(contents, 'utf8');
      await handle.chmod(privateFileMode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDir(dirname(path));
}

/** Makes the rename durable. Not possible on Windows, where opening a directory fails. */
async function syncDir(path: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

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
import { chmod, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const privateDirMode = 0o700;
export const privateFileMode = 0o600;

export async function ensurePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: privateDirMode });
  await chmod(path, privateDirMode);
}

/** `.<file>.<12 hex>.tmp`: what writeFileAtomic names its temp file, and nothing else. */
const tempName = /^\..+\.[0-9a-f]{12}\.tmp$/;

/** A temp file older than this belongs to a write that never finished (a write takes milliseconds). */
export const STALE_TEMP_MS = 60_000;

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

/**
 * Removes temp files left by writes cut off before their rename (power loss, a killed process).
 * Such a file can hold an earlier version of a profile record: after a PIN change, the key still
 * wrapped under the old PIN. Only files older than STALE_TEMP_MS go, so a write in progress keeps
 * its own. Best effort: returns how many were removed.
 */
export async function removeStaleTemps(dir: string, now: number = Date.now()): Promise<number> {
  let removed = 0;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => tempName.test(n))) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (info === null || !info.isFile() || now - info.mtimeMs < STALE_TEMP_MS) continue;
    await rm(path, { force: true }).then(() => (removed += 1), () => undefined);
  }
  return removed;
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

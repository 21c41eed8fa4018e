/**
 * Profiles against the real OS keychain: gnome-keyring's Secret Service on a
 * private D-Bus (tests/fixtures/keyring.ts), driven through keytar, with the
 * calibrated scrypt cost. No mocks.
 *
 * Cases that need a DIFFERENT session bus (a fresh keyring, or none at all)
 * run in a child process: GDBus caches this process's session connection.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import keytar from 'keytar';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keychainService } from '../../electron/core/vault/keychain.js';
import { decodeSecret, encodeSecret, serializeKeychainState } from '../../electron/core/vault/keychainState.js';
import { keytarKeychain } from '../../electron/core/vault/keytarKeychain.js';
import { writeProfileRecord } from '../../electron/core/vault/profileFile.js';
import { ProfileRegistry } from '../../electron/core/vault/profiles.js';
import { applyKeyringEnv, startKeyring, type Keyring, type KeyringEnv } from '../fixtures/keyring.js';
import { rejection } from '../fixtures/vaultRejection.js';

const unwritableMessage =
  "Wardline cannot update this profile's security counters, so it will not check PINs for it. Ask IT to check the profile folder's permissions.";
const entryMissingMessage = "This profile's key is not in this computer's keychain — it may have been copied from another user or machine. It cannot be opened here.";

let keyring: Keyring;
let dataDir: string;
let now: number;
const scratch: string[] = [];
/** Paths made immutable by a test; cleared again before the scratch dirs are removed. */
const immutables = new Set<string>();
/** Whether `chattr +i` works here (ext4/xfs/btrfs and CAP_LINUX_IMMUTABLE; not on tmpfs or overlayfs). */
let immutableWorks = false;
const noImmutableNote = 'chattr +i is not supported for the temp directory here (needs ext4/xfs/btrfs and CAP_LINUX_IMMUTABLE)';

/**
 * Makes a file or folder immutable (`chattr +i`) or writable again. The tests
 * run as root, whom permission bits (chmod 0500, a read-only attribute) do not
 * stop; the immutable attribute stops root too. Renaming over an immutable
 * profile.json fails with EPERM exactly like a read-only profile.json on
 * Windows; an immutable folder refuses new files like a chmod 500 folder.
 */
async function setImmutable(path: string, on: boolean): Promise<void> {
  await promisify(execFile)('chattr', [on ? '+i' : '-i', path]);
  if (on) immutables.add(path);
  else immutables.delete(path);
}

const DAY = 86_400_000;

/**
 * Moves the clock on by `days` with the workstation "off": the first sweep after the gap only
 * notes the time (gaps over a day are deferred); half a day later the next one decides.
 */
async function sweepAfter(days: number, spare?: ReadonlySet<string>): Promise<Awaited<ReturnType<ProfileRegistry['eraseDormant']>>> {
  now += days * DAY - DAY / 2;
  expect(await registry().eraseDormant(30, spare)).toMatchObject({ erased: 0, deferred: true });
  now += DAY / 2;
  return registry().eraseDormant(30, spare);
}

function registry(): ProfileRegistry {
  return new ProfileRegistry({ dataDir, keychain: keytarKeychain(), now: () => now });
}

/** A registry whose profile.json write for a PIN change (keychain version 1) fails with `error`, before or after the file is written. */
function registryFailingPinChangeWrite(when: 'before-write' | 'after-write', error: Error): ProfileRegistry {
  return new ProfileRegistry({
    dataDir,
    keychain: keytarKeychain(),
    now: () => now,
    fileOps: {
      writeRecord: async (dir, record) => {
        const fails = record.keychainVersion === 1;
        if (fails && when === 'before-write') throw error;
        await writeProfileRecord(dir, record);
        if (fails && when === 'after-write') throw error;
      },
    },
  });
}


async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** Whether any file under `dir` contains `needle` as UTF-8 or UTF-16. */
async function anyFileContains(dir: string, needle: string): Promise<boolean> {
  for (const file of await filesUnder(dir)) {
    const bytes = await readFile(file);
    if (bytes.includes(Buffer.from(needle, 'utf8')) || bytes.includes(Buffer.from(needle, 'utf16le'))) return true;
  }
  return false;
}

async function readProfileJson(id: string): Promise<{ failures: { consecutive: number; lastFailureAt: number | null } }> {
  return JSON.parse(await readFile(join(dataDir, 'profiles', id, 'profile.json'), 'utf8')) as {
    failures: { consecutive: number; lastFailureAt: number | null };
  };
}

interface ChildOutcome {
  ok: boolean;
  kind?: string;
  code?: string;
  message?: string;
  listed?: number;
}

/**
 * Runs one registry call in a fresh Node process (through tsx) whose only
 * session bus is the one in `env`: nothing is inherited from this process.
 */
function inChild(operation: 'create' | 'unlock', args: Record<string, string>, env: Record<string, string>): Promise<ChildOutcome> {
  const profilesModule = pathToFileURL(resolve('electron/core/vault/profiles.ts')).href;
  const keychainModule = pathToFileURL(resolve('electron/core/vault/keytarKeychain.ts')).href;
  const code = `
    const { ProfileRegistry } = await import(${JSON.stringify(profilesModule)});
    const { keytarKeychain } = await import(${JSON.stringify(keychainModule)});
    const args = JSON.parse(process.env.WARDLINE_TEST_ARGS);
    const registry = new ProfileRegistry({ dataDir: args.dataDir, keychain: keytarKeychain({ timeoutMs: 5000 }) });
    const listed = (await registry.listProfiles()).length;
    try {
      if (${JSON.stringify(operation)} === 'create') await registry.createProfile({ displayName: 'Ward clerk', role: 'clerk', pin: args.pin });
      else await registry.unlockProfile(args.id, args.pin);
      console.log(JSON.stringify({ ok: true, listed }));
    } catch (error) {
      console.log(JSON.stringify({ ok: false, listed, kind: error.kind, code: error.code, message: error.message }));
    }
  `;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: resolve('.'),
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', WARDLINE_TEST_ARGS: JSON.stringify(args), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolvePromise(JSON.parse(line) as ChildOutcome);
      } catch {
        reject(new Error(`child exited ${exitCode} without a result.\nstdout: ${stdout}\nstderr: ${stderr}`));
      }
    });
  });
}

beforeAll(async () => {
  keyring = await startKeyring();
  // Before keytar's first D-Bus call in this process.
  applyKeyringEnv(keyring.env);
  const probe = await tempDir('wardline-vault-chattr-');
  try {
    await setImmutable(probe, true);
    await writeFile(join(probe, 'x'), 'x').then(
      () => undefined,
      () => (immutableWorks = true),
    );
    await setImmutable(probe, false);
  } catch {
    immutableWorks = false;
  }
});

afterAll(async () => {
  await keyring?.stop();
});

beforeEach(async () => {
  dataDir = await tempDir('wardline-vault-');
  now = Date.UTC(2025, 0, 6, 8, 0, 0);
});

afterEach(async () => {
  for (const path of [...immutables]) await setImmutable(path, false);
  for (const dir of scratch.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('profiles with the real keychain', () => {
  it('creates a profile whose key unlocks with the PIN, with private files and no PIN on disk', async () => {
    const pin = '482915';
    const created = await registry().createProfile({ displayName: 'Sister Adeyemi', role: 'nurse in charge', pin });

    expect(created.databaseKeyHex).toMatch(/^[0-9a-f]{64}$/);
    expect(await registry().listProfiles()).toEqual([{ id: created.id, displayName: 'Sister Adeyemi' }]);
    expect(await registry().unlockProfile(created.id, pin)).toBe(created.databaseKeyHex);

    // The keychain half really is in the Secret Service, under "Wardline".
    const secret = await keytar.getPassword(keychainService, created.id);
    expect(secret?.startsWith('tracked:')).toBe(true);
    expect(Buffer.from(secret?.slice('tracked:'.length) ?? '', 'base64')).toHaveLength(32);

    const dir = join(dataDir, 'profiles', created.id);
    expect((await stat(join(dataDir, 'profiles'))).mode & 0o777).toBe(0o700);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'profile.json'))).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).sort()).toEqual(['profile.json']);

    // Neither the PIN, nor the key, nor the keychain secret is on disk.
    expect(await anyFileContains(dataDir, pin)).toBe(false);
    expect(await anyFileContains(dataDir, created.databaseKeyHex)).toBe(false);
    expect(await anyFileContains(dataDir, Buffer.from(created.databaseKeyHex, 'hex').toString('base64'))).toBe(false);
    expect(await anyFileContains(dataDir, secret ?? 'unreachable')).toBe(false);
    // And no PIN hash to check offline: only the GCM-wrapped key.
    const json = await readFile(join(dir, 'profile.json'), 'utf8');
    expect(Object.keys(JSON.parse(json) as object).sort()).toEqual(
      ['createdAt', 'displayName', 'failures', 'format', 'id', 'kdf', 'lastUsedAt', 'role', 'wipePolicy', 'wrappedKey'].sort(),
    );
  });

  it('says a wrong PIN is wrong, delays escalating from the fifth failure, and keeps counting across a restart', async () => {
    const { id, databaseKeyHex } = await registry().createProfile({ displayName: 'Ward 7 clerk', role: 'ward clerk', pin: 'ward seven desk' });
    let reg = registry();

    for (let attempt = 1; attempt <= 4; attempt += 1) {
      const error = await rejection(reg.unlockProfile(id, 'wrong guess'));
      expect(error.code).toBe('wrong-pin');
      expect(error.message).toBe('That PIN or passphrase is not right.');
      expect(error.retryAt).toBeUndefined();
    }
    expect((await readProfileJson(id)).failures).toEqual({ consecutive: 4, lastFailureAt: now });

    const fifth = await rejection(reg.unlockProfile(id, 'wrong guess'));
    expect(fifth.code).toBe('wrong-pin');
    expect(fifth.retryAt).toBe(now + 30_000);
    expect(fifth.message).toMatch(/try again in 30 seconds/);

    // During the delay even the right PIN is refused, without running the KDF or counting.
    now += 10_000;
    const waiting = await rejection(reg.unlockProfile(id, 'ward seven desk'));
    expect(waiting.code).toBe('throttled');
    expect(waiting.retryAt).toBe(now + 20_000);
    expect(waiting.message).toMatch(/try again in 20 seconds/);
    expect((await readProfileJson(id)).failures.consecutive).toBe(5);

    // Restart: a fresh registry reads the counters back from profile.json.
    reg = registry();
    expect((await rejection(reg.unlockProfile(id, 'ward seven desk'))).code).toBe('throttled');

    now += 20_000;
    const sixth = await rejection(reg.unlockProfile(id, 'wrong guess'));
    expect(sixth.retryAt).toBe(now + 60_000);
    now += 60_000;
    const seventh = await rejection(reg.unlockProfile(id, 'wrong guess'));
    expect(seventh.retryAt).toBe(now + 120_000);
    expect(seventh.message).toMatch(/try again in 2 minutes/);

    reg = registry();
    now += 120_000;
    expect(await reg.unlockProfile(id, 'ward seven desk')).toBe(databaseKeyHex);
    expect((await readProfileJson(id)).failures).toEqual({ consecutive: 0, lastFailureAt: null });
  });

  it('checks no PIN while the failure counter cannot be written (profile.json or its folder immutable, even to root), so guesses are never free', async () => {
    // Never skipped: a test that passes by not running proves nothing.
    expect(immutableWorks, `${noImmutableNote}. Run the tests on ext4 as root with e2fsprogs (chattr) installed.`).toBe(true);
    const pin = 'shared login desk';
    const { id, databaseKeyHex } = await registry().createProfile({ displayName: 'Ward 9 clerk', role: 'ward clerk', pin });
    const dir = join(dataDir, 'profiles', id);
    const reg = registry();
    for (let attempt = 1; attempt <= 3; attempt += 1) expect((await rejection(reg.unlockProfile(id, 'wrong guess'))).code).toBe('wrong-pin');
    expect((await readProfileJson(id)).failures).toEqual({ consecutive: 3, lastFailureAt: now });

    // The Windows case (a read-only profile.json: the atomic rename over it fails), then the
    // POSIX one (a folder that refuses new files, as chmod 500 would for a non-root user).
    for (const target of [join(dir, 'profile.json'), dir]) {
      await setImmutable(target, true);
      for (const guess of ['guess one', 'guess two', 'guess three', 'guess four', 'guess five', 'guess six', pin]) {
        const error = await rejection(reg.unlockProfile(id, guess));
        expect(error.reason).toEqual({ kind: 'profile-unwritable' });
        expect(error.code).toBe('rejected');
        expect(error.message).toBe(unwritableMessage);
      }
      await setImmutable(target, false);
      expect((await readProfileJson(id)).failures).toEqual({ consecutive: 3, lastFailureAt: now });
      // No temp file left behind by the refused writes.
      expect(await readdir(dir)).toEqual(['profile.json']);
    }

    // Writable again: counting resumes exactly where it was, delays included.
    expect((await rejection(reg.unlockProfile(id, 'wrong guess'))).retryAt).toBeUndefined();
    expect((await rejection(reg.unlockProfile(id, 'wrong guess'))).retryAt).toBe(now + 30_000);
    now += 30_000;
    expect(await reg.unlockProfile(id, pin)).toBe(databaseKeyHex);
    expect((await readProfileJson(id)).failures).toEqual({ consecutive: 0, lastFailureAt: null });
  });

  it('removes nothing when the profile folder cannot be moved (immutable, even to root), and says so', async () => {
    // Never skipped: a test that passes by not running proves nothing.
    expect(immutableWorks, `${noImmutableNote}. Run the tests on ext4 as root with e2fsprogs (chattr) installed.`).toBe(true);
    const { id, databaseKeyHex } = await registry().createProfile({ displayName: 'Ward 2 clerk', role: 'ward clerk', pin: '777123' });
    const dir = join(dataDir, 'profiles', id);
    await setImmutable(dir, true);
    const error = await rejection(registry().removeProfile(id));
    expect(error.kind).toBe('profile-unwritable');
    expect(error.message).toMatch(/nothing was removed/);
    await setImmutable(dir, false);
    expect(await keytar.getPassword(keychainService, id)).not.toBeNull();
    expect(await registry().listProfiles()).toEqual([{ id, displayName: 'Ward 2 clerk' }]);
    expect(await registry().unlockProfile(id, '777123')).toBe(databaseKeyHex);
  });

  it('changes the PIN by re-wrapping the same database key', async () => {
    const { id, databaseKeyHex } = await registry().createProfile({ displayName: 'Dr Patel', role: 'registrar', pin: '731902' });
    const before = await readFile(join(dataDir, 'profiles', id, 'profile.json'), 'utf8');

    expect((await rejection(registry().changePin(id, '731902', '123'))).code).toBe('rejected');
    expect((await rejection(registry().changePin(id, '000000', '55501234'))).code).toBe('wrong-pin');
    await registry().changePin(id, '731902', '55501234');

    const after = await readFile(join(dataDir, 'profiles', id, 'profile.json'), 'utf8');
    expect(after).not.toBe(before);
    expect(await registry().unlockProfile(id, '55501234')).toBe(databaseKeyHex);
    expect((await rejection(registry().unlockProfile(id, '731902'))).code).toBe('wrong-pin');
    expect(await anyFileContains(dataDir, '55501234')).toBe(false);
  });

  it('clears a temp file left by a write that never finished (the old PIN’s wrapping), and only stale ones', async () => {
    const { id } = await registry().createProfile({ displayName: 'Dr Okoro', role: 'registrar', pin: '731902' });
    const dir = join(dataDir, 'profiles', id);
    const before = await readFile(join(dir, 'profile.json'), 'utf8');
    await registry().changePin(id, '731902', '55501234');
    // Power lost mid-write, some time ago: the temp file still holds the key wrapped under the old PIN.
    const stale = join(dir, '.profile.json.0123456789ab.tmp');
    await writeFile(stale, before, { mode: 0o600 });
    const longAgo = new Date(Date.now() - 10 * 60_000);
    await utimes(stale, longAgo, longAgo);
    // A write in progress right now, and a file that is not ours to judge.
    const inFlight = join(dir, '.profile.json.ba9876543210.tmp');
    await writeFile(inFlight, before, { mode: 0o600 });
    const other = join(dir, 'notes.tmp');
    await writeFile(other, 'x');
    await utimes(other, longAgo, longAgo);

    expect(await registry().listProfiles()).toEqual([{ id, displayName: 'Dr Okoro' }]);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(inFlight)).toBe(true);
    expect(existsSync(other)).toBe(true);
  });

  it('removes a profile: its folder and its keychain entry are gone', async () => {
    const keep = await registry().createProfile({ displayName: 'Bed manager', role: 'bed manager', pin: '864200' });
    const gone = await registry().createProfile({ displayName: 'Agency nurse', role: 'nurse', pin: '975311' });

    await registry().removeProfile(gone.id);

    expect(await readdir(join(dataDir, 'profiles'))).toEqual([keep.id]);
    expect(await keytar.getPassword(keychainService, gone.id)).toBeNull();
    expect(await keytar.getPassword(keychainService, keep.id)).not.toBeNull();
    expect(await registry().listProfiles()).toEqual([{ id: keep.id, displayName: 'Bed manager' }]);
    expect((await rejection(registry().unlockProfile(gone.id, '975311'))).code).toBe('not-found');
  });

  it('erases only profiles unused past the given days, judged by the last unlock or lock', async () => {
    const display = await registry().createProfile({ displayName: 'Control room', role: 'display', pin: '864200' });
    const leaver = await registry().createProfile({ displayName: 'Agency nurse', role: 'nurse', pin: '975311' });
    // The first sweep only starts the sweep clock.
    expect(await registry().eraseDormant(30)).toEqual({ erased: 0, failed: 0, deferred: true });
    expect(await sweepAfter(25)).toEqual({ erased: 0, failed: 0, deferred: false });
    // The display stays unlocked for weeks (exempt from the idle lock) and locks on day 40.
    now += 15 * DAY;
    expect(await registry().markUsed(display.id)).toBe(true);
    expect(await sweepAfter(5)).toEqual({ erased: 1, failed: 0, deferred: false });
    expect(await registry().listProfiles()).toEqual([{ id: display.id, displayName: 'Control room' }]);
    expect(await keytar.getPassword(keychainService, leaver.id)).toBeNull();
    expect(await keytar.getPassword(keychainService, display.id)).not.toBeNull();
    // Open or just locked: spared whatever its record says.
    expect(await sweepAfter(26, new Set([display.id]))).toEqual({ erased: 0, failed: 0, deferred: false });
    expect(await registry().eraseDormant(30)).toEqual({ erased: 1, failed: 0, deferred: false });
    expect(await registry().listProfiles()).toEqual([]);
  });

  it('never erases on a clock that jumped, nor a profile whose use was never recorded or is dated in the future', async () => {
    const legacy = await registry().createProfile({ displayName: 'Before the upgrade', role: 'nurse', pin: '864200' });
    const future = await registry().createProfile({ displayName: 'Edited file', role: 'nurse', pin: '975311' });
    const file = (id: string): string => join(dataDir, 'profiles', id, 'profile.json');
    const edit = async (id: string, change: (record: Record<string, unknown>) => void): Promise<void> => {
      const record = JSON.parse(await readFile(file(id), 'utf8')) as Record<string, unknown>;
      change(record);
      await writeFile(file(id), JSON.stringify(record));
    };
    await edit(legacy.id, (record) => delete record['lastUsedAt']);
    await edit(future.id, (record) => (record['lastUsedAt'] = now + 3650 * DAY));
    // A damaged sweep-clock file counts as no earlier sweep, and is rewritten.
    await writeFile(join(dataDir, 'profiles', '.dormancy-sweep.json'), '{not json');
    expect(await registry().eraseDormant(30)).toEqual({ erased: 0, failed: 0, deferred: true });
    // A clock two days fast at boot: deferred, nothing erased.
    now += 2 * DAY;
    expect(await registry().eraseDormant(30)).toEqual({ erased: 0, failed: 0, deferred: true });
    // Time sync puts it back: the clock moved backwards, deferred again.
    now -= 2 * DAY;
    expect(await registry().eraseDormant(30)).toEqual({ erased: 0, failed: 0, deferred: true });
    // Neither the undated nor the future-dated record is dormant: their clocks start at this sweep.
    now += DAY / 2;
    expect(await registry().eraseDormant(30)).toEqual({ erased: 0, failed: 0, deferred: false });
    expect(JSON.parse(await readFile(file(legacy.id), 'utf8'))).toMatchObject({ lastUsedAt: now });
    expect(JSON.parse(await readFile(file(future.id), 'utf8'))).toMatchObject({ lastUsedAt: now });
    expect(await sweepAfter(29)).toEqual({ erased: 0, failed: 0, deferred: false });
    expect(await sweepAfter(2)).toEqual({ erased: 2, failed: 0, deferred: false });
  });

  it("gives two profiles different keys, and one person's PIN does not open the other's", async () => {
    const a = await registry().createProfile({ displayName: 'Alex', role: 'nurse', pin: '111111' });
    const b = await registry().createProfile({ displayName: 'Bea', role: 'nurse', pin: '222222' });
    const sameDigits = await registry().createProfile({ displayName: 'Cam', role: 'nurse', pin: '111111' });

    expect(new Set([a.databaseKeyHex, b.databaseKeyHex, sameDigits.databaseKeyHex]).size).toBe(3);
    expect((await rejection(registry().unlockProfile(b.id, '111111'))).code).toBe('wrong-pin');
    expect((await rejection(registry().unlockProfile(a.id, '222222'))).code).toBe('wrong-pin');
    expect(await registry().unlockProfile(sameDigits.id, '111111')).toBe(sameDigits.databaseKeyHex);

    // Transplanting A's wrapped key into B's file does not help: the id is bound in the AAD.
    const aFile = JSON.parse(await readFile(join(dataDir, 'profiles', a.id, 'profile.json'), 'utf8')) as Record<string, unknown>;
    const bPath = join(dataDir, 'profiles', b.id, 'profile.json');
    const bFile = JSON.parse(await readFile(bPath, 'utf8')) as Record<string, unknown>;
    await rm(bPath);
    await writeFile(bPath, JSON.stringify({ ...bFile, kdf: aFile['kdf'], wrappedKey: aFile['wrappedKey'] }), { mode: 0o600 });
    expect((await rejection(registry().unlockProfile(b.id, '111111'))).code).toBe('wrong-pin');
  });

  it('refuses a profile whose keychain entry was deleted, and says why', async () => {
    const { id } = await registry().createProfile({ displayName: 'Night coordinator', role: 'site manager', pin: '918273' });
    expect(await keytar.deletePassword(keychainService, id)).toBe(true);

    const error = await rejection(registry().unlockProfile(id, '918273'));
    expect(error.kind).toBe('keychain-entry-missing');
    expect(error.code).toBe('keychain-unavailable');
    expect(error.message).toBe(entryMissingMessage);
    // A keychain problem is not a PIN failure.
    expect((await readProfileJson(id)).failures.consecutive).toBe(0);
  });

  it('cannot unlock a profile folder copied to a machine with a fresh keyring, and says why', async () => {
    const pin = 'copied folder test';
    const { id, databaseKeyHex } = await registry().createProfile({ displayName: 'Theatre coordinator', role: 'coordinator', pin });

    const otherDataDir = await tempDir('wardline-vault-copy-');
    await cp(join(dataDir, 'profiles'), join(otherDataDir, 'profiles'), { recursive: true });
    const fresh = await startKeyring();
    try {
      const outcome = await inChild('unlock', { dataDir: otherDataDir, id, pin }, fresh.env);
      expect(outcome).toEqual({ ok: false, listed: 1, kind: 'keychain-entry-missing', code: 'keychain-unavailable', message: entryMissingMessage });
    } finally {
      await fresh.stop();
    }
    // The original, on its own keyring, still opens.
    expect(await registry().unlockProfile(id, pin)).toBe(databaseKeyHex);
  });

  it('creates nothing without a D-Bus session: the error is clear and no file is written', async () => {
    const noBusHome = await tempDir('wardline-vault-nobus-');
    const emptyDataDir = join(noBusHome, 'data');
    const env: KeyringEnv = {
      DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(noBusHome, 'no-such-bus-socket')}`,
      HOME: noBusHome,
      XDG_RUNTIME_DIR: noBusHome,
      XDG_DATA_HOME: noBusHome,
      XDG_CONFIG_HOME: noBusHome,
      XDG_CACHE_HOME: noBusHome,
    };
    const pin = '642097';
    const outcome = await inChild('create', { dataDir: emptyDataDir, pin }, env);

    expect(outcome.ok).toBe(false);
    expect(outcome.kind).toBe('keychain-unavailable');
    expect(outcome.code).toBe('keychain-unavailable');
    expect(outcome.message).toMatch(/cannot reach the system keychain \(Secret Service.*will not store keys without it/);
    // Nothing written: not even the data directory.
    expect(await readdir(noBusHome)).toEqual([]);
  });
});

/** Every keychain account under Wardline's service that belongs to this profile, sorted. */
async function accountsOf(id: string): Promise<string[]> {
  return (await keytar.findCredentials(keychainService))
    .map((credential) => credential.account)
    .filter((account) => account.startsWith(id))
    .sort();
}

describe('an older copy of profile.json (Explorer copy, restored backup) with the real keychain', () => {
  const supersededMessage = /older copy, from before its PIN was last changed/;
  const file = (id: string): string => join(dataDir, 'profiles', id, 'profile.json');

  it('does not open with the old PIN once the PIN was changed: the keychain secret was rotated', async () => {
    const { id, databaseKeyHex } = await registry().createProfile({ displayName: 'Dr Mensah', role: 'registrar', pin: '111111' });
    const oldCopy = await readFile(file(id), 'utf8');
    expect(await accountsOf(id)).toEqual([id, `${id}.state`]);

    await registry().changePin(id, '111111', '222222');
    const current = await readFile(file(id), 'utf8');
    // A new entry, the old one deleted, and the file names the one it needs.
    expect(await accountsOf(id)).toEqual([`${id}.state`, `${id}.v1`]);
    expect(JSON.parse(current)).toMatchObject({ keychainVersion: 1 });

    // IT restores last night's backup: refused with a clear reason, whichever PIN is typed, and not counted.
    await writeFile(file(id), oldCopy);
    for (const pin of ['111111', '222222']) {
      const error = await rejection(registry().unlockProfile(id, pin));
      expect(error.reason).toEqual({ kind: 'superseded-profile' });
      expect(error.code).toBe('rejected');
      expect(error.message).toMatch(supersededMessage);
    }
    expect((await rejection(registry().changePin(id, '111111', '333333'))).kind).toBe('superseded-profile');
    expect((await readProfileJson(id)).failures.consecutive).toBe(0);

    // The current file put back: the new PIN opens the same store key, the old one is wrong.
    await writeFile(file(id), current);
    expect((await rejection(registry().unlockProfile(id, '111111'))).code).toBe('wrong-pin');
    expect(await registry().unlockProfile(id, '222222')).toBe(databaseKeyHex);
  });

  it('refuses the old copy even when the old keychain entry could not be deleted, and deletes it at the next unlock', async () => {
    const { id, databaseKeyHex } = await registry().createProfile({ displayName: 'Charge nurse', role: 'nurse', pin: '111111' });
    const oldCopy = await readFile(file(id), 'utf8');
    const oldSecret = await keytar.getPassword(keychainService, id);
    await registry().changePin(id, '111111', '222222');
    // As if the delete at the end of the change had failed.
    await keytar.setPassword(keychainService, id, oldSecret ?? '');

    const current = await readFile(file(id), 'utf8');
    await writeFile(file(id), oldCopy);
    const error = await rejection(registry().unlockProfile(id, '111111'));
    expect(error.kind).toBe('superseded-profile');
    // A refusal made on a state not yet verified deletes nothing (a forged one must not destroy secrets).
    expect(await accountsOf(id)).toEqual([id, `${id}.state`, `${id}.v1`]);

    await writeFile(file(id), current);
    await keytar.setPassword(keychainService, id, oldSecret ?? '');
    expect(await registry().unlockProfile(id, '222222')).toBe(databaseKeyHex);
    expect(await accountsOf(id)).toEqual([`${id}.state`, `${id}.v1`]);
  });

  it('is safe at each crash point of a PIN change', async () => {
    const { id, databaseKeyHex } = await registry().createProfile({ displayName: 'Site manager', role: 'site manager', pin: '111111' });
    const oldCopy = await readFile(file(id), 'utf8');
    const oldSecret = await keytar.getPassword(keychainService, id);
    const oldState = await keytar.getPassword(keychainService, `${id}.state`);

    // New entry written, then the new profile.json cannot be (the charge before it could): nothing
    // changes, the old PIN still works, and no entry is left over.
    const newWrapRefused = registryFailingPinChangeWrite('before-write', Object.assign(new Error('EPERM: operation not permitted, rename'), { code: 'EPERM' }));
    const unsaved = await rejection(newWrapRefused.changePin(id, '111111', '222222'));
    expect(unsaved.kind).toBe('profile-unwritable');
    expect(unsaved.message).toMatch(/your old PIN still works/);
    expect(await accountsOf(id)).toEqual([id, `${id}.state`]);
    expect(await registry().unlockProfile(id, '111111')).toBe(databaseKeyHex);

    // The app dies after the keychain state was written for both versions, before profile.json:
    // the old file still opens with the old PIN.
    expect(oldState).not.toBeNull();
    await registry().changePin(id, '111111', '222222');
    const newSecret = decodeSecret((await keytar.getPassword(keychainService, `${id}.v1`)) ?? '').secret;
    const bothVersions = serializeKeychainState({ version: 1, failures: { consecutive: 0, lastFailureAt: null }, wipeAfter: null }, new Map([[0, decodeSecret(oldSecret ?? '').secret], [1, newSecret]]));
    const current = await readFile(file(id), 'utf8');
    await keytar.setPassword(keychainService, id, oldSecret ?? '');
    await keytar.setPassword(keychainService, `${id}.state`, bothVersions);
    await writeFile(file(id), oldCopy);
    expect(await registry().unlockProfile(id, '111111')).toBe(databaseKeyHex);

    // ...and after profile.json, before the state was narrowed and the old entry deleted: the new one opens.
    await keytar.setPassword(keychainService, `${id}.state`, bothVersions);
    await writeFile(file(id), current);
    expect(await registry().unlockProfile(id, '222222')).toBe(databaseKeyHex);
    // That unlock finished the change: the old copy is refused and its secret is gone.
    expect(await accountsOf(id)).toEqual([`${id}.state`, `${id}.v1`]);
    await writeFile(file(id), oldCopy);
    expect((await rejection(registry().unlockProfile(id, '111111'))).kind).toBe('superseded-profile');
  });

  it('keeps the new PIN when saving profile.json failed after the file was already replaced (a folder sync error) (review finding)', async () => {
    const { id, databaseKeyHex } = await registry().createProfile({ displayName: 'Theatre coordinator', role: 'coordinator', pin: '111111' });
    const syncFails = registryFailingPinChangeWrite('after-write', Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    await syncFails.changePin(id, '111111', '222222');
    expect(await registry().unlockProfile(id, '222222')).toBe(databaseKeyHex);
  });

  it('keeps opening a profile made before PINs rotated the secret (no state, no version), and rotates it on the next change', async () => {
    const { id, databaseKeyHex } = await registry().createProfile({ displayName: 'Long-serving clerk', role: 'clerk', pin: '111111' });
    // What such a profile looks like: no keychain state, and a secret stored as it was (unmarked).
    await keytar.deletePassword(keychainService, `${id}.state`);
    const marked = (await keytar.getPassword(keychainService, id)) ?? '';
    expect(marked.startsWith('tracked:')).toBe(true);
    await keytar.setPassword(keychainService, id, marked.slice('tracked:'.length));
    const legacy = await readFile(file(id), 'utf8');
    expect(JSON.parse(legacy)).not.toHaveProperty('keychainVersion');

    expect((await rejection(registry().unlockProfile(id, '000000'))).code).toBe('wrong-pin');
    expect(await registry().unlockProfile(id, '111111')).toBe(databaseKeyHex);
    // Marked at that unlock: from now on its state may not go missing.
    expect(await keytar.getPassword(keychainService, id)).toBe(marked);
    await registry().changePin(id, '111111', '222222');
    await writeFile(file(id), legacy);
    expect((await rejection(registry().unlockProfile(id, '111111'))).kind).toBe('superseded-profile');
  });

  it('refuses a profile whose keychain state was deleted (a walk-up user can delete a credential without reading it), whatever file is put back (review finding)', async () => {
    const { id } = await registry().createProfile({ displayName: 'Ward 5 clerk', role: 'ward clerk', pin: '111111' });
    const before = await readFile(file(id), 'utf8');
    for (let i = 0; i < 5; i += 1) expect((await rejection(registry().unlockProfile(id, '000000'))).code).toBe('wrong-pin');
    // Resetting the counters: delete the keychain state, put back the file from before the guesses.
    await keytar.deletePassword(keychainService, `${id}.state`);
    await writeFile(file(id), before);
    const refused = await rejection(registry().unlockProfile(id, '111111'));
    expect(refused.kind).toBe('keychain-entry-missing');
    expect(refused.message).toMatch(/security counters are missing from the system keychain, or were changed outside Wardline/);
  });

  it('refuses a keychain state someone wrote in place of Wardline’s (possible without reading any credential), with no failures in it (review finding)', async () => {
    const { id } = await registry().createProfile({ displayName: 'Ward 6 clerk', role: 'ward clerk', pin: '111111' });
    const before = await readFile(file(id), 'utf8');
    for (let i = 0; i < 5; i += 1) expect((await rejection(registry().unlockProfile(id, '000000'))).code).toBe('wrong-pin');
    const forged = JSON.stringify({ version: 0, failures: { consecutive: 0, lastFailureAt: null }, mac: Buffer.alloc(32).toString('base64') });
    await keytar.setPassword(keychainService, `${id}.state`, forged);
    await writeFile(file(id), before);
    expect((await rejection(registry().unlockProfile(id, '111111'))).message).toMatch(/security counters are missing from the system keychain, or were changed outside Wardline/);
  });

  it('refuses a state authenticated by a secret someone planted under a free older account name (review finding)', async () => {
    const { id } = await registry().createProfile({ displayName: 'Ward 8 clerk', role: 'ward clerk', pin: '111111' });
    await registry().changePin(id, '111111', '222222'); // the file now names version 1; <id> (version 0) is free
    for (let i = 0; i < 5; i += 1) expect((await rejection(registry().unlockProfile(id, '000000'))).code).toBe('wrong-pin');
    const planted = Buffer.alloc(32, 9);
    await keytar.setPassword(keychainService, id, encodeSecret(planted));
    await keytar.setPassword(keychainService, `${id}.state`, serializeKeychainState({ version: 0, failures: { consecutive: 0, lastFailureAt: null }, wipeAfter: null }, new Map([[0, planted]])));
    const record = JSON.parse(await readFile(file(id), 'utf8')) as { failures: unknown };
    await writeFile(file(id), JSON.stringify({ ...record, failures: { consecutive: 0, lastFailureAt: null } }));
    expect((await rejection(registry().unlockProfile(id, '222222'))).message).toMatch(/security counters are missing from the system keychain, or were changed outside Wardline/);
  });

  it('marks a profile from before at its first attempt, right or wrong: its counters cannot be reset from then on (review finding)', async () => {
    const { id } = await registry().createProfile({ displayName: 'Night clerk', role: 'ward clerk', pin: '111111' });
    // As such a profile was: no keychain state, an unmarked secret.
    await keytar.deletePassword(keychainService, `${id}.state`);
    await keytar.setPassword(keychainService, id, ((await keytar.getPassword(keychainService, id)) ?? '').replace(/^tracked:/, ''));
    const before = await readFile(file(id), 'utf8');
    for (let i = 0; i < 5; i += 1) expect((await rejection(registry().unlockProfile(id, '000000'))).code).toBe('wrong-pin');
    expect((await keytar.getPassword(keychainService, id))?.startsWith('tracked:')).toBe(true);
    await keytar.deletePassword(keychainService, `${id}.state`);
    await writeFile(file(id), before);
    expect((await rejection(registry().unlockProfile(id, '111111'))).kind).toBe('keychain-entry-missing');
  });

  it('removes every keychain entry of a profile, current and stale', async () => {
    const { id } = await registry().createProfile({ displayName: 'Agency nurse', role: 'nurse', pin: '111111' });
    const oldSecret = await keytar.getPassword(keychainService, id);
    await registry().changePin(id, '111111', '222222');
    await keytar.setPassword(keychainService, id, oldSecret ?? '');
    expect(await accountsOf(id)).toEqual([id, `${id}.state`, `${id}.v1`]);

    await registry().removeProfile(id);
    expect(await accountsOf(id)).toEqual([]);
  });

  it('keeps counting wrong PINs when an older profile.json is put back: delays and the wipe policy still apply', async () => {
    const { id } = await registry().createProfile({ displayName: 'Ward 4 clerk', role: 'ward clerk', pin: '111111' });
    const clean = await readFile(file(id), 'utf8');
    for (let attempt = 1; attempt <= 5; attempt += 1) expect((await rejection(registry().unlockProfile(id, '000000'))).code).toBe('wrong-pin');
    expect(JSON.parse((await keytar.getPassword(keychainService, `${id}.state`)) ?? '{}')).toMatchObject({ failures: { consecutive: 5, lastFailureAt: now } });

    // The copy taken before the guesses: still throttled after a restart, even for the right PIN.
    await writeFile(file(id), clean);
    now += 10_000;
    const throttled = await rejection(registry().unlockProfile(id, '111111'));
    expect(throttled.code).toBe('throttled');
    expect(throttled.retryAt).toBe(now + 20_000);
    // The next guess counts on from 5, not from 0.
    now += 20_000;
    expect((await rejection(registry().unlockProfile(id, '000000'))).retryAt).toBe(now + 60_000);

    // Under a wipe policy, restoring the file does not buy more attempts.
    const wiping = (): ProfileRegistry => new ProfileRegistry({ dataDir, keychain: keytarKeychain(), now: () => now, wipePolicy: { afterFailures: 3 } });
    const other = await wiping().createProfile({ displayName: 'Ward 5 clerk', role: 'ward clerk', pin: '111111' });
    const otherClean = await readFile(file(other.id), 'utf8');
    expect((await rejection(wiping().unlockProfile(other.id, '000000'))).code).toBe('wrong-pin');
    expect((await rejection(wiping().unlockProfile(other.id, '000000'))).code).toBe('wrong-pin');
    await writeFile(file(other.id), otherClean);
    expect((await rejection(wiping().unlockProfile(other.id, '000000'))).kind).toBe('wiped');
    expect(await accountsOf(other.id)).toEqual([]);
    expect(existsSync(join(dataDir, 'profiles', other.id))).toBe(false);
  });
});

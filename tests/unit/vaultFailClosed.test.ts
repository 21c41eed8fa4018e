/**
 * The registry fails CLOSED when it cannot write or remove files, and refuses
 * scrypt costs an edited profile.json could use to exhaust memory.
 *
 * Tests run as root here, and permission bits do not stop root, so a folder
 * that cannot be written or removed is simulated by injecting failing file
 * operations (the registry's test-only `fileOps` option). The same exploits
 * against a really immutable folder (chattr +i, which does stop root) are in
 * tests/integration/vault.test.ts.
 */
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScryptParams } from '../../electron/core/vault/kdf.js';
import { memoryKeychain, type MemoryKeychain } from '../../electron/core/vault/memoryKeychain.js';
import { kdfMemoryCapBytes, kdfParamsProblem, writeProfileRecord, type ProfileRecord } from '../../electron/core/vault/profileFile.js';
import { ProfileRegistry, type VaultFileOps } from '../../electron/core/vault/profiles.js';
import { rejection } from '../fixtures/vaultRejection.js';

/** Cheap scrypt so unit tests stay fast; the real cost is calibrated in kdf.ts. */
const cheap: ScryptParams = { N: 2 ** 10, r: 8, p: 1 };
const pin = '246810';
const wrong = '000000';
const unwritableMessage =
  "Wardline cannot update this profile's security counters, so it will not check PINs for it. Ask IT to check the profile folder's permissions.";


/** What Windows says for a read-only profile.json, or a file held open by another process. */
function fsError(code: 'EPERM' | 'EBUSY', syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: operation not permitted, ${syscall}`), { code, syscall });
}

let dataDir: string;
let keychain: MemoryKeychain;
let now: number;

function registry(options: Partial<ConstructorParameters<typeof ProfileRegistry>[0]> = {}): ProfileRegistry {
  return new ProfileRegistry({ dataDir, keychain, now: () => now, kdfParams: cheap, ...options });
}

async function onDisk(id: string): Promise<ProfileRecord> {
  return JSON.parse(await readFile(join(dataDir, 'profiles', id, 'profile.json'), 'utf8')) as ProfileRecord;
}

/** Switchable file operations: each one fails while its flag is set, and is counted. */
function faultyFiles(): { ops: Partial<VaultFileOps>; fail: { write: boolean; rename: boolean; remove: boolean }; calls: { write: number; rename: number; remove: number } } {
  const fail = { write: false, rename: false, remove: false };
  const calls = { write: 0, rename: 0, remove: 0 };
  const ops: Partial<VaultFileOps> = {
    writeRecord: async (dir, record) => {
      calls.write += 1;
      if (fail.write) throw fsError('EPERM', 'rename');
      await writeProfileRecord(dir, record);
    },
    rename: async (from, to) => {
      calls.rename += 1;
      if (fail.rename) throw fsError('EBUSY', 'rename');
      await rename(from, to);
    },
    removeTree: async (path) => {
      calls.remove += 1;
      if (fail.remove) throw fsError('EBUSY', 'rmdir');
      await rm(path, { recursive: true, force: true });
    },
  };
  return { ops, fail, calls };
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'wardline-vault-failclosed-'));
  keychain = memoryKeychain();
  now = 1_700_000_000_000;
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('H1: failed-PIN counting fails closed', () => {
  it('refuses every guess, even the right PIN, without checking it, while the failure counter cannot be written', { timeout: 30_000 }, async () => {
    const { id, databaseKeyHex } = await registry().createProfile({ displayName: 'Ward 7 clerk', role: 'clerk', pin });
    const files = faultyFiles();
    const reg = registry({ fileOps: files.ops });

    for (let attempt = 1; attempt <= 3; attempt += 1) expect((await rejection(reg.unlockProfile(id, wrong))).kind).toBe('wrong-pin');
    expect((await onDisk(id)).failures).toEqual({ consecutive: 3, lastFailureAt: now });

    // A colleague on the shared login makes profile.json read-only: before the fix, each
    // guess was checked and then its failure silently not counted (unlimited guesses).
    files.fail.write = true;
    for (let guess = 0; guess < 50; guess += 1) {
      const error = await rejection(reg.unlockProfile(id, String(100000 + guess)));
      expect(error.reason).toEqual({ kind: 'profile-unwritable' });
      expect(error.code).toBe('rejected');
      expect(error.message).toBe(unwritableMessage);
    }
    // The PIN is not even checked: the right one is refused the same way.
    expect((await rejection(reg.unlockProfile(id, pin))).kind).toBe('profile-unwritable');
    expect((await rejection(reg.changePin(id, pin, '13572468'))).kind).toBe('profile-unwritable');
    // Nothing was reset or lost, and no delay was skipped.
    expect((await onDisk(id)).failures).toEqual({ consecutive: 3, lastFailureAt: now });

    files.fail.write = false;
    expect((await rejection(reg.unlockProfile(id, wrong))).kind).toBe('wrong-pin');
    expect((await rejection(reg.unlockProfile(id, wrong))).reason).toEqual({ kind: 'wrong-pin', attemptsRemaining: null, retryAt: now + 30_000 });
    expect((await onDisk(id)).failures.consecutive).toBe(5);
    expect((await rejection(reg.unlockProfile(id, pin))).kind).toBe('throttled');
    now += 30_000;
    expect(await reg.unlockProfile(id, pin)).toBe(databaseKeyHex);
    expect((await onDisk(id)).failures).toEqual({ consecutive: 0, lastFailureAt: null });
  });

  it('charges each attempt on disk before the PIN is checked, so a crash or kill mid-check still counts', async () => {
    const { id } = await registry().createProfile({ displayName: 'Porter desk', role: 'porter', pin });
    const seen: ProfileRecord['failures'][] = [];
    const reg = registry({
      fileOps: {
        writeRecord: async (dir, record) => {
          seen.push({ ...record.failures });
          await writeProfileRecord(dir, record);
        },
      },
    });
    await rejection(reg.unlockProfile(id, wrong));
    await reg.unlockProfile(id, pin);
    // Wrong PIN: one write, the charge. Right PIN: the charge, then the reset.
    expect(seen).toEqual([
      { consecutive: 1, lastFailureAt: now },
      { consecutive: 2, lastFailureAt: now },
      { consecutive: 0, lastFailureAt: null },
    ]);
  });

  it('still unlocks for the right PIN if only the reset cannot be written, leaving the attempt counted (stricter, never looser)', async () => {
    const { id, databaseKeyHex } = await registry().createProfile({ displayName: 'Dr Okafor', role: 'consultant', pin });
    let resetWrites = 0;
    const reg = registry({
      fileOps: {
        writeRecord: async (dir, record) => {
          if (record.failures.consecutive === 0) {
            resetWrites += 1;
            throw fsError('EBUSY', 'rename');
          }
          await writeProfileRecord(dir, record);
        },
      },
    });
    expect(await reg.unlockProfile(id, pin)).toBe(databaseKeyHex);
    expect(resetWrites).toBe(3);
    expect((await onDisk(id)).failures).toEqual({ consecutive: 1, lastFailureAt: now });

    // A briefly busy file (virus scanner) is retried, so the reset does land.
    let busy = 1;
    const flaky = registry({
      fileOps: {
        writeRecord: async (dir, record) => {
          if (record.failures.consecutive === 0 && busy-- > 0) throw fsError('EBUSY', 'rename');
          await writeProfileRecord(dir, record);
        },
      },
    });
    expect(await flaky.unlockProfile(id, pin)).toBe(databaseKeyHex);
    expect((await onDisk(id)).failures).toEqual({ consecutive: 0, lastFailureAt: null });
  });

  it('records the failure that reaches the wipe limit before wiping, and refuses every later attempt while the files cannot be removed', async () => {
    const files = faultyFiles();
    const reg = registry({ wipePolicy: { afterFailures: 3 }, fileOps: files.ops });
    const { id } = await reg.createProfile({ displayName: 'Agency nurse', role: 'nurse', pin });
    const other = await reg.createProfile({ displayName: 'Bed manager', role: 'bed manager', pin });

    // The store is open in another process (EBUSY on Windows): neither rename nor rm works.
    files.fail.rename = true;
    files.fail.remove = true;
    expect((await rejection(reg.unlockProfile(id, wrong))).kind).toBe('wrong-pin');
    expect((await rejection(reg.unlockProfile(id, wrong))).kind).toBe('wrong-pin');
    const third = await rejection(reg.unlockProfile(id, wrong));
    expect(third.kind).toBe('wiped');
    expect(third.message).toMatch(/could not finish erasing its files yet/);
    // Before the fix the count was written only AFTER a successful rm, so it stayed at 2 forever.
    expect((await onDisk(id)).failures).toEqual({ consecutive: 3, lastFailureAt: now });

    // No more guesses, not even the right PIN, and no throttle to wait out: refused outright,
    // and each attempt retries the wipe.
    const removesBefore = files.calls.remove;
    for (const guess of [wrong, '111111', pin]) {
      const error = await rejection(reg.unlockProfile(id, guess));
      expect(error.kind).toBe('wiped');
      expect(error.code).toBe('not-found');
    }
    expect(files.calls.remove).toBeGreaterThan(removesBefore);
    expect((await onDisk(id)).failures.consecutive).toBe(3);
    expect((await rejection(reg.changePin(id, pin, '13572468'))).kind).toBe('wiped');
    // The keychain half is gone already, so the wrapped key is useless wherever the files end up.
    expect(keychain.entries.has(id)).toBe(false);
    expect(keychain.entries.has(other.id)).toBe(true);

    // Once the files can be removed, the next attempt finishes the wipe.
    files.fail.rename = false;
    files.fail.remove = false;
    const finished = await rejection(reg.unlockProfile(id, pin));
    expect(finished.kind).toBe('wiped');
    expect(finished.message).toMatch(/has been erased from this computer/);
    expect((await rejection(reg.unlockProfile(id, pin))).kind).toBe('not-found');
    expect(await reg.listProfiles()).toEqual([{ id: other.id, displayName: 'Bed manager' }]);
    expect(await readdir(join(dataDir, 'profiles'))).toEqual([other.id]);
  });

  it('wipes at the limit even when the final rm fails, because the folder is moved aside first', async () => {
    const files = faultyFiles();
    const reg = registry({ wipePolicy: { afterFailures: 2 }, fileOps: files.ops });
    const { id } = await reg.createProfile({ displayName: 'Theatre coordinator', role: 'coordinator', pin });
    files.fail.remove = true;
    await rejection(reg.unlockProfile(id, wrong));
    const wiped = await rejection(reg.unlockProfile(id, wrong));
    expect(wiped.message).toMatch(/has been erased from this computer/);
    expect((await rejection(reg.unlockProfile(id, pin))).kind).toBe('not-found');
    expect(await readdir(join(dataDir, 'profiles'))).toEqual([expect.stringMatching(new RegExp(`^\\.removing-${id}-[0-9a-f]+$`))]);
    files.fail.remove = false;
    expect(await reg.listProfiles()).toEqual([]);
    expect(await readdir(join(dataDir, 'profiles'))).toEqual([]);
  });

  it('at the wipe limit with the keychain entry already gone (a wipe that did not finish), wipes again and checks no PIN', async () => {
    const reg = registry({ wipePolicy: { afterFailures: 4 } });
    const { id } = await reg.createProfile({ displayName: 'Night coordinator', role: 'site manager', pin });
    const record = await onDisk(id);
    await writeProfileRecord(dataDir, { ...record, failures: { consecutive: 4, lastFailureAt: now - 86_400_000 } });
    await keychain.deleteSecret(id);
    const error = await rejection(reg.unlockProfile(id, pin));
    expect(error.kind).toBe('wiped');
    expect(error.message).toMatch(/has been erased/);
    expect(await reg.listProfiles()).toEqual([]);
  });

  it('never wipes on a right PIN: an attempt that reached the limit unsettled (right PIN, reset not written) is checked again (review finding)', async () => {
    // The reset after a right PIN keeps failing (a scanner holding the file), the charge did not.
    const files = faultyFiles();
    const resetFails: Partial<VaultFileOps> = {
      ...files.ops,
      writeRecord: async (dir, record) => {
        if (record.failures.consecutive === 0 && record.failures.lastFailureAt === null && files.fail.write) throw fsError('EBUSY', 'rename');
        await writeProfileRecord(dir, record);
      },
    };
    const reg = registry({ wipePolicy: { afterFailures: 6 }, fileOps: resetFails });
    const { id } = await reg.createProfile({ displayName: 'Ward 9 clerk', role: 'clerk', pin });
    for (let i = 0; i < 5; i += 1) {
      now += 24 * 60 * 60_000; // past any delay
      expect((await rejection(reg.unlockProfile(id, wrong))).kind).toBe('wrong-pin');
    }
    now += 24 * 60 * 60_000;
    files.fail.write = true;
    expect(await reg.unlockProfile(id, pin)).toMatch(/^[0-9a-f]{64}$/); // succeeds; its charge stays on disk
    expect((await onDisk(id)).failures.consecutive).toBe(6);
    files.fail.write = false;

    now += 24 * 60 * 60_000;
    expect(await reg.unlockProfile(id, pin)).toMatch(/^[0-9a-f]{64}$/);
    expect((await onDisk(id)).failures).toEqual({ consecutive: 0, lastFailureAt: null });
    expect(await reg.listProfiles()).toEqual([{ id, displayName: 'Ward 9 clerk' }]);
  });

  it('at the limit, checks the PIN it is given and wipes on a wrong one (a crash mid-check gives no free guess)', async () => {
    const reg = registry({ wipePolicy: { afterFailures: 4 } });
    const { id } = await reg.createProfile({ displayName: 'Bed bureau', role: 'bed manager', pin });
    const record = await onDisk(id);
    // Charged, then the app died before the check finished.
    await writeProfileRecord(dataDir, { ...record, failures: { consecutive: 4, lastFailureAt: now - 86_400_000 } });
    const error = await rejection(reg.unlockProfile(id, wrong));
    expect(error.kind).toBe('wiped');
    expect(await reg.listProfiles()).toEqual([]);
    await expect(keychain.getSecret(id)).rejects.toMatchObject({ reason: { kind: 'keychain-entry-missing' } });
  });

  it('counts a delay from now when the failures are dated in the future (a clock corrected backwards), not from then', async () => {
    const reg = registry();
    const { id } = await reg.createProfile({ displayName: 'Discharge lounge', role: 'clerk', pin });
    const record = await onDisk(id);
    await writeProfileRecord(dataDir, { ...record, failures: { consecutive: 6, lastFailureAt: now + 30 * 86_400_000 } });
    const throttled = await rejection(reg.unlockProfile(id, pin));
    expect(throttled.kind).toBe('throttled');
    const wait = (throttled.reason as { retryAt: number }).retryAt - now;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60 * 60_000);
    now += wait;
    expect(await reg.unlockProfile(id, pin)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('warns of the coming erase while an attempt is refused for the delay (review finding)', async () => {
    const reg = registry({ wipePolicy: { afterFailures: 7 } });
    const { id } = await reg.createProfile({ displayName: 'Theatre coordinator', role: 'coordinator', pin });
    for (let i = 0; i < 6; i += 1) {
      now += 24 * 60 * 60_000; // past any delay: each one counts
      expect((await rejection(reg.unlockProfile(id, wrong))).kind).toBe('wrong-pin');
    }
    // The owner comes back at once (within the delay): told before the one attempt that would erase.
    const throttled = await rejection(reg.unlockProfile(id, pin));
    expect(throttled.kind).toBe('throttled');
    expect(throttled.message).toMatch(/Too many wrong attempts\. .*Warning: after 1 more wrong attempt, this profile will be erased from this computer\./);
  });
});

describe('L2: scrypt cost bounds', () => {
  async function withKdf(kdf: Partial<ProfileRecord['kdf']>): Promise<string> {
    const { id } = await registry().createProfile({ displayName: 'Edited', role: 'clerk', pin });
    const path = join(dataDir, 'profiles', id, 'profile.json');
    const record = JSON.parse(await readFile(path, 'utf8')) as ProfileRecord;
    await writeFile(path, JSON.stringify({ ...record, kdf: { ...record.kdf, ...kdf } }));
    return id;
  }

  it('refuses an edited profile.json whose scrypt params need more than 256 MiB or p > 2, before any KDF runs', async () => {
    const cases: Partial<ProfileRecord['kdf']>[] = [
      { N: 2 ** 22, r: 32, p: 1 }, // 16 GiB: allowed by the old per-field bounds
      { N: 2 ** 18, r: 16, p: 1 }, // 512 MiB
      { N: 2 ** 17, r: 16, p: 2 }, // 512 MiB through p
      { N: 2 ** 10, r: 8, p: 3 },
      { N: 2 ** 10, r: 8, p: 16 },
    ];
    for (const kdf of cases) {
      const id = await withKdf(kdf);
      const started = Date.now();
      const error = await rejection(registry().unlockProfile(id, pin));
      expect(error.kind, JSON.stringify(kdf)).toBe('damaged-profile');
      expect(Date.now() - started).toBeLessThan(1_000);
      // Refused before the PIN could be tried, so nothing was charged either.
      expect((await rejection(registry().profileDetails(id))).kind).toBe('damaged-profile');
    }
    expect(await registry().listProfiles()).toEqual([]);
  });

  it('accepts params up to exactly 256 MiB', async () => {
    for (const kdf of [
      { N: 2 ** 17, r: 16, p: 1 },
      { N: 2 ** 16, r: 16, p: 2 },
      { N: 2 ** 16, r: 11, p: 1 },
    ]) {
      expect(128 * kdf.N * kdf.r * kdf.p).toBeLessThanOrEqual(kdfMemoryCapBytes);
      const id = await withKdf(kdf);
      expect((await registry().profileDetails(id)).id).toBe(id);
    }
  });

  it('will not wrap new profiles with params it could not read back', () => {
    expect(kdfParamsProblem({ N: 2 ** 16, r: 11, p: 1 })).toBeNull();
    expect(kdfParamsProblem({ N: 2 ** 18, r: 16, p: 1 })).toMatch(/at most 268435456 bytes/);
    expect(kdfParamsProblem({ N: 2 ** 10, r: 8, p: 3 })).toMatch(/p must be/);
    expect(kdfParamsProblem({ N: 1000, r: 8, p: 1 })).toMatch(/power of two/);
    expect(() => registry({ kdfParams: { N: 2 ** 20, r: 32, p: 1 } })).toThrow(RangeError);
  });
});

describe('L6: removing a profile', () => {
  it('still removes the files when the keychain entry cannot be deleted, and says so', async () => {
    const reg = registry();
    const { id } = await reg.createProfile({ displayName: 'Agency nurse', role: 'nurse', pin });
    keychain.unavailable = true;
    const error = await rejection(reg.removeProfile(id));
    expect(error.reason).toEqual({ kind: 'keychain-unavailable', detail: 'unreachable' });
    expect(error.message).toMatch(/^The profile was removed from this computer, but Wardline could not delete its entry from the system keychain\./);
    keychain.unavailable = false;
    // Callers refreshing the list after the error no longer see it.
    expect(await reg.listProfiles()).toEqual([]);
    expect(await readdir(join(dataDir, 'profiles'))).toEqual([]);
    expect((await rejection(reg.unlockProfile(id, pin))).kind).toBe('not-found');
  });

  it('leaves no openable-looking folder when the final rm fails: the tombstone is hidden and swept later', async () => {
    const files = faultyFiles();
    const reg = registry({ fileOps: files.ops });
    const keep = await reg.createProfile({ displayName: 'Bed manager', role: 'bed manager', pin });
    const { id } = await reg.createProfile({ displayName: 'Agency nurse', role: 'nurse', pin });
    files.fail.remove = true;
    await reg.removeProfile(id);
    expect(keychain.entries.has(id)).toBe(false);
    expect(await reg.listProfiles()).toEqual([{ id: keep.id, displayName: 'Bed manager' }]);
    const left = await readdir(join(dataDir, 'profiles'));
    expect(left).toHaveLength(2);
    expect(left).toEqual(expect.arrayContaining([keep.id, expect.stringMatching(new RegExp(`^\\.removing-${id}-`))]));
    expect((await rejection(reg.unlockProfile(id, pin))).kind).toBe('not-found');
    expect((await rejection(reg.removeProfile(id))).kind).toBe('not-found');

    files.fail.remove = false;
    expect(await reg.listProfiles()).toEqual([{ id: keep.id, displayName: 'Bed manager' }]);
    expect(await readdir(join(dataDir, 'profiles'))).toEqual([keep.id]);
  });

  it('changes nothing when the folder cannot be moved aside, and says so', async () => {
    const files = faultyFiles();
    const reg = registry({ fileOps: files.ops });
    const { id, databaseKeyHex } = await reg.createProfile({ displayName: 'Ward 3 clerk', role: 'clerk', pin });
    files.fail.rename = true;
    const error = await rejection(reg.removeProfile(id));
    expect(error.kind).toBe('profile-unwritable');
    expect(error.message).toMatch(/could not remove this profile.*nothing was removed/);
    expect(keychain.entries.has(id)).toBe(true);
    expect(await reg.listProfiles()).toEqual([{ id, displayName: 'Ward 3 clerk' }]);
    expect(await reg.unlockProfile(id, pin)).toBe(databaseKeyHex);
  });
});

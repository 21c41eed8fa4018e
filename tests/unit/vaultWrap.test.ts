/**
 * The key hierarchy without the OS keychain: wrapping, KEK derivation, PIN
 * rules, the failure schedule, the registry over an in-memory keychain, and
 * how the keytar adapter reports every keychain failure.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deriveKek, randomSalt, type ScryptParams } from '../../electron/core/vault/kdf.js';
import { randomDatabaseKey, unwrapKey, wrapKey } from '../../electron/core/vault/keyWrap.js';
import { keytarKeychain, type KeytarApi } from '../../electron/core/vault/keytarKeychain.js';
import { memoryKeychain, type MemoryKeychain } from '../../electron/core/vault/memoryKeychain.js';
import { pinProblem, pinRule } from '../../electron/core/vault/pinRules.js';
import { ProfileRegistry } from '../../electron/core/vault/profiles.js';
import { delayAfter } from '../../electron/core/vault/unlockThrottle.js';
import { rejection } from '../fixtures/vaultRejection.js';

/** Cheap scrypt so unit tests stay fast; the real cost is calibrated in kdf.ts. */
const cheap: ScryptParams = { N: 2 ** 10, r: 8, p: 1 };


describe('key wrapping', () => {
  const id = 'a'.repeat(32);

  it('round-trips the database key and rejects any other KEK, profile id or tampering', async () => {
    const secret = randomBytes(32);
    const salt = randomSalt();
    const kek = await deriveKek('123456', secret, salt, cheap);
    const key = randomDatabaseKey();
    const wrapped = wrapKey(key, kek, id);

    expect(unwrapKey(wrapped, kek, id)?.equals(key)).toBe(true);
    expect(wrapped.ciphertext.equals(key)).toBe(false);

    // Either half alone is useless.
    expect(unwrapKey(wrapped, await deriveKek('123457', secret, salt, cheap), id)).toBeNull();
    expect(unwrapKey(wrapped, await deriveKek('123456', randomBytes(32), salt, cheap), id)).toBeNull();
    // The profile id is bound as AAD.
    expect(unwrapKey(wrapped, kek, 'b'.repeat(32))).toBeNull();
    const tampered = { ...wrapped, ciphertext: Buffer.from(wrapped.ciphertext) };
    tampered.ciphertext[0] = (tampered.ciphertext[0] ?? 0) ^ 1;
    expect(unwrapKey(tampered, kek, id)).toBeNull();
  });

  it('treats the PIN in Unicode NFC, so the same passphrase typed differently matches', async () => {
    const secret = randomBytes(32);
    const salt = randomSalt();
    const composed = await deriveKek('caf\u00e9 au lait', secret, salt, cheap);
    const decomposed = await deriveKek('cafe\u0301 au lait', secret, salt, cheap);
    expect(composed.equals(decomposed)).toBe(true);
  });
});

describe('PIN rules', () => {
  it('accepts 6+ digits or an 8+ character passphrase, and says what is wrong otherwise', () => {
    expect(pinProblem('123456')).toBeNull();
    expect(pinProblem('correct horse')).toBeNull();
    expect(pinProblem('abcdefgh')).toBeNull();
    expect(pinProblem('12345')).toMatch(/at least 6 digits/);
    expect(pinProblem('abc1234')).toMatch(/at least 8 characters/);
    expect(pinProblem('        ')).toMatch(/PIN of at least 6 digits/);
    expect(pinProblem('x'.repeat(300))).toMatch(/too long/);
  });

  it('under a policy of more digits, a passphrase must be at least as long, and the screens are told the same rule', () => {
    expect(pinRule(10)).toEqual({ minDigits: 10, minPassphraseChars: 10 });
    expect(pinRule(4)).toEqual({ minDigits: 6, minPassphraseChars: 8 });
    expect(pinProblem('12345678', 10)).toMatch(/at least 10 digits/);
    expect(pinProblem('abcdefghi', 10)).toMatch(/at least 10 characters/);
    expect(pinProblem('abcdefghij', 10)).toBeNull();
  });
});

describe('failure delays', () => {
  it('starts after 5 failures at 30 s, doubles, and caps at 15 minutes', () => {
    expect([1, 2, 3, 4].map((n) => delayAfter(n))).toEqual([0, 0, 0, 0]);
    expect([5, 6, 7, 8, 9, 10, 11, 100].map((n) => delayAfter(n))).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000]);
  });
});

describe('profile registry over an in-memory keychain', () => {
  let dataDir: string;
  let keychain: MemoryKeychain;
  let now: number;
  const registry = (options: Partial<ConstructorParameters<typeof ProfileRegistry>[0]> = {}): ProfileRegistry =>
    new ProfileRegistry({ dataDir, keychain, now: () => now, kdfParams: cheap, ...options });

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'wardline-vault-unit-'));
    keychain = memoryKeychain();
    now = 1_700_000_000_000;
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('writes nothing when the keychain is unavailable', async () => {
    keychain.unavailable = true;
    const error = await rejection(registry().createProfile({ displayName: 'Ward 7 clerk', role: 'clerk', pin: '123456' }));
    expect(error.code).toBe('keychain-unavailable');
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('rejects a weak PIN and a blank name before touching the keychain', async () => {
    expect((await rejection(registry().createProfile({ displayName: 'A', role: 'clerk', pin: '1234' }))).code).toBe('rejected');
    expect((await rejection(registry().createProfile({ displayName: '  ', role: 'clerk', pin: '123456' }))).code).toBe('rejected');
    expect((await rejection(registry().createProfile({ displayName: 'A\u202Eevil', role: 'clerk', pin: '123456' }))).code).toBe('rejected');
    // Not XML: the name goes with every message, and one such character ended the whole stream.
    expect((await rejection(registry().createProfile({ displayName: 'Sam\uFFFE', role: 'clerk', pin: '123456' }))).code).toBe('rejected');
    expect((await rejection(registry().createProfile({ displayName: 'Sam', role: 'clerk\uD800', pin: '123456' }))).code).toBe('rejected');
    expect(keychain.entries.size).toBe(0);
  });

  it('wipes the profile after the policy limit, warning while few attempts remain', async () => {
    const reg = registry({ wipePolicy: { afterFailures: 3 } });
    const { id } = await reg.createProfile({ displayName: 'Dr Okafor', role: 'consultant', pin: '246810' });

    const first = await rejection(reg.unlockProfile(id, '000000'));
    expect(first.reason).toEqual({ kind: 'wrong-pin', attemptsRemaining: 2, retryAt: null });
    expect(first.message).toMatch(/after 2 more wrong attempts, this profile will be erased/);
    const second = await rejection(reg.unlockProfile(id, '000000'));
    expect(second.message).toMatch(/after 1 more wrong attempt, this profile will be erased/);
    const third = await rejection(reg.unlockProfile(id, '000000'));
    expect(third.kind).toBe('wiped');
    expect(third.code).toBe('not-found');

    expect(await reg.listProfiles()).toEqual([]);
    expect(keychain.entries.has(id)).toBe(false);
    expect((await rejection(reg.unlockProfile(id, '246810'))).kind).toBe('not-found');
  });

  it('counts every one of several concurrent wrong attempts', async () => {
    const reg = registry();
    const { id } = await reg.createProfile({ displayName: 'Porter desk', role: 'porter', pin: '135791' });
    const results = await Promise.allSettled([1, 2, 3].map(() => reg.unlockProfile(id, '999999')));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect((await reg.profileDetails(id)).failures.consecutive).toBe(3);
  });

  it('re-wraps with stronger KDF params on the next unlock, keeping the same key', async () => {
    const weak = registry();
    const created = await weak.createProfile({ displayName: 'Bed manager', role: 'bed manager', pin: 'long passphrase' });
    const stronger = registry({ kdfParams: { N: 2 ** 11, r: 8, p: 1 } });
    expect(await stronger.unlockProfile(created.id, 'long passphrase')).toBe(created.databaseKeyHex);
    const record = JSON.parse(await readFile(join(dataDir, 'profiles', created.id, 'profile.json'), 'utf8')) as { kdf: { N: number } };
    expect(record.kdf.N).toBe(2 ** 11);
    expect(await stronger.unlockProfile(created.id, 'long passphrase')).toBe(created.databaseKeyHex);
  });

  it('removes a damaged profile, and one whose earlier removal was interrupted', async () => {
    const reg = registry();
    const damaged = await reg.createProfile({ displayName: 'Damaged', role: 'clerk', pin: '123456' });
    const interrupted = await reg.createProfile({ displayName: 'Interrupted', role: 'clerk', pin: '123456' });
    await writeFile(join(dataDir, 'profiles', damaged.id, 'profile.json'), '{ not json');
    await rm(join(dataDir, 'profiles', interrupted.id, 'profile.json'));
    expect(await reg.listProfiles()).toEqual([]);
    // Counted (the picker says so), unlike a removal in progress.
    expect(reg.damaged).toBe(1);
    expect((await rejection(reg.unlockProfile(damaged.id, '123456'))).kind).toBe('damaged-profile');

    await reg.removeProfile(damaged.id);
    await reg.removeProfile(interrupted.id);
    expect(await readdir(join(dataDir, 'profiles'))).toEqual([]);
    await reg.listProfiles();
    expect(reg.damaged).toBe(0);
    expect(keychain.entries.size).toBe(0);
    expect((await rejection(reg.removeProfile(damaged.id))).kind).toBe('not-found');
  });

  it('refuses ids that are not its own format (they arrive over IPC and become paths)', async () => {
    expect((await rejection(registry().unlockProfile('../../etc', '123456'))).kind).toBe('not-found');
    expect((await rejection(registry().removeProfile('..'))).kind).toBe('not-found');
  });
});

describe('keytar adapter error mapping', () => {
  const fake = (overrides: Partial<KeytarApi>): KeytarApi => ({
    getPassword: async () => null,
    setPassword: async () => undefined,
    deletePassword: async () => false,
    findCredentials: async () => [],
    ...overrides,
  });

  it('maps a missing D-Bus session to keychain-unavailable with an actionable message', async () => {
    const keychain = keytarKeychain({ load: async () => fake({ setPassword: async () => Promise.reject(new Error('Could not connect: No such file or directory')) }) });
    const error = await rejection(keychain.setSecret('p', 's'));
    expect(error.reason).toEqual({ kind: 'keychain-unavailable', detail: 'unreachable' });
    expect(error.message).toMatch(/cannot reach the system keychain.*will not store keys without it/);
  });

  it('maps a locked keyring to its own message', async () => {
    const keychain = keytarKeychain({ load: async () => fake({ getPassword: async () => Promise.reject(new Error('Cannot create an item in a locked collection')) }) });
    expect((await rejection(keychain.getSecret('p'))).reason).toEqual({ kind: 'keychain-unavailable', detail: 'locked' });
  });

  it('maps a missing entry to keychain-entry-missing', async () => {
    const keychain = keytarKeychain({ load: async () => fake({}) });
    const error = await rejection(keychain.getSecret('p'));
    expect(error.kind).toBe('keychain-entry-missing');
    expect(error.message).toMatch(/not in this computer's keychain/);
  });

  it('gives up on a keychain that never answers', async () => {
    const keychain = keytarKeychain({ timeoutMs: 50, load: async () => fake({ getPassword: () => new Promise<never>(() => undefined) }) });
    const error = await rejection(keychain.getSecret('p'));
    expect(error.kind).toBe('keychain-unavailable');
    expect(String((error.cause as Error).message)).toMatch(/did not answer within 50 ms/);
  });

  it('reports a keychain library that cannot load, and retries the load next time', async () => {
    let loads = 0;
    const keychain = keytarKeychain({
      load: async () => {
        loads += 1;
        if (loads === 1) throw new Error('libsecret-1.so.0: cannot open shared object file');
        return fake({ getPassword: async () => 'c2VjcmV0' });
      },
    });
    expect((await rejection(keychain.getSecret('p'))).reason).toEqual({ kind: 'keychain-unavailable', detail: 'not-installed' });
    expect(await keychain.getSecret('p')).toBe('c2VjcmV0');
  });
});

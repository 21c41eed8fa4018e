/**
 * What a profile keeps in the keychain beside its secret (keychainState.ts), and how the registry
 * uses it, over an in-memory keychain: secret rotation on a PIN change, counters that a restored
 * profile.json cannot reset, and failing closed when the keychain half of a charge cannot be written.
 * The same against the real keychain: tests/integration/vault.test.ts.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScryptParams } from '../../electron/core/vault/kdf.js';
import {
  accountsOfProfile,
  noKeychainState,
  parseKeychainState,
  secretAccount,
  serializeKeychainState,
  stateCovers,
  verifyKeychainState,
  stateAccount,
} from '../../electron/core/vault/keychainState.js';
import { memoryKeychain, type MemoryKeychain } from '../../electron/core/vault/memoryKeychain.js';
import { writeProfileRecord } from '../../electron/core/vault/profileFile.js';
import { ProfileRegistry } from '../../electron/core/vault/profiles.js';
import { stricterFailures } from '../../electron/core/vault/unlockThrottle.js';
import { VaultError, keychainMessages } from '../../electron/core/vault/vaultError.js';
import { rejection } from '../fixtures/vaultRejection.js';

const cheap: ScryptParams = { N: 2 ** 10, r: 8, p: 1 };
const id = '0123456789abcdef0123456789abcdef';

describe('keychain account names and state', () => {
  it('keeps the unversioned name for version 0, and lists only this profile\'s entries', () => {
    expect(secretAccount(id, 0)).toBe(id);
    expect(secretAccount(id, 3)).toBe(`${id}.v3`);
    const other = 'f'.repeat(32);
    expect(accountsOfProfile([id, `${id}.v2`, stateAccount(id), other, `${other}.state`, 'keychain-probe'], id)).toEqual([id, `${id}.v2`, stateAccount(id)]);
  });

  it('round-trips the state, authenticated per profile-file version by that version’s secret, and treats anything else as not ours', () => {
    const state = { version: 2, failures: { consecutive: 4, lastFailureAt: 1_700_000_000_000 }, wipeAfter: 10 };
    const [one, two] = [Buffer.alloc(32, 1), Buffer.alloc(32, 2)];
    const claimed = parseKeychainState(serializeKeychainState(state, new Map([[1, one], [2, two]])));
    expect(claimed).toMatchObject(state);
    expect(verifyKeychainState(claimed!, 2, two)).toBe(true);
    expect(verifyKeychainState(claimed!, 1, one)).toBe(true); // during a PIN change, either file opens
    expect(stateCovers(claimed!, 1)).toBe(true);
    // Anyone on the login can write a credential: fewer failures, another secret, a version it was not written for: not ours.
    expect(verifyKeychainState({ ...claimed!, failures: { consecutive: 0, lastFailureAt: null } }, 2, two)).toBe(false);
    expect(verifyKeychainState({ ...claimed!, wipeAfter: null }, 2, two)).toBe(false);
    expect(verifyKeychainState(claimed!, 2, one)).toBe(false);
    expect(verifyKeychainState(claimed!, 0, one)).toBe(false);
    expect(verifyKeychainState({ ...claimed!, macs: { 2: '' } }, 2, two)).toBe(false);
    const after = parseKeychainState(serializeKeychainState(state, new Map([[2, two]])));
    expect(stateCovers(after!, 1)).toBe(false);
    expect(stateCovers(after!, 3)).toBe(true);
    for (const text of ['', 'not json', '{}', '{"version":-1,"failures":{"consecutive":0,"lastFailureAt":null}}', '{"version":1,"failures":{"consecutive":"9","lastFailureAt":null}}']) {
      expect(parseKeychainState(text)).toBeNull();
    }
  });

  it('takes the stricter of two failure counts: more failures, and the later last one', () => {
    expect(stricterFailures({ consecutive: 0, lastFailureAt: null }, { consecutive: 6, lastFailureAt: 100 })).toEqual({ consecutive: 6, lastFailureAt: 100 });
    expect(stricterFailures({ consecutive: 7, lastFailureAt: 50 }, { consecutive: 6, lastFailureAt: 100 })).toEqual({ consecutive: 7, lastFailureAt: 100 });
    expect(stricterFailures({ consecutive: 0, lastFailureAt: null }, { consecutive: 0, lastFailureAt: null })).toEqual({ consecutive: 0, lastFailureAt: null });
  });
});

describe('the registry and the keychain state', () => {
  let dataDir: string;
  let keychain: MemoryKeychain;
  let now: number;
  const registry = (options: Partial<ConstructorParameters<typeof ProfileRegistry>[0]> = {}): ProfileRegistry =>
    new ProfileRegistry({ dataDir, keychain, now: () => now, kdfParams: cheap, ...options });
  const file = (profileId: string): string => join(dataDir, 'profiles', profileId, 'profile.json');

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'wardline-vault-state-'));
    keychain = memoryKeychain();
    now = 1_700_000_000_000;
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps both secrets when it cannot tell whether the new profile.json was saved, and says to try the new PIN first (review finding)', async () => {
    const created = await registry().createProfile({ displayName: 'Bay 3 nurse', role: 'nurse', pin: '111111' });
    const unreadable = registry({
      fileOps: {
        writeRecord: async (dir, record) => {
          if (record.keychainVersion !== 1) return writeProfileRecord(dir, record);
          // Replaced, then the save fails, and what is on disk cannot be read back either.
          await writeFile(join(dir, 'profiles', record.id, 'profile.json'), '{');
          throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
        },
      },
    });
    expect((await rejection(unreadable.changePin(created.id, '111111', '222222'))).message).toMatch(/could not confirm that the new PIN was saved/);
    expect(keychain.entries.has(`${created.id}.v1`)).toBe(true);
    expect(keychain.entries.has(created.id)).toBe(true);
  });

  it('keeps the wipe limit a profile was made with even when profile.json is edited to lift it (review finding)', async () => {
    const created = await registry({ wipePolicy: { afterFailures: 3 } }).createProfile({ displayName: 'Ward 9 clerk', role: 'clerk', pin: '111111' });
    const record = JSON.parse(await readFile(file(created.id), 'utf8')) as Record<string, unknown>;
    await writeFile(file(created.id), JSON.stringify({ ...record, wipePolicy: { afterFailures: null } }));
    // No wipe policy in force now: only the one the profile was made with.
    const kinds: string[] = [];
    for (let i = 0; i < 3; i += 1) kinds.push((await rejection(registry().unlockProfile(created.id, '000000'))).reason.kind);
    expect(kinds).toEqual(['wrong-pin', 'wrong-pin', 'wiped']);
  });

  it('rotates the secret on every PIN change: each older profile.json is refused, the current one opens', async () => {
    const created = await registry().createProfile({ displayName: 'Dr Okafor', role: 'consultant', pin: '111111' });
    expect(parseKeychainState(keychain.entries.get(stateAccount(created.id)) ?? '')).toMatchObject(noKeychainState);
    const copies = [await readFile(file(created.id), 'utf8')];
    const pins = ['111111', '222222', '333333'];
    for (let i = 1; i < pins.length; i += 1) {
      await registry().changePin(created.id, pins[i - 1] as string, pins[i] as string);
      copies.push(await readFile(file(created.id), 'utf8'));
    }
    expect([...keychain.entries.keys()].sort()).toEqual([stateAccount(created.id), `${created.id}.v2`]);
    for (const [i, copy] of copies.slice(0, -1).entries()) {
      await writeFile(file(created.id), copy);
      expect((await rejection(registry().unlockProfile(created.id, pins[i] as string))).kind).toBe('superseded-profile');
    }
    await writeFile(file(created.id), copies.at(-1) as string);
    expect(await registry().unlockProfile(created.id, '333333')).toBe(created.databaseKeyHex);
  });

  it('changes nothing when the new secret cannot be stored: the old PIN still works', async () => {
    const created = await registry().createProfile({ displayName: 'Bed manager', role: 'bed manager', pin: '111111' });
    const failing = { ...keychain, setSecret: async (account: string, secret: string) => {
      if (account === secretAccount(created.id, 1)) throw new VaultError({ kind: 'keychain-unavailable', detail: 'unreachable' }, keychainMessages.unreachable);
      await keychain.setSecret(account, secret);
    } };
    expect((await rejection(registry({ keychain: failing }).changePin(created.id, '111111', '222222'))).kind).toBe('keychain-unavailable');
    expect(await registry().unlockProfile(created.id, '111111')).toBe(created.databaseKeyHex);
  });

  it('refuses every attempt, even the right PIN, while the keychain half of the charge cannot be written', async () => {
    const created = await registry().createProfile({ displayName: 'Porter desk', role: 'porter', pin: '111111' });
    const stateUnwritable = { ...keychain, setSecret: async (account: string, secret: string) => {
      if (account === stateAccount(created.id)) throw new VaultError({ kind: 'keychain-unavailable', detail: 'unreachable' }, keychainMessages.unreachable);
      await keychain.setSecret(account, secret);
    } };
    for (const pin of ['000000', '999999', '111111']) {
      expect((await rejection(registry({ keychain: stateUnwritable }).unlockProfile(created.id, pin))).kind).toBe('keychain-unavailable');
    }
    // Each refused attempt stayed charged in profile.json: stricter, never looser.
    expect((await registry().profileDetails(created.id)).failures.consecutive).toBe(3);
    expect(await registry().unlockProfile(created.id, '111111')).toBe(created.databaseKeyHex);
  });

  it('throttles a profile whose profile.json was put back to before its wrong PINs', async () => {
    const created = await registry().createProfile({ displayName: 'Ward 7 clerk', role: 'clerk', pin: '111111' });
    const clean = await readFile(file(created.id), 'utf8');
    for (let attempt = 1; attempt <= 5; attempt += 1) await rejection(registry().unlockProfile(created.id, '000000'));
    await writeFile(file(created.id), clean);
    expect((await rejection(registry().unlockProfile(created.id, '111111'))).reason).toEqual({ kind: 'throttled', retryAt: now + 30_000 });
    now += 30_000;
    expect(await registry().unlockProfile(created.id, '111111')).toBe(created.databaseKeyHex);
    expect(parseKeychainState(keychain.entries.get(stateAccount(created.id)) ?? '')).toMatchObject(noKeychainState);
  });
});

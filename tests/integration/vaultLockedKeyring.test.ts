/**
 * A locked keyring is not a missing entry: the person is told to unlock their
 * keychain (not that their profile was copied), and nothing is written.
 * Its own file, so its own process and keyring: the keyring stays locked.
 */
import { readdir } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keytarKeychain } from '../../electron/core/vault/keytarKeychain.js';
import { ProfileRegistry } from '../../electron/core/vault/profiles.js';
import { applyKeyringEnv, startKeyring, type Keyring } from '../fixtures/keyring.js';
import { rejection } from '../fixtures/vaultRejection.js';

let keyring: Keyring;
let dataDir: string;

beforeAll(async () => {
  keyring = await startKeyring();
  applyKeyringEnv(keyring.env);
  dataDir = await mkdtemp(join(tmpdir(), 'wardline-vault-locked-'));
});

afterAll(async () => {
  await keyring?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});


describe('a locked keyring', () => {
  it('refuses unlock and create with the "locked" message, counting nothing and writing nothing', async () => {
    const registry = new ProfileRegistry({ dataDir, keychain: keytarKeychain() });
    const { id } = await registry.createProfile({ displayName: 'Ward 3 clerk', role: 'ward clerk', pin: '505050' });

    await keyring.lock();

    const unlock = await rejection(registry.unlockProfile(id, '505050'));
    expect(unlock.reason).toEqual({ kind: 'keychain-unavailable', detail: 'locked' });
    expect(unlock.code).toBe('keychain-unavailable');
    expect(unlock.message).toMatch(/keychain is locked\. Unlock it/);
    expect((await registry.profileDetails(id)).failures.consecutive).toBe(0);

    const create = await rejection(registry.createProfile({ displayName: 'Locked out', role: 'nurse', pin: '606060' }));
    expect(create.reason).toEqual({ kind: 'keychain-unavailable', detail: 'locked' });
    expect(await readdir(join(dataDir, 'profiles'))).toEqual([id]);
  });
});

/**
 * An in-memory Keychain for unit tests and for callers' tests that do not
 * need the real OS keychain. Never used by the app: a process-lifetime
 * keychain would make every profile unopenable after a restart.
 */
import type { Keychain } from './keychain.js';
import { VaultError, keychainMessages } from './vaultError.js';

export interface MemoryKeychain extends Keychain {
  readonly entries: Map<string, string>;
  /** While true, every call fails as if the OS keychain were unreachable. */
  unavailable: boolean;
}

export function memoryKeychain(): MemoryKeychain {
  const entries = new Map<string, string>();
  const keychain: MemoryKeychain = {
    entries,
    unavailable: false,
    async getSecret(profileId) {
      guard();
      const secret = entries.get(profileId);
      if (secret === undefined) throw new VaultError({ kind: 'keychain-entry-missing' }, keychainMessages.entryMissing);
      return secret;
    },
    async setSecret(profileId, secret) {
      guard();
      entries.set(profileId, secret);
    },
    async deleteSecret(profileId) {
      guard();
      return entries.delete(profileId);
    },
  };
  function guard(): void {
    if (keychain.unavailable) {
      throw new VaultError({ kind: 'keychain-unavailable', detail: 'unreachable' }, keychainMessages.unreachable);
    }
  }
  return keychain;
}

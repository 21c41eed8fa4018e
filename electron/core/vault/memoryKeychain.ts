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
    async getSecret(account) {
      guard();
      const secret = entries.get(account);
      if (secret === undefined) throw new VaultError({ kind: 'keychain-entry-missing' }, keychainMessages.entryMissing);
      return secret;
    },
    async setSecret(account, secret) {
      guard();
      entries.set(account, secret);
    },
    async deleteSecret(account) {
      guard();
      return entries.delete(account);
    },
    async listAccounts() {
      guard();
      return [...entries.keys()];
    },
  };
  function guard(): void {
    if (keychain.unavailable) {
      throw new VaultError({ kind: 'keychain-unavailable', detail: 'unreachable' }, keychainMessages.unreachable);
    }
  }
  return keychain;
}

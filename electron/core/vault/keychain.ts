/**
 * The keychain port: where each profile's 32-byte keychain secret lives.
 *
 * The secret is half of what unwraps a profile's database key (the PIN is the
 * other half), so a profile folder copied to another OS user or machine
 * cannot be opened there. Callers depend on this interface only: today the
 * adapter is keytar (keytarKeychain.ts), which is archived upstream; an
 * Electron safeStorage backend (or a platform-native one) can replace it
 * without touching the registry.
 */

/**
 * The keychain "service" every Wardline entry is filed under. Accounts are named after the profile
 * id (keychainState.ts: the id itself, `<id>.v<n>`, `<id>.state`).
 */
export const keychainService = 'Wardline';

export interface Keychain {
  /**
   * The stored text under an account.
   * Rejects with VaultError 'keychain-entry-missing' when there is no entry,
   * and 'keychain-unavailable' when the keychain cannot be reached or is locked.
   */
  getSecret(account: string): Promise<string>;
  /** Stores (or replaces) the text. Rejects with 'keychain-unavailable'. */
  setSecret(account: string, secret: string): Promise<void>;
  /** Removes the entry; resolves false if there was none. Rejects with 'keychain-unavailable'. */
  deleteSecret(account: string): Promise<boolean>;
  /** Every account under Wardline's service, to find a profile's stale entries. Rejects with 'keychain-unavailable'. */
  listAccounts(): Promise<string[]>;
}

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

/** The keychain "service" every Wardline entry is filed under; the account is the profile id. */
export const keychainService = 'Wardline';

export interface Keychain {
  /**
   * The stored secret for a profile.
   * Rejects with VaultError 'keychain-entry-missing' when there is no entry,
   * and 'keychain-unavailable' when the keychain cannot be reached or is locked.
   */
  getSecret(profileId: string): Promise<string>;
  /** Stores (or replaces) the secret. Rejects with 'keychain-unavailable'. */
  setSecret(profileId: string, secret: string): Promise<void>;
  /** Removes the entry; resolves false if there was none. Rejects with 'keychain-unavailable'. */
  deleteSecret(profileId: string): Promise<boolean>;
}

/**
 * Keychain adapter over keytar: Windows Credential Manager, macOS Keychain,
 * and Secret Service (libsecret over D-Bus) on Linux.
 *
 * keytar is archived upstream (atom/node-keytar). It is N-API and still
 * builds, but it gets no fixes: the Keychain interface exists so a backend
 * over Electron's safeStorage (or a maintained native module) can replace this
 * file without changing any caller.
 *
 * keytar is imported lazily, so a machine without a usable keychain library
 * gets a clear VaultError when a profile is created or unlocked, not a crash
 * at startup.
 */
import type { Keychain } from './keychain.js';
import { keychainService } from './keychain.js';
import { VaultError, keychainMessages } from './vaultError.js';

/** The part of keytar we use. */
export interface KeytarApi {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

export interface KeytarKeychainOptions {
  /** Keychain service name; tests may use their own namespace. Defaults to "Wardline". */
  service?: string;
  /**
   * How long one keychain call may take. libsecret can block (for example a
   * session bus that never answers, or a keyring waiting on an unlock prompt
   * no one can see). On timeout we give up on the promise; the native call
   * itself cannot be cancelled and keeps one libuv threadpool thread busy
   * until it returns.
   */
  timeoutMs?: number;
  /** Replaces the keytar import (tests of the error mapping). */
  load?: () => Promise<KeytarApi>;
}

const defaultTimeoutMs = 10_000;
/** Not a profile id (those are 32 hex chars), so it can never collide with one. */
const probeAccount = 'keychain-probe';

export function keytarKeychain(options: KeytarKeychainOptions = {}): Keychain {
  const service = options.service ?? keychainService;
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const load = options.load ?? importKeytar;
  // A failed load is not cached: the person may fix the keychain and retry.
  let loaded: Promise<KeytarApi> | null = null;

  async function call<T>(operation: (keytar: KeytarApi) => Promise<T>): Promise<T> {
    let keytar: KeytarApi;
    try {
      loaded ??= load();
      keytar = await loaded;
    } catch (error) {
      loaded = null;
      throw new VaultError({ kind: 'keychain-unavailable', detail: 'not-installed' }, keychainMessages.notInstalled, { cause: error });
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new VaultError({ kind: 'keychain-unavailable', detail: 'unreachable' }, keychainMessages.unreachable, {
          cause: new Error(`The keychain did not answer within ${timeoutMs} ms.`),
        })),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([operation(keytar), timeout]);
    } catch (error) {
      throw toVaultError(error);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async getSecret(account) {
      const lookup = (keytar: KeytarApi): Promise<string | null> => keytar.getPassword(service, account);
      let secret = await call(lookup);
      if (!secret) {
        // libsecret answers "no such item" for a LOCKED keyring too, and we
        // must not tell someone their profile was copied when it is merely
        // locked. A probe write fails on a locked keyring ("locked"), or, on a
        // desktop, prompts the person to unlock it, after which we look again.
        await call((keytar) => keytar.setPassword(service, probeAccount, 'probe'));
        await call((keytar) => keytar.deletePassword(service, probeAccount)).catch(() => false);
        secret = await call(lookup);
      }
      if (!secret) throw new VaultError({ kind: 'keychain-entry-missing' }, keychainMessages.entryMissing);
      return secret;
    },
    async setSecret(account, secret) {
      await call((keytar) => keytar.setPassword(service, account, secret));
    },
    async deleteSecret(account) {
      return call((keytar) => keytar.deletePassword(service, account));
    },
    async listAccounts() {
      // keytar has no names-only listing: the secrets come along and are dropped here.
      const credentials = await call((keytar) => keytar.findCredentials(service));
      return credentials.map((credential) => credential.account).filter((account) => account !== probeAccount);
    },
  };
}

async function importKeytar(): Promise<KeytarApi> {
  // keytar is CommonJS: its functions are on the default export.
  const module = (await import('keytar')) as { default?: KeytarApi } & Partial<KeytarApi>;
  const api = module.default ?? module;
  if (
    typeof api.getPassword !== 'function' ||
    typeof api.setPassword !== 'function' ||
    typeof api.deletePassword !== 'function' ||
    typeof api.findCredentials !== 'function'
  ) {
    throw new Error('keytar loaded without its keychain functions.');
  }
  return api as KeytarApi;
}

/**
 * keytar rejects with the platform's own words (libsecret/GDBus, Security.framework,
 * Win32). Anything that is not already ours is the keychain failing: we say
 * "locked" when the platform says so, "unreachable" otherwise.
 */
function toVaultError(error: unknown): VaultError {
  if (error instanceof VaultError) return error;
  const text = error instanceof Error ? error.message : String(error);
  if (/locked|interaction is not allowed|prompt/i.test(text)) {
    return new VaultError({ kind: 'keychain-unavailable', detail: 'locked' }, keychainMessages.locked, { cause: error });
  }
  return new VaultError({ kind: 'keychain-unavailable', detail: 'unreachable' }, keychainMessages.unreachable, { cause: error });
}

/**
 * The profile registry: several staff, one OS login, one profile each.
 *
 * Each profile is a folder `<dataDir>/profiles/<id>/` (0700) with a
 * profile.json (0600) holding the database key wrapped under a KEK derived
 * from the person's PIN and a secret in the OS keychain (see kdf.ts). The
 * SQLCipher store lives in the same folder (see profileDir()).
 *
 * Every operation on one profile runs exclusively, so concurrent unlock
 * attempts cannot lose a failure count. Every failure is a VaultError.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { ensurePrivateDir } from './atomicFile.js';
import { defaultScryptParams, deriveKek, keychainSecretBytes, randomSalt, type ScryptParams } from './kdf.js';
import type { Keychain } from './keychain.js';
import { randomDatabaseKey, unwrapKey, wrapKey } from './keyWrap.js';
import { requireAcceptablePin } from './pinRules.js';
import {
  isMissingFile,
  isProfileId,
  kdfParamsOf,
  newProfileId,
  noWipe,
  profileDir,
  profilesRoot,
  readProfileRecord,
  withFailures,
  withWrap,
  wrappedKeyOf,
  writeProfileRecord,
  type ProfileRecord,
  type WipePolicy,
} from './profileFile.js';
import { noFailures, retryAt, type FailureCounters } from './unlockThrottle.js';
import { VaultError, keychainMessages } from './vaultError.js';

export type { WipePolicy } from './profileFile.js';

/** What the profile picker may show: nothing beyond the name each person chose. */
export interface ProfileListing {
  id: string;
  displayName: string;
}

export interface ProfileDetails extends ProfileListing {
  role: string;
  createdAt: number;
  wipePolicy: WipePolicy;
  failures: FailureCounters;
}

export interface NewProfile {
  displayName: string;
  role: string;
  pin: string;
}

export interface CreatedProfile extends ProfileListing {
  /** 64 hex chars, for `PRAGMA key = "x'…'"`: the new store is created with it right away. */
  databaseKeyHex: string;
}

export interface ProfileRegistryOptions {
  /** The app's data directory; profiles live under `<dataDir>/profiles/`. */
  dataDir: string;
  keychain: Keychain;
  /** Epoch ms; injectable so tests can step through the failure delays. */
  now?: () => number;
  /** scrypt cost for new wraps. Profiles wrapped with less are re-wrapped on their next unlock. */
  kdfParams?: ScryptParams;
  /** Wipe policy snapshotted into each NEW profile. Default: never wipe. */
  wipePolicy?: WipePolicy;
}

/** A profile whose PIN was right: the caller zeroes both buffers when done. */
interface Opened {
  /** With failure counters already reset (not yet written). */
  record: ProfileRecord;
  countersReset: boolean;
  databaseKey: Buffer;
  secret: Buffer;
}

/** When this few attempts remain before a wipe, every wrong-PIN message warns. */
const warnWhenRemaining = 3;
const maxNameChars = 64;

export class ProfileRegistry {
  readonly dataDir: string;
  readonly #keychain: Keychain;
  readonly #now: () => number;
  readonly #kdfParams: ScryptParams;
  readonly #wipePolicy: WipePolicy;
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(options: ProfileRegistryOptions) {
    this.dataDir = options.dataDir;
    this.#keychain = options.keychain;
    this.#now = options.now ?? Date.now;
    this.#kdfParams = { ...(options.kdfParams ?? defaultScryptParams) };
    this.#wipePolicy = { ...(options.wipePolicy ?? noWipe) };
  }

  /** The folder holding this profile's files (profile.json, the store). */
  profileDir(id: string): string {
    return profileDir(this.dataDir, id);
  }

  async listProfiles(): Promise<ProfileListing[]> {
    let names: string[];
    try {
      names = await readdir(profilesRoot(this.dataDir));
    } catch (error) {
      if (isMissingFile(error)) return [];
      throw error;
    }
    const listings: ProfileListing[] = [];
    for (const name of names.filter(isProfileId)) {
      try {
        const record = await readProfileRecord(this.dataDir, name);
        // No profile.json: a removal in progress. Damaged: it cannot be opened, so not offered.
        if (record) listings.push({ id: record.id, displayName: record.displayName });
      } catch (error) {
        if (!(error instanceof VaultError)) throw error;
      }
    }
    return listings.sort((a, b) => a.displayName.localeCompare(b.displayName) || a.id.localeCompare(b.id));
  }

  async profileDetails(id: string): Promise<ProfileDetails> {
    const record = await this.#requireRecord(id);
    return {
      id: record.id,
      displayName: record.displayName,
      role: record.role,
      createdAt: record.createdAt,
      wipePolicy: { ...record.wipePolicy },
      failures: { ...record.failures },
    };
  }

  /**
   * Creates the keychain secret FIRST: if the keychain is unavailable,
   * nothing at all is written to disk. Returns the new database key so the
   * caller can create the store without a second KDF run.
   */
  async createProfile(input: NewProfile): Promise<CreatedProfile> {
    const displayName = requireName(input.displayName, 'display name');
    const role = requireName(input.role, 'role');
    requireAcceptablePin(input.pin);

    const id = newProfileId();
    const secret = randomBytes(keychainSecretBytes);
    const secretText = secret.toString('base64');
    await this.#keychain.setSecret(id, secretText);

    const databaseKey = randomDatabaseKey();
    try {
      // Read it back: a keychain that silently drops writes must fail now, not at the next unlock.
      if ((await this.#keychain.getSecret(id)) !== secretText) {
        throw new VaultError({ kind: 'keychain-unavailable', detail: 'unreachable' }, keychainMessages.unreachable, {
          cause: new Error('The keychain returned a different secret than the one just stored.'),
        });
      }
      const salt = randomSalt();
      const kek = await deriveKek(input.pin, secret, salt, this.#kdfParams);
      const wrapped = wrapKey(databaseKey, kek, id);
      kek.fill(0);
      const record = withWrap(
        { format: 1, id, displayName, role, createdAt: this.#now(), failures: { ...noFailures }, wipePolicy: { ...this.#wipePolicy } },
        this.#kdfParams,
        salt,
        wrapped,
      );
      await ensurePrivateDir(profilesRoot(this.dataDir));
      await ensurePrivateDir(this.profileDir(id));
      await writeProfileRecord(this.dataDir, record);
      return { id, displayName, databaseKeyHex: databaseKey.toString('hex') };
    } catch (error) {
      // Leave neither an orphaned keychain entry nor a half-made folder.
      await this.#keychain.deleteSecret(id).catch(() => false);
      await rm(this.profileDir(id), { recursive: true, force: true });
      throw error;
    } finally {
      databaseKey.fill(0);
      secret.fill(0);
    }
  }

  /**
   * The profile's database key as 64 hex chars, for `PRAGMA key = "x'…'"`.
   * Rejects with VaultError: wrong-pin, throttled, wiped, not-found,
   * keychain-unavailable or keychain-entry-missing.
   */
  unlockProfile(id: string, pin: string): Promise<string> {
    return this.#exclusive(id, async () => {
      const opened = await this.#open(await this.#requireRecord(id), pin);
      try {
        if (stronger(this.#kdfParams, kdfParamsOf(opened.record))) {
          await writeProfileRecord(this.dataDir, await this.#rewrap(opened.record, pin, opened.secret, opened.databaseKey));
        } else if (opened.countersReset) {
          await writeProfileRecord(this.dataDir, opened.record);
        }
        return opened.databaseKey.toString('hex');
      } finally {
        opened.databaseKey.fill(0);
        opened.secret.fill(0);
      }
    });
  }

  /** Re-wraps the same database key under the new PIN; the store is not re-encrypted. */
  changePin(id: string, oldPin: string, newPin: string): Promise<void> {
    return this.#exclusive(id, async () => {
      requireAcceptablePin(newPin);
      const opened = await this.#open(await this.#requireRecord(id), oldPin);
      try {
        await writeProfileRecord(this.dataDir, await this.#rewrap(opened.record, newPin, opened.secret, opened.databaseKey));
      } finally {
        opened.databaseKey.fill(0);
        opened.secret.fill(0);
      }
    });
  }

  /**
   * Wipes the profile's folder (including its store) and its keychain entry.
   * Both are attempted; if the keychain cannot be reached, the files are
   * still gone and the keychain error is reported afterwards.
   */
  removeProfile(id: string): Promise<void> {
    return this.#exclusive(id, async () => {
      // The folder, not profile.json, decides: a damaged profile, or one whose
      // earlier removal was interrupted, can still be removed.
      if (!isProfileId(id) || !(await isDirectory(this.profileDir(id)))) throw notFound();
      let keychainError: unknown = null;
      try {
        await this.#keychain.deleteSecret(id);
      } catch (error) {
        keychainError = error;
      }
      await rm(this.profileDir(id), { recursive: true, force: true });
      if (keychainError !== null) throw keychainError;
    });
  }

  /** Checks the throttle, the keychain and the PIN; counts a failure if the PIN is wrong. */
  async #open(record: ProfileRecord, pin: string): Promise<Opened> {
    const waitUntil = retryAt(record.failures, this.#now());
    if (waitUntil !== null) {
      throw new VaultError({ kind: 'throttled', retryAt: waitUntil }, `Too many wrong attempts. ${tryAgainIn(waitUntil - this.#now())}`);
    }
    // Keychain problems are not PIN failures: they neither count nor delay.
    const secret = Buffer.from(await this.#keychain.getSecret(record.id), 'base64');
    if (secret.length !== keychainSecretBytes) {
      secret.fill(0);
      throw new VaultError({ kind: 'keychain-entry-missing' }, keychainMessages.entryMissing);
    }
    const kek = await deriveKek(pin, secret, Buffer.from(record.kdf.salt, 'base64'), kdfParamsOf(record));
    const databaseKey = unwrapKey(wrappedKeyOf(record), kek, record.id);
    kek.fill(0);
    if (databaseKey === null) {
      secret.fill(0);
      return this.#recordFailure(record);
    }
    const countersReset = record.failures.consecutive !== 0;
    return { record: countersReset ? withFailures(record, noFailures) : record, countersReset, databaseKey, secret };
  }

  async #recordFailure(record: ProfileRecord): Promise<never> {
    const now = this.#now();
    const failures: FailureCounters = { consecutive: record.failures.consecutive + 1, lastFailureAt: now };
    const limit = record.wipePolicy.afterFailures;
    if (limit !== null && failures.consecutive >= limit) {
      await this.#wipe(record.id);
      throw new VaultError(
        { kind: 'wiped' },
        `That PIN was wrong ${limit} times in a row, so this profile has been erased from this computer, as your organisation's policy requires. Ask IT to set it up again.`,
      );
    }
    await writeProfileRecord(this.dataDir, withFailures(record, failures));
    const attemptsRemaining = limit === null ? null : limit - failures.consecutive;
    const waitUntil = retryAt(failures, now);
    let message = 'That PIN or passphrase is not right.';
    if (waitUntil !== null) message += ` Too many wrong attempts. ${tryAgainIn(waitUntil - now)}`;
    if (attemptsRemaining !== null && attemptsRemaining <= warnWhenRemaining) {
      message += ` Warning: after ${attemptsRemaining} more wrong ${attemptsRemaining === 1 ? 'attempt' : 'attempts'}, this profile will be erased from this computer.`;
    }
    throw new VaultError({ kind: 'wrong-pin', attemptsRemaining, retryAt: waitUntil }, message);
  }

  /** A fresh salt and IV under the registry's current KDF params; counters reset. */
  async #rewrap(record: ProfileRecord, pin: string, secret: Buffer, databaseKey: Buffer): Promise<ProfileRecord> {
    const salt = randomSalt();
    const kek = await deriveKek(pin, secret, salt, this.#kdfParams);
    const wrapped = wrapKey(databaseKey, kek, record.id);
    kek.fill(0);
    return withFailures(withWrap(record, this.#kdfParams, salt, wrapped), noFailures);
  }

  /** Policy wipe: files first (that is the point), then the keychain entry, best effort. */
  async #wipe(id: string): Promise<void> {
    await rm(this.profileDir(id), { recursive: true, force: true });
    await this.#keychain.deleteSecret(id).catch(() => false);
  }

  async #requireRecord(id: string): Promise<ProfileRecord> {
    const record = isProfileId(id) ? await readProfileRecord(this.dataDir, id) : null;
    if (!record) throw notFound();
    return record;
  }

  /** Runs operations on one profile one at a time, in call order. */
  #exclusive<T>(id: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(operation);
    const settled = next.catch(() => undefined);
    this.#queues.set(id, settled);
    void settled.then(() => {
      if (this.#queues.get(id) === settled) this.#queues.delete(id);
    });
    return next;
  }
}

function notFound(): VaultError {
  return new VaultError({ kind: 'not-found' }, 'That profile does not exist on this computer.');
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    if (isMissingFile(error)) return false;
    throw error;
  }
}

function requireName(value: string, what: string): string {
  const trimmed = value.normalize('NFC').trim();
  if (trimmed.length === 0) throw new VaultError({ kind: 'invalid-input' }, `Enter a ${what}.`);
  if ([...trimmed].length > maxNameChars) {
    throw new VaultError({ kind: 'invalid-input' }, `The ${what} is too long: use at most ${maxNameChars} characters.`);
  }
  // Control and bidi-override characters could disguise one person's name as another's in the picker.
  if (/[\p{Cc}\u202A-\u202E\u2066-\u2069]/u.test(trimmed)) {
    throw new VaultError({ kind: 'invalid-input' }, `The ${what} contains characters that cannot be shown safely.`);
  }
  return trimmed;
}

function stronger(a: ScryptParams, b: ScryptParams): boolean {
  return a.N * a.r * a.p > b.N * b.r * b.p;
}

function tryAgainIn(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return `You can try again in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`;
  const minutes = Math.ceil(seconds / 60);
  return `You can try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
}

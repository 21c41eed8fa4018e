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
 *
 * Failed-PIN counting fails CLOSED: each attempt is charged (written to
 * profile.json AND to the profile's keychain state, keychainState.ts) as a
 * failure BEFORE the PIN is checked, and a correct PIN then resets the
 * counters. If either charge cannot be written, the PIN is not checked at
 * all, so a profile folder made read-only cannot buy unlimited guesses, and
 * the stricter of the two counts applies, so restoring an older profile.json
 * resets nothing. Once the wipe-policy limit is reached, no PIN is checked
 * again: every attempt retries the wipe instead.
 *
 * Changing the PIN rotates the keychain secret, so a copy of profile.json
 * from before the change no longer opens with the old PIN (see changePin).
 *
 * Removing (or policy-wiping) a profile first renames its folder to a
 * tombstone, `<dataDir>/profiles/.removing-<id>-<rand>`: one rename takes the
 * whole profile out of the list at once, whatever happens next. Tombstones
 * that could not be deleted are retried by listProfiles.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir, removeStaleTemps, writeFileAtomic } from './atomicFile.js';
import { defaultScryptParams, deriveKek, keychainSecretBytes, randomSalt, type ScryptParams } from './kdf.js';
import type { Keychain } from './keychain.js';
import {
  accountsOfProfile,
  decodeSecret,
  encodeSecret,
  noKeychainState,
  parseKeychainState,
  secretAccount,
  serializeKeychainState,
  stateCovers,
  stricterWipeLimit,
  verifyKeychainState,
  type ClaimedKeychainState,
  stateAccount,
  type KeychainState,
} from './keychainState.js';
import { randomDatabaseKey, unwrapKey, wrapKey } from './keyWrap.js';
import { requireAcceptablePin } from './pinRules.js';
import {
  isMissingFile,
  isProfileId,
  kdfParamsOf,
  keychainVersionOf,
  newProfileId,
  noWipe,
  kdfParamsProblem,
  profileDir,
  profileFilePath,
  profilesRoot,
  readProfileRecord,
  withFailures,
  withWrap,
  wrappedKeyOf,
  writeProfileRecord,
  type ProfileRecord,
  type WipePolicy,
} from './profileFile.js';
import { noFailures, retryAt, stricterFailures, type FailureCounters } from './unlockThrottle.js';
import { isVaultError, VaultError, keychainMessages, type VaultErrorReason } from './vaultError.js';

export type { WipePolicy } from './profileFile.js';

/** What the profile picker may show: nothing beyond the name each person chose. */
export interface ProfileListing {
  id: string;
  displayName: string;
  /** Under a wipe policy, when few are left: wrong PINs until this profile is erased (for a warning before anyone types). */
  attemptsBeforeErase?: number;
}

export interface ProfileDetails extends ProfileListing {
  role: string;
  /** Absent from test doubles and old records: a person. */
  kind?: 'person' | 'display';
  createdAt: number;
  wipePolicy: WipePolicy;
  failures: FailureCounters;
}

export interface NewProfile {
  displayName: string;
  role: string;
  /** Default 'person'. */
  kind?: 'person' | 'display';
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
  /** Wipe policy snapshotted into each NEW profile; when set, it also applies to older ones. Default: never wipe. */
  wipePolicy?: WipePolicy;
  /** Admin policy: shortest PIN (digits) for new PINs; default 6. */
  pinMinLength?: number;
  /** Admin policy: wrong PINs allowed before escalating delays begin; default 5. */
  delayAfterFailures?: number;
  /**
   * TESTS ONLY: replaces the registry's file operations, to simulate a folder
   * that cannot be written or removed in ways the OS does not let a root test
   * runner reproduce (permission bits do not stop root). The app never sets it.
   */
  fileOps?: Partial<VaultFileOps>;
}

/** Every change the registry makes under `<dataDir>/profiles/`. */
export interface VaultFileOps {
  /** Atomically replaces profile.json. */
  writeRecord(dataDir: string, record: ProfileRecord): Promise<void>;
  /** Renames a file or folder (used to tombstone a profile folder). */
  rename(from: string, to: string): Promise<void>;
  /** Deletes a folder and everything in it; a missing folder is not an error. */
  removeTree(path: string): Promise<void>;
}

const realFileOps: VaultFileOps = {
  writeRecord: writeProfileRecord,
  rename: (from, to) => rename(from, to),
  removeTree: (path) => rm(path, { recursive: true, force: true, maxRetries: 2 }),
};

/** A profile whose PIN was right: the caller zeroes both buffers when done. */
interface Opened {
  /** With failure counters reset (not yet written: on disk and in the keychain this attempt is still charged). */
  record: ProfileRecord;
  databaseKey: Buffer;
  secret: Buffer;
}

const tombstonePrefix = '.removing-';
/** How many versions below the current one a sweep of stale secrets deletes. */
const STALE_SECRETS_SWEPT = 8;
/** When the last dormant-profile sweep ran (see eraseDormant); not a profile. */
const sweepClockFile = '.dormancy-sweep.json';
const dayMs = 86_400_000;
/** How often the success path tries to write the reset counters (see #settle), each to file and keychain. */
const resetWriteAttempts = 3;
const resetWriteBackoffMs = 100;

const countersUnwritableMessage =
  "Wardline cannot update this profile's security counters, so it will not check PINs for it. Ask IT to check the profile folder's permissions.";
const countersDiskFullMessage =
  "This computer's disk is full, so Wardline cannot update this profile's security counters and will not check PINs until there is space. Ask IT to free up disk space.";
const countersMissingMessage =
  "This profile's security counters are missing from the system keychain, or were changed outside Wardline, so Wardline will not check PINs for it. Ask IT to set the profile up again.";
const unconfirmedPinMessage =
  "Wardline could not confirm that the new PIN was saved. Try the new PIN first; if it is refused, your old PIN still works. If neither does, ask IT to check the profile folder's permissions.";
const supersededMessage =
  "This profile's settings file is an older copy, from before its PIN was last changed (restored from a backup, or copied back), so Wardline will not open it. Ask IT to put back the current file, or to set the profile up again.";

/** When this few attempts remain before a wipe, every wrong-PIN message warns. */
const warnWhenRemaining = 3;
const maxNameChars = 64;

export class ProfileRegistry {
  readonly dataDir: string;
  readonly #keychain: Keychain;
  readonly #now: () => number;
  readonly #kdfParams: ScryptParams;
  readonly #wipePolicy: WipePolicy;
  readonly #pinMinLength: number | undefined;
  readonly #delayAfterFailures: number | undefined;
  readonly #files: VaultFileOps;
  /** Stale temp files of interrupted writes are swept by the first listing only. */
  #tempsSwept = false;
  #damaged = 0;
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(options: ProfileRegistryOptions) {
    this.dataDir = options.dataDir;
    this.#keychain = options.keychain;
    this.#now = options.now ?? Date.now;
    this.#kdfParams = { ...(options.kdfParams ?? defaultScryptParams) };
    // Never wrap a profile with params profile.json would then refuse to read back.
    const problem = kdfParamsProblem(this.#kdfParams);
    if (problem !== null) throw new RangeError(`Unacceptable scrypt params: ${problem}.`);
    this.#wipePolicy = { ...(options.wipePolicy ?? noWipe) };
    this.#pinMinLength = options.pinMinLength;
    this.#delayAfterFailures = options.delayAfterFailures;
    this.#files = { ...realFileOps, ...options.fileOps };
  }

  /** The folder holding this profile's files (profile.json, the store). */
  profileDir(id: string): string {
    return profileDir(this.dataDir, id);
  }

  /** Profiles the last listing could not read (a damaged profile.json): not offered, but not to be hidden either. */
  get damaged(): number {
    return this.#damaged;
  }

  async listProfiles(): Promise<ProfileListing[]> {
    let names: string[];
    try {
      names = await readdir(profilesRoot(this.dataDir));
    } catch (error) {
      if (isMissingFile(error)) return [];
      throw error;
    }
    // Leftovers of removals whose final delete failed (a file was busy): retry, best effort.
    for (const name of names.filter((n) => n.startsWith(tombstonePrefix))) {
      await this.#files.removeTree(join(profilesRoot(this.dataDir), name)).catch(() => undefined);
    }
    // Temps are left only by a crash, so one sweep per start is enough; the list is read again often.
    const sweepTemps = !this.#tempsSwept;
    this.#tempsSwept = true;
    if (sweepTemps) await removeStaleTemps(profilesRoot(this.dataDir));
    const listings: ProfileListing[] = [];
    let damaged = 0;
    for (const name of names.filter(isProfileId)) {
      if (sweepTemps) await removeStaleTemps(this.profileDir(name));
      try {
        const record = await readProfileRecord(this.dataDir, name);
        // No profile.json: a removal in progress. Damaged: it cannot be opened, so not offered.
        if (!record) continue;
        const limit = this.#wipeLimit(record);
        // Only once someone has got it wrong: a profile nobody has guessed at shows nothing extra.
        const remaining = limit === null || record.failures.consecutive === 0 ? null : Math.max(1, limit - record.failures.consecutive);
        listings.push({
          id: record.id,
          displayName: record.displayName,
          ...(remaining !== null && remaining <= warnWhenRemaining ? { attemptsBeforeErase: remaining } : {}),
        });
      } catch (error) {
        if (!(error instanceof VaultError)) throw error;
        damaged += 1;
      }
    }
    this.#damaged = damaged;
    return listings.sort((a, b) => a.displayName.localeCompare(b.displayName) || a.id.localeCompare(b.id));
  }

  /**
   * Records that the profile was in use just now (unlocked, locked, or still open an hour later),
   * so a profile kept unlocked for weeks (a control-room display exempt from the idle lock) is not
   * taken for dormant. False if it could not be recorded.
   */
  markUsed(id: string): Promise<boolean> {
    return this.#exclusive(id, async () => {
      const record = await readProfileRecord(this.dataDir, id).catch(() => null);
      if (record === null) return false;
      return this.#files.writeRecord(this.dataDir, { ...record, lastUsedAt: this.#now() }).then(
        () => true,
        () => false,
      );
    });
  }

  /**
   * Erases every profile not unlocked or locked for more than `days` (admin policy
   * `eraseDormantProfilesAfterDays`): a leaver's profile, never opened again, would otherwise keep
   * its encrypted messages past retention forever, because retention runs only while a profile is
   * open. Never erases a profile in `spare` (open, or just locked), a damaged one (it cannot be
   * dated), or one with no recorded use yet (written before this existed): that one's clock starts
   * now. The sweep is deferred (erases nothing, only notes the time) when it is the first one, or
   * when the clock moved back, or forward by more than a day, since the last: a workstation off
   * for months, or a clock wrong at boot until time sync corrects it, must not erase everyone.
   * Returns how many were erased and how many could not be.
   */
  async eraseDormant(days: number, spare: ReadonlySet<string> = new Set()): Promise<{ erased: number; failed: number; deferred: boolean }> {
    let erased = 0;
    let failed = 0;
    if (!(await this.#sweepClockAllows())) return { erased, failed, deferred: true };
    for (const { id } of await this.listProfiles()) {
      if (spare.has(id)) continue;
      const outcome = await this.#exclusive(id, () => this.#removeIfDormant(id, days));
      if (outcome === 'erased') erased += 1;
      if (outcome === 'failed') failed += 1;
    }
    return { erased, failed, deferred: false };
  }

  /**
   * Reads and replaces the time of the last sweep; true if the clock moved forward by at most a day
   * since. Anything else (no earlier sweep, a clock that went back, a gap longer than a day: a PC
   * switched off, or a clock wrong at boot until time sync corrects it) defers erasing to the next
   * sweep, which a lock runs.
   */
  async #sweepClockAllows(): Promise<boolean> {
    const path = join(profilesRoot(this.dataDir), sweepClockFile);
    let previous = Number.NaN;
    try {
      previous = Number((JSON.parse(await readFile(path, 'utf8')) as { lastSweepAt?: unknown } | null)?.lastSweepAt);
    } catch {
      // Missing or damaged: treated as no earlier sweep, and rewritten below.
    }
    const now = this.#now();
    // No profiles folder yet: nothing to erase, and nothing to record.
    await writeFileAtomic(path, `${JSON.stringify({ lastSweepAt: now })}\n`).catch(() => undefined);
    return Number.isFinite(previous) && now >= previous && now - previous <= dayMs;
  }

  async #removeIfDormant(id: string, days: number): Promise<'erased' | 'kept' | 'failed'> {
    const record = await readProfileRecord(this.dataDir, id).catch(() => null);
    if (record === null) return 'kept';
    const now = this.#now();
    // A last use in the future (a clock that was wrong, an edited file) must not make it permanent.
    if (record.lastUsedAt === undefined || record.lastUsedAt > now) {
      await this.#files.writeRecord(this.dataDir, { ...record, lastUsedAt: now }).catch(() => undefined);
      return 'kept';
    }
    if (record.lastUsedAt >= now - days * dayMs) return 'kept';
    // A keychain entry left behind after the folder went does not count against it (useless alone).
    await this.#remove(id).catch(() => undefined);
    return (await isDirectory(this.profileDir(id))) ? 'failed' : 'erased';
  }

  /** Consecutive wrong PINs so far and when the last was; read before an unlock for the audit trail. */
  async failureCounters(id: string): Promise<{ consecutive: number; lastFailureAt: number | null }> {
    const { failures } = await this.#requireRecord(id);
    return { consecutive: failures.consecutive, lastFailureAt: failures.lastFailureAt };
  }

  async profileDetails(id: string): Promise<ProfileDetails> {
    const record = await this.#requireRecord(id);
    return {
      id: record.id,
      displayName: record.displayName,
      role: record.role,
      kind: record.kind ?? 'person',
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
    requireAcceptablePin(input.pin, this.#pinMinLength);

    const id = newProfileId();
    const secret = randomBytes(keychainSecretBytes);
    const databaseKey = randomDatabaseKey();
    try {
      await this.#storeSecret(secretAccount(id, 0), secret);
      await this.#writeState(id, { ...noKeychainState, wipeAfter: this.#wipePolicy.afterFailures }, new Map([[0, secret]]));
      const salt = randomSalt();
      const kek = await deriveKek(input.pin, secret, salt, this.#kdfParams);
      let wrapped: ReturnType<typeof wrapKey>;
      try {
        wrapped = wrapKey(databaseKey, kek, id);
      } finally {
        kek.fill(0);
      }
      const record = withWrap(
        { format: 1, id, displayName, role, ...(input.kind === 'display' ? { kind: 'display' as const } : {}), createdAt: this.#now(), lastUsedAt: this.#now(), failures: { ...noFailures }, wipePolicy: { ...this.#wipePolicy } },
        this.#kdfParams,
        salt,
        wrapped,
      );
      await ensurePrivateDir(profilesRoot(this.dataDir));
      await ensurePrivateDir(this.profileDir(id));
      await this.#files.writeRecord(this.dataDir, record);
      return { id, displayName, databaseKeyHex: databaseKey.toString('hex') };
    } catch (error) {
      // Leave neither orphaned keychain entries nor a half-made folder.
      await this.#keychain.deleteSecret(secretAccount(id, 0)).catch(() => false);
      await this.#keychain.deleteSecret(stateAccount(id)).catch(() => false);
      await this.#files.removeTree(this.profileDir(id)).catch(() => undefined);
      throw error;
    } finally {
      databaseKey.fill(0);
      secret.fill(0);
    }
  }

  /**
   * The profile's database key as 64 hex chars, for `PRAGMA key = "x'…'"`.
   * Rejects with VaultError: wrong-pin, throttled, wiped, not-found,
   * profile-unwritable, damaged-profile, keychain-unavailable or
   * keychain-entry-missing.
   */
  unlockProfile(id: string, pin: string): Promise<string> {
    return this.#exclusive(id, async () => {
      const opened = await this.#open(await this.#requireRecord(id), pin);
      try {
        const settled = stronger(this.#kdfParams, kdfParamsOf(opened.record))
          ? await this.#rewrap(opened.record, pin, opened.secret, opened.databaseKey)
          : opened.record;
        await this.#settle({ ...settled, lastUsedAt: this.#now() }, opened.secret);
        // A secret left by a PIN change whose delete failed (see changePin). Best effort.
        await this.#deleteStaleSecrets(id, keychainVersionOf(settled)).catch(() => undefined);
        return opened.databaseKey.toString('hex');
      } finally {
        opened.databaseKey.fill(0);
        opened.secret.fill(0);
      }
    });
  }

  /**
   * Re-wraps the same database key under the new PIN AND a new keychain secret; the store is not
   * re-encrypted. A new secret, because re-wrapping under the old one would leave every earlier
   * copy of profile.json (a backup, an Explorer copy) opening with the old PIN.
   *
   * Order, for a crash at any point: (1) the new secret goes into a new keychain entry, version
   * n+1 (a crash leaves an unused entry the next change overwrites). (2) The keychain state is
   * written for both versions, so whichever file is on disk after a crash opens. (3) profile.json
   * is replaced atomically, naming n+1: from here only the new PIN opens the current file. (4) The
   * state is written for n+1 only, and (5) the old secret is deleted: an older copy is refused, and
   * has nothing to unwrap with. If (4) and (5) both fail, an old copy still opens with the old PIN
   * until the current file's next attempt, which redoes both.
   */
  changePin(id: string, oldPin: string, newPin: string): Promise<void> {
    return this.#exclusive(id, async () => {
      requireAcceptablePin(newPin, this.#pinMinLength);
      const opened = await this.#open(await this.#requireRecord(id), oldPin);
      const current = keychainVersionOf(opened.record);
      const version = current + 1;
      const secret = randomBytes(keychainSecretBytes);
      const oldPinStillWorks = async (error: unknown): Promise<never> => {
        await this.#keychain.deleteSecret(secretAccount(id, version)).catch(() => false);
        if (error instanceof VaultError) throw error;
        // The old PIN still works. This attempt stays charged: it cannot be told apart from a guess.
        throw new VaultError(
          { kind: 'profile-unwritable' },
          "Wardline could not save the new PIN, so your old PIN still works. Ask IT to check the profile folder's permissions.",
          { cause: error },
        );
      };
      try {
        // Fails with the keychain's own message; nothing changed, the old PIN still works.
        await this.#storeSecret(secretAccount(id, version), secret);
        const reset = stateOf({ ...opened.record, keychainVersion: version });
        await this.#writeState(id, reset, new Map([[current, opened.secret], [version, secret]])).catch(oldPinStillWorks);
        const rewrapped = { ...(await this.#rewrap(opened.record, newPin, secret, opened.databaseKey)), keychainVersion: version };
        try {
          await this.#files.writeRecord(this.dataDir, rewrapped);
        } catch (error) {
          // The file may have been replaced before the error (a failed folder sync after the
          // rename): only a file read back at the old version lets the new secret go. Unknown,
          // both stay (the state covers both versions), and the person is told to try both PINs.
          const onDisk = await readProfileRecord(this.dataDir, id).catch(() => undefined);
          if (onDisk === undefined) {
            throw new VaultError({ kind: 'profile-unwritable' }, unconfirmedPinMessage, { cause: error });
          }
          if (onDisk === null || keychainVersionOf(onDisk) !== version) await oldPinStillWorks(error);
        }
        await this.#settleState(id, reset, new Map([[version, secret]]));
        await this.#deleteStaleSecrets(id, version).catch(() => undefined);
      } finally {
        opened.databaseKey.fill(0);
        opened.secret.fill(0);
        secret.fill(0);
      }
    });
  }

  /**
   * Removes the profile's folder (including its store) and its keychain entry.
   *
   * The folder is first renamed to a tombstone: if that fails (a file is in
   * use, the folder is protected), nothing has changed and the profile is
   * still there and still works. Once renamed, the profile is gone from the
   * list whatever happens next: the keychain entry is deleted, then the
   * tombstone; a tombstone that cannot be deleted yet is retried by
   * listProfiles. If the keychain entry cannot be deleted, the files are
   * still removed and the rejection says exactly that.
   */
  removeProfile(id: string): Promise<void> {
    return this.#exclusive(id, () => this.#remove(id));
  }

  /** removeProfile's work; the caller holds the profile's #exclusive turn. */
  async #remove(id: string): Promise<void> {
    // The folder, not profile.json, decides: a damaged profile, or one whose
    // earlier removal was interrupted, can still be removed.
    if (!isProfileId(id) || !(await isDirectory(this.profileDir(id)))) throw notFound();
    const tombstone = this.#tombstonePath(id);
    try {
      await this.#files.rename(this.profileDir(id), tombstone);
    } catch (error) {
      if (isMissingFile(error)) throw notFound();
      throw new VaultError(
        { kind: 'profile-unwritable' },
        "Wardline could not remove this profile because its folder is in use or protected; nothing was removed. Close anything using it and try again, or ask IT to check the profile folder's permissions.",
        { cause: error },
      );
    }
    let keychainError: unknown = null;
    try {
      await this.#deleteKeychainEntries(id);
    } catch (error) {
      keychainError = error;
    }
    await this.#files.removeTree(tombstone).catch(() => undefined);
    if (keychainError !== null) {
      const reason: VaultErrorReason =
        keychainError instanceof VaultError ? keychainError.reason : { kind: 'keychain-unavailable', detail: 'unreachable' };
      const detail = keychainError instanceof VaultError ? ` ${keychainError.message}` : '';
      throw new VaultError(
        reason,
        `The profile was removed from this computer, but Wardline could not delete its entry from the system keychain. The entry is useless without the removed files.${detail}`,
        { cause: keychainError },
      );
    }
  }

  /**
   * Checks the wipe limit, the throttle and the keychain, CHARGES the attempt
   * as a failure on disk, and only then checks the PIN. A wrong PIN leaves
   * the charge in place; a right one returns a record with counters reset.
   */
  async #open(record: ProfileRecord, pin: string): Promise<Opened> {
    // Keychain problems are not PIN failures: they neither count nor delay (nothing is charged yet).
    // Read as claimed, and used before it is checked only where a forged one could do no more
    // than refuse (a higher version, more failures); lower counters count only once verified.
    const claimed = await this.#readState(record.id);
    const state = claimed ?? noKeychainState;
    const version = keychainVersionOf(record);
    if (claimed !== null && !stateCovers(claimed, version)) {
      // Not a guess, so not charged: a restored copy is refused whatever PIN is typed. Nothing is
      // deleted on a claim not yet verified (its secret went when the PIN changed).
      throw new VaultError({ kind: 'superseded-profile' }, supersededMessage);
    }
    // The stricter of file and keychain (a forged state can only make it stricter; see above).
    record = {
      ...withFailures(record, stricterFailures(record.failures, state.failures)),
      wipePolicy: { afterFailures: stricterWipeLimit(record.wipePolicy.afterFailures, state.wipeAfter) },
    };
    const limit = this.#wipeLimit(record);
    // At the limit, either a wipe was decided and did not finish (it deletes the keychain entry
    // whatever else fails: try the wipe again, never a PIN), or the attempt that reached it was
    // never settled: the app stopped during the check, or a right PIN's reset could not be
    // written. That attempt proved nothing either way, so this one is charged and checked as
    // usual, and a wrong PIN wipes. No guess goes unchecked-and-free, and a right PIN never wipes.
    const atLimit = limit !== null && record.failures.consecutive >= limit;
    const stored = await this.#keychain.getSecret(secretAccount(record.id, version)).catch((error: unknown) => {
      if (atLimit && isVaultError(error, 'keychain-entry-missing')) return null;
      throw error;
    });
    if (stored === null) throw await this.#wipe(record, limit as number);
    const { secret, tracked } = decodeSecret(stored);
    // A marked secret without a state Wardline wrote: deleted, replaced or lost (keychainState.ts).
    // The counters are unknown, so no PIN is checked.
    if (tracked && !(claimed !== null && verifyKeychainState(claimed, version, secret))) {
      secret.fill(0);
      throw new VaultError({ kind: 'keychain-entry-missing' }, countersMissingMessage);
    }
    const thisVersion = new Map([[version, secret]]);
    const now = this.#now();
    if (record.failures.lastFailureAt !== null && record.failures.lastFailureAt > now) {
      // Failures dated in the future: the clock was ahead then (a dual-boot PC's clock an hour
      // out, corrected by time sync). Counted from now instead, once, or the delay would last
      // until the clock caught up. Best effort: unwritten, the next attempt does the same.
      record = withFailures(record, { ...record.failures, lastFailureAt: now });
      await this.#files.writeRecord(this.dataDir, record).catch(() => undefined);
      await this.#writeState(record.id, stateOf(record), thisVersion).catch(() => undefined);
    }
    // From the counters as they were BEFORE this attempt: the first five attempts stay free.
    const waitUntil = retryAt(record.failures, now, this.#delayAfterFailures);
    if (waitUntil !== null) {
      secret.fill(0);
      const warning = eraseWarning(limit === null ? null : limit - record.failures.consecutive);
      throw new VaultError({ kind: 'throttled', retryAt: waitUntil }, `Too many wrong attempts. ${tryAgainIn(waitUntil - now)}${warning}`);
    }
    if (secret.length !== keychainSecretBytes) {
      secret.fill(0);
      throw new VaultError({ kind: 'keychain-entry-missing' }, keychainMessages.entryMissing);
    }
    const charged = withFailures(record, { consecutive: record.failures.consecutive + 1, lastFailureAt: now });
    try {
      await this.#files.writeRecord(this.dataDir, charged);
    } catch (error) {
      // Fail closed: a guess whose failure could not be counted is never checked.
      secret.fill(0);
      throw new VaultError({ kind: 'profile-unwritable' }, isDiskFull(error) ? countersDiskFullMessage : countersUnwritableMessage, { cause: error });
    }
    try {
      // Under this file's version only: that also finishes a PIN change that stopped after its switch.
      await this.#writeState(record.id, stateOf(charged), thisVersion);
    } catch (error) {
      // Fail closed here too: uncounted in the keychain, a restored profile.json would forget it.
      secret.fill(0);
      throw error;
    }
    // A profile from before: its secret is marked now its state is kept, so from here on a missing
    // or altered state is refused (keychainState.ts). Fail closed, like the charge: until it is
    // marked, deleting the state and restoring an older file would reset the counters.
    if (!tracked) {
      try {
        await this.#storeSecret(secretAccount(record.id, version), secret);
      } catch (error) {
        secret.fill(0);
        throw error;
      }
    }
    let databaseKey: Buffer | null;
    let kek: Buffer | null = null;
    try {
      kek = await deriveKek(pin, secret, Buffer.from(record.kdf.salt, 'base64'), kdfParamsOf(record));
      databaseKey = unwrapKey(wrappedKeyOf(record), kek, record.id);
    } catch (error) {
      secret.fill(0);
      throw error;
    } finally {
      kek?.fill(0);
    }
    if (databaseKey === null) {
      secret.fill(0);
      return this.#failed(charged, now);
    }
    return { record: withFailures(record, noFailures), databaseKey, secret };
  }

  /** The admin policy in force now wins over the one recorded when the profile was made. */
  #wipeLimit(record: ProfileRecord): number | null {
    return this.#wipePolicy.afterFailures ?? record.wipePolicy.afterFailures;
  }

  /** A wrong PIN, already counted on disk in `charged`: wipe at the limit, else explain. */
  async #failed(charged: ProfileRecord, now: number): Promise<never> {
    const failures = charged.failures;
    const limit = this.#wipeLimit(charged);
    if (limit !== null && failures.consecutive >= limit) throw await this.#wipe(charged, limit);
    const attemptsRemaining = limit === null ? null : limit - failures.consecutive;
    const waitUntil = retryAt(failures, now, this.#delayAfterFailures);
    let message = 'That PIN or passphrase is not right.';
    if (waitUntil !== null) message += ` Too many wrong attempts. ${tryAgainIn(waitUntil - now)}`;
    message += eraseWarning(attemptsRemaining);
    throw new VaultError({ kind: 'wrong-pin', attemptsRemaining, retryAt: waitUntil }, message);
  }

  /**
   * Writes the record after a correct PIN (counters reset, maybe re-wrapped).
   *
   * Decision: if this write keeps failing, the unlock still SUCCEEDS. The
   * person proved the PIN and the key is already unwrapped, so refusing would
   * protect nothing. What stays on disk is this attempt's charge, which only
   * errs stricter (more delay, never fewer counted failures), and the next
   * attempt must write its own charge before any PIN check, so a folder that
   * stays unwritable refuses from then on. The write is retried a few times
   * because, with a wipe policy, a charge left at the limit would erase the
   * profile on its next open; a folder that was writable for the charge a
   * moment ago is most likely only briefly busy (a virus scanner, on Windows).
   * Nothing is logged: there is nothing the caller can act on, and a log line
   * about one profile's counters is itself sensitive.
   */
  /** `secret`: the secret of the record's version. */
  async #settle(record: ProfileRecord, secret: Buffer): Promise<void> {
    await withRetries(() => this.#files.writeRecord(this.dataDir, record));
    const version = keychainVersionOf(record);
    await this.#settleState(record.id, stateOf(record), new Map([[version, secret]]));
  }

  /** The keychain half of #settle, with the same decision: a state that cannot be written only errs stricter. */
  async #settleState(id: string, state: KeychainState, secrets: ReadonlyMap<number, Buffer>): Promise<void> {
    await withRetries(() => this.#writeState(id, state, secrets));
  }

  /** Stores a new secret and reads it back: a keychain that silently drops writes must fail now, not at the next unlock. */
  async #storeSecret(account: string, secret: Buffer): Promise<void> {
    const text = encodeSecret(secret);
    await this.#keychain.setSecret(account, text);
    if ((await this.#keychain.getSecret(account)) !== text) {
      throw new VaultError({ kind: 'keychain-unavailable', detail: 'unreachable' }, keychainMessages.unreachable, {
        cause: new Error('The keychain returned a different secret than the one just stored.'),
      });
    }
  }

  /** The profile's keychain state as stored, not yet verified; null if missing or damaged (see #open). */
  async #readState(id: string): Promise<ClaimedKeychainState | null> {
    const text = await this.#keychain.getSecret(stateAccount(id)).catch((error: unknown) => {
      if (isVaultError(error, 'keychain-entry-missing')) return null;
      throw error;
    });
    return text === null ? null : parseKeychainState(text);
  }

  /** `secrets`: version → secret of each profile file version the state is for (see keychainState.ts). */
  #writeState(id: string, state: KeychainState, secrets: ReadonlyMap<number, Buffer>): Promise<void> {
    return this.#keychain.setSecret(stateAccount(id), serializeKeychainState(state, secrets));
  }

  /**
   * Deletes this profile's secrets just below `version`: the ones earlier copies of profile.json
   * were wrapped under (normally only the one before; a few more if deletes failed). By name, not
   * by listing the keychain, which would read every profile's secrets into memory.
   */
  async #deleteStaleSecrets(id: string, version: number): Promise<void> {
    for (let stale = Math.max(0, version - STALE_SECRETS_SWEPT); stale < version; stale += 1) await this.#keychain.deleteSecret(secretAccount(id, stale));
  }

  /** Deletes every keychain entry of this profile: its secrets, current and stale, and its state. */
  async #deleteKeychainEntries(id: string): Promise<void> {
    for (const account of accountsOfProfile(await this.#keychain.listAccounts(), id)) await this.#keychain.deleteSecret(account);
  }

  /** A fresh salt and IV under the registry's current KDF params; counters reset. */
  async #rewrap(record: ProfileRecord, pin: string, secret: Buffer, databaseKey: Buffer): Promise<ProfileRecord> {
    const salt = randomSalt();
    const kek = await deriveKek(pin, secret, salt, this.#kdfParams);
    try {
      return withFailures(withWrap(record, this.#kdfParams, salt, wrapKey(databaseKey, kek, record.id)), noFailures);
    } finally {
      kek.fill(0);
    }
  }

  /**
   * Policy wipe, called only once the failure that reached the limit is on
   * disk. Files first (tombstone, then delete; if the rename fails, delete in
   * place), then the keychain entry, which on its own already makes the
   * wrapped key useless. Each step is attempted whatever the others do.
   * Returns the error to reject with: 'wiped' either way, saying whether the
   * files are really gone. If not, the counters stay at the limit, so every
   * later attempt is refused and retries this.
   */
  async #wipe(record: ProfileRecord, limit: number): Promise<VaultError> {
    const id = record.id;
    const tombstone = this.#tombstonePath(id);
    try {
      await this.#files.rename(this.profileDir(id), tombstone);
      await this.#files.removeTree(tombstone).catch(() => undefined);
    } catch {
      await this.#files.removeTree(this.profileDir(id)).catch(() => undefined);
    }
    // The current secret first and on its own: that alone makes the wrapped key useless.
    await this.#keychain.deleteSecret(secretAccount(id, keychainVersionOf(record))).catch(() => false);
    await this.#deleteKeychainEntries(id).catch(() => undefined);
    if (!(await exists(profileFilePath(this.dataDir, id)))) {
      return new VaultError(
        { kind: 'wiped' },
        `That PIN was wrong ${limit} times in a row, so this profile has been erased from this computer, as your organisation's policy requires. Ask IT to set it up again.`,
      );
    }
    return new VaultError(
      { kind: 'wiped' },
      `That PIN was wrong ${limit} times in a row, so this profile is locked for good and must be erased, as your organisation's policy requires. Wardline could not finish erasing its files yet and will try again; no PIN will be accepted for it. Ask IT to set it up again.`,
    );
  }

  #tombstonePath(id: string): string {
    return join(profilesRoot(this.dataDir), `${tombstonePrefix}${id}-${randomBytes(6).toString('hex')}`);
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

/** Runs `write` up to resetWriteAttempts times, backing off; gives up silently (see #settle). */
/** What the keychain keeps for a profile file (keychainState.ts): its version, counters and wipe limit. */
function stateOf(record: ProfileRecord): KeychainState {
  return { version: keychainVersionOf(record), failures: record.failures, wipeAfter: record.wipePolicy.afterFailures };
}

/** Tries a write a few times; gives up quietly (callers only ever err stricter by not writing). */
async function withRetries(write: () => Promise<void>): Promise<void> {
  for (let attempt = 1; attempt <= resetWriteAttempts; attempt += 1) {
    try {
      await write();
      return;
    } catch {
      if (attempt < resetWriteAttempts) await new Promise((resolve) => setTimeout(resolve, resetWriteBackoffMs * attempt));
    }
  }
}

/** No space left (or over quota): not a permissions problem, and IT should be told so. */
function isDiskFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

function notFound(): VaultError {
  return new VaultError({ kind: 'not-found' }, 'That profile does not exist on this computer.');
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isMissingFile(error)) return false;
    throw error;
  }
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
  // Control and bidi-override characters could disguise one person's name as another's in the picker;
  // noncharacters and lone surrogates are not XML, and the name goes with every message.
  if (/[\p{Cc}\p{Cs}\p{Noncharacter_Code_Point}\u202A-\u202E\u2066-\u2069]/u.test(trimmed)) {
    throw new VaultError({ kind: 'invalid-input' }, `The ${what} contains characters that cannot be shown safely.`);
  }
  return trimmed;
}

function stronger(a: ScryptParams, b: ScryptParams): boolean {
  return a.N * a.r * a.p > b.N * b.r * b.p;
}

/** ' Warning: …' once a policy wipe is near (null: no wipe policy), else ''. */
function eraseWarning(attemptsRemaining: number | null): string {
  if (attemptsRemaining === null || attemptsRemaining > warnWhenRemaining) return '';
  const remaining = Math.max(1, attemptsRemaining);
  return ` Warning: after ${remaining} more wrong ${remaining === 1 ? 'attempt' : 'attempts'}, this profile will be erased from this computer.`;
}

function tryAgainIn(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return `You can try again in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`;
  const minutes = Math.ceil(seconds / 60);
  return `You can try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
}

/**
 * What a profile keeps in the OS keychain, and under which account names.
 *
 * - Its keychain secret, one entry per PIN: `<id>` is version 0 (every profile made before PINs
 *   rotated it, and every new one), `<id>.v<n>` the secret after the n-th PIN change. Change PIN
 *   writes a NEW secret and deletes the old one, so a copy of profile.json taken before the change
 *   (an Explorer copy, a restored backup) wraps the key under a secret that no longer exists: the
 *   old PIN opens nothing.
 * - `<id>.state`: the secret version profile.json must name, and the failed-unlock counters,
 *   authenticated with the secret of that version (anyone on the login can write a credential
 *   without reading one; a state Wardline did not write is refused like a missing one).
 *   profile.json keeps its own counters too, and the stricter of the two applies. Why the keychain:
 *   it is not in the profile folder, so it is not rolled back with it. A restored profile.json can
 *   neither reset the delays nor the wipe count, and one naming an older version is refused even if
 *   its old secret could not be deleted yet. Missing beside a secret marked as tracked (below): refused.
 *   Missing for a profile from before (unmarked secret): version 0, no failures; written, and the
 *   secret marked, at its next unlock.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * A secret stored with this prefix says the profile's state is kept in the keychain too, so a
 * missing state is refused (a walk-up user can delete a credential in Credential Manager without
 * reading it, then put back an older profile file to reset the counters). The mark lives in the
 * secret's own entry: removing it means replacing the secret, which nobody can do without
 * knowing it. Unmarked: a profile from before, marked at its next unlock.
 */
const TRACKED = 'tracked:';

export function encodeSecret(secret: Buffer): string {
  return `${TRACKED}${secret.toString('base64')}`;
}

export function decodeSecret(text: string): { secret: Buffer; tracked: boolean } {
  const tracked = text.startsWith(TRACKED);
  return { secret: Buffer.from(tracked ? text.slice(TRACKED.length) : text, 'base64'), tracked };
}
import { noFailures, type FailureCounters } from './unlockThrottle.js';

export interface KeychainState {
  /** The secret version profile.json must name; a lower one is a superseded copy. */
  version: number;
  failures: FailureCounters;
  /**
   * The wipe limit snapshotted into the profile when it was made (profile.json's wipePolicy): kept
   * here too, so editing the file cannot lift it; the stricter of the two applies.
   */
  wipeAfter: number | null;
}

export const noKeychainState: KeychainState = { version: 0, failures: noFailures, wipeAfter: null };

/** The stricter of two wipe limits: the lower one; null (never wipe) only when both are. */
export function stricterWipeLimit(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

const KeychainStateSchema = z.object({
  version: z.number().int().min(0),
  failures: z.object({
    consecutive: z.number().int().min(0),
    lastFailureAt: z.number().int().nullable(),
  }),
  wipeAfter: z.number().int().positive().nullable(),
  /** Secret version → HMAC of this state under that version's secret (see stateMac). */
  macs: z.record(z.string().regex(/^(0|[1-9][0-9]{0,8})$/), z.string()),
});

/** A state as read, not yet checked against a secret. */
export type ClaimedKeychainState = z.infer<typeof KeychainStateSchema>;

/**
 * Keyed with a secret Wardline wrote: anyone on the login can write a credential without reading
 * one, so an unauthenticated state could be replaced by one with no failures. A state is accepted
 * for a profile file only under the secret of that file's own version (`forVersion`), the one its
 * key is wrapped under: a secret someone planted under another account opens nothing.
 */
function stateMac(state: KeychainState, forVersion: number, secret: Buffer): string {
  const canonical = JSON.stringify([state.version, state.failures.consecutive, state.failures.lastFailureAt, state.wipeAfter, forVersion]);
  return createHmac('sha256', secret).update('wardline keychain state\0').update(canonical).digest('base64');
}

/** Whether Wardline wrote `claimed` for a profile file at `fileVersion`, whose secret is `secret`. */
export function verifyKeychainState(claimed: ClaimedKeychainState, fileVersion: number, secret: Buffer): boolean {
  const mac = claimed.macs[String(fileVersion)];
  if (mac === undefined) return false;
  const expected = Buffer.from(stateMac(claimed, fileVersion, secret), 'base64');
  const actual = Buffer.from(mac, 'base64');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Whether `claimed` covers a profile file at `fileVersion` at all (else the file is an older copy). */
export function stateCovers(claimed: ClaimedKeychainState, fileVersion: number): boolean {
  return fileVersion >= claimed.version || Object.hasOwn(claimed.macs, String(fileVersion));
}

/** The account of the profile's secret at `version`; version 0 keeps the original, unversioned name. */
export function secretAccount(profileId: string, version: number): string {
  return version === 0 ? profileId : `${profileId}.v${version}`;
}

export function stateAccount(profileId: string): string {
  return `${profileId}.state`;
}

/** Every account among `accounts` that belongs to this profile (its secrets, of any version, and its state). */
export function accountsOfProfile(accounts: readonly string[], profileId: string): string[] {
  return accounts.filter((account) => account === profileId || account.startsWith(`${profileId}.`));
}

/** The stored state's shape, or null when damaged; verifyKeychainState says whether it is ours. */
export function parseKeychainState(text: string): ClaimedKeychainState | null {
  try {
    const result = KeychainStateSchema.safeParse(JSON.parse(text));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

/**
 * `secrets`: version → secret, each a version a profile file may name while this state stands:
 * the current one, and during a PIN change the one before it too (see ProfileRegistry.changePin).
 */
export function serializeKeychainState(state: KeychainState, secrets: ReadonlyMap<number, Buffer>): string {
  const failures = { consecutive: state.failures.consecutive, lastFailureAt: state.failures.lastFailureAt };
  const macs = Object.fromEntries([...secrets].map(([version, secret]) => [String(version), stateMac(state, version, secret)]));
  return JSON.stringify({ version: state.version, failures, wipeAfter: state.wipeAfter, macs });
}

/**
 * Identifier policy for stanza, origin, archive and query ids. Ids from the network are
 * bounded and visible-only, so a hostile peer can't bloat the store or smuggle controls
 * into logs; ids we send obey the same rule so peers accept them.
 */

/** Longest id accepted or sent. */
export const MAX_ID_LENGTH = 256;
const ID_FORBIDDEN = /[\p{Cc}\p{Cf}\s]/u;

export function isSafeId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH && !ID_FORBIDDEN.test(value);
}

/** For builders: a bad id is a programming error, so it throws. */
export function requireId(value: string, what: string): string {
  if (!isSafeId(value)) throw new RangeError(`${what} must be 1–${MAX_ID_LENGTH} visible characters`);
  return value;
}

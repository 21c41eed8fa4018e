/**
 * Escalating delays after consecutive wrong PINs. The first four failures
 * cost nothing beyond the KDF; from the fifth on, the next attempt waits
 * 30 s, then 60 s, 120 s, … capped at 15 minutes. A correct PIN resets it.
 *
 * The counters live in profile.json AND in the keychain (keychainState.ts),
 * so they survive a restart, and restoring an older profile.json does not
 * reset them: the stricter of the two applies. They guard the unlock screen
 * against walk-up guessing; someone who can run code as the same OS user can
 * reset both, but still pays the scrypt cost per guess.
 */
export const failuresBeforeDelay = 5;
const firstDelayMs = 30_000;
const maxDelayMs = 15 * 60_000;

export interface FailureCounters {
  consecutive: number;
  /** Epoch ms of the most recent failure, or null. */
  lastFailureAt: number | null;
}

export const noFailures: FailureCounters = { consecutive: 0, lastFailureAt: null };

/** How long to wait after this many consecutive failures. */
export function delayAfter(consecutiveFailures: number, threshold: number = failuresBeforeDelay): number {
  if (consecutiveFailures < threshold) return 0;
  const doublings = consecutiveFailures - threshold;
  // Cap the exponent before shifting so large counts cannot overflow.
  return Math.min(firstDelayMs * 2 ** Math.min(doublings, 20), maxDelayMs);
}

/** When the next attempt is allowed, or null if it is allowed now. */
/** `threshold`: failures allowed before the first delay (admin policy; default 5). */
export function retryAt(counters: FailureCounters, now: number, threshold: number = failuresBeforeDelay): number | null {
  if (counters.lastFailureAt === null) return null;
  const delay = delayAfter(counters.consecutive, threshold);
  if (delay === 0) return null;
  const at = counters.lastFailureAt + delay;
  return at > now ? at : null;
}

/** The stricter of two records of the same counters: more failures, and the later last one. */
export function stricterFailures(a: FailureCounters, b: FailureCounters): FailureCounters {
  const times = [a.lastFailureAt, b.lastFailureAt].filter((t): t is number => t !== null);
  return { consecutive: Math.max(a.consecutive, b.consecutive), lastFailureAt: times.length === 0 ? null : Math.max(...times) };
}

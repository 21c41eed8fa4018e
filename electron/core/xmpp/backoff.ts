// Reconnect delays: exponential backoff with "full jitter" (delay drawn uniformly from
// [0, min(cap, base·2^(n-1))) ), so a ward full of clients that lost the server at the same moment
// do not all come back in the same millisecond. Pure, so the schedule is unit-tested exactly.

export interface BackoffPolicy {
  /** Ceiling of the first retry's delay. */
  baseMs: number;
  /** No delay ever exceeds this. */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 60_000 };

/**
 * Delay before the next attempt, after `failures` consecutive failed attempts (0 = none yet, so no
 * wait). `random` returns [0, 1), like Math.random.
 */
export function backoffDelay(failures: number, policy: BackoffPolicy, random: () => number): number {
  if (failures <= 0) return 0;
  // The exponent is clamped so 2^n never overflows into Infinity for a long outage.
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(failures - 1, 30));
  const draw = Math.min(Math.max(random(), 0), 1);
  return Math.floor(draw * ceiling);
}

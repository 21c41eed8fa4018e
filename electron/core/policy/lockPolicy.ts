/**
 * Lock-related policy. Defaults follow the NHS guidance; the admin policy file
 * (Clinical governance issue) can tighten them machine-wide.
 */
export interface LockPolicy {
  /** Auto-lock after this much OS idle time. People may shorten it, never lengthen it. */
  idleLockSeconds: number;
  /** Wipe a profile after this many consecutive wrong PINs; null = never (default). */
  wipeAfterFailedUnlocks: number | null;
}

export const DEFAULT_LOCK_POLICY: LockPolicy = {
  idleLockSeconds: 5 * 60,
  wipeAfterFailedUnlocks: null,
};

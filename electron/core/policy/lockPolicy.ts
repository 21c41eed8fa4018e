/**
 * Lock-related policy. Defaults follow the NHS guidance; the admin policy file
 * (Clinical governance issue) can tighten them machine-wide.
 */
import { minPinDigits } from '../vault/pinRules.js';
import { failuresBeforeDelay } from '../vault/unlockThrottle.js';

export interface LockPolicy {
  /** Auto-lock after this much OS idle time. People may shorten it, never lengthen it. */
  idleLockSeconds: number;
  /** Wipe a profile after this many consecutive wrong PINs; null = never (default). */
  wipeAfterFailedUnlocks: number | null;
  /** Shortest PIN (digits) a new PIN may have; absent = the vault's minPinDigits. */
  pinMinLength?: number;
  /** Wrong PINs allowed before unlock delays start; absent = the vault's failuresBeforeDelay. */
  delayAfterFailures?: number;
}

export const DEFAULT_LOCK_POLICY: LockPolicy = {
  idleLockSeconds: 5 * 60,
  wipeAfterFailedUnlocks: null,
  pinMinLength: minPinDigits,
  delayAfterFailures: failuresBeforeDelay,
};

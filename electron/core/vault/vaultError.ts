/**
 * The vault's one error type. It is a WardlineFailure, so the IPC dispatcher
 * passes code, message and retryAt to the renderer unchanged; `reason` is the
 * finer discriminant for main-process callers (the lock state machine).
 *
 * Messages are written for a clinician at a shared PC and never contain a PIN,
 * a key or a keychain secret.
 */
import type { ErrorCode } from '../../common/contract.js';
import { WardlineFailure } from '../ipc/failure.js';

export type VaultErrorReason =
  /** No Secret Service / Credential Manager / Keychain reachable, or it is locked. */
  | { kind: 'keychain-unavailable'; detail: 'unreachable' | 'locked' | 'not-installed' }
  /** The keychain works but holds no secret for this profile (copied profile, or entry deleted). */
  | { kind: 'keychain-entry-missing' }
  /** GCM authentication failed. `retryAt` is set when this failure started a delay. */
  | { kind: 'wrong-pin'; attemptsRemaining: number | null; retryAt: number | null }
  | { kind: 'throttled'; retryAt: number }
  /** The wipe policy erased the profile after too many failures. */
  | { kind: 'wiped' }
  | { kind: 'not-found' }
  /** A new PIN or the profile details do not meet the rules; the message says which. */
  | { kind: 'invalid-input' }
  /** profile.json is unreadable or not a Wardline profile. */
  | { kind: 'damaged-profile' }
  /** profile.json is an older copy, from before the last PIN change (a restored backup): never opened. */
  | { kind: 'superseded-profile' }
  /**
   * The profile's folder cannot be changed (read-only, permissions, in use),
   * so Wardline refuses the operation: it never checks a PIN whose failure it
   * could not count, and never half-removes a profile.
   */
  | { kind: 'profile-unwritable' };

export type VaultErrorKind = VaultErrorReason['kind'];

const codeFor: Record<VaultErrorKind, ErrorCode> = {
  'keychain-unavailable': 'keychain-unavailable',
  'keychain-entry-missing': 'keychain-unavailable',
  'wrong-pin': 'wrong-pin',
  throttled: 'throttled',
  wiped: 'not-found',
  'not-found': 'not-found',
  'invalid-input': 'rejected',
  'damaged-profile': 'rejected',
  'superseded-profile': 'rejected',
  'profile-unwritable': 'rejected',
};

export class VaultError extends WardlineFailure {
  constructor(
    readonly reason: VaultErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    const retryAt = reason.kind === 'throttled' ? reason.retryAt : reason.kind === 'wrong-pin' ? (reason.retryAt ?? undefined) : undefined;
    super(codeFor[reason.kind], message, retryAt);
    this.name = 'VaultError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }

  get kind(): VaultErrorKind {
    return this.reason.kind;
  }
}

export function isVaultError(error: unknown, kind?: VaultErrorKind): error is VaultError {
  return error instanceof VaultError && (kind === undefined || error.reason.kind === kind);
}

export const keychainMessages = {
  unreachable:
    'Wardline cannot reach the system keychain (Secret Service, Windows Credential Manager or macOS Keychain). Make sure you are signed in to a desktop session with a keyring; Wardline will not store keys without it.',
  locked:
    'The system keychain is locked. Unlock it (for example by signing in to your desktop session again) and try again; Wardline will not store keys without it.',
  notInstalled:
    'Wardline cannot load its keychain support on this computer. Ask IT to install the system keyring (on Linux: gnome-keyring and libsecret); Wardline will not store keys without it.',
  entryMissing:
    "This profile's key is not in this computer's keychain — it may have been copied from another user or machine. It cannot be opened here.",
} as const;

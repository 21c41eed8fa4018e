/**
 * Why a session was locked: main records it in the audit trail, and the renderer words it there.
 * One list, so a new reason is a compile error in the renderer's wording until it is worded.
 */
export const LOCK_REASONS = ['idle', 'manual', 'os-lock', 'suspend', 'user-switch', 'profile-removed', 'store-failed', 'window-lost', 'shutdown'] as const;

export type LockReason = (typeof LOCK_REASONS)[number];

export const isLockReason = (value: string): value is LockReason => (LOCK_REASONS as readonly string[]).includes(value);

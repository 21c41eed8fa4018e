/**
 * The lock state machine, owned by main. Pure: the controller performs the
 * side effects (opening/closing the store, dropping keys) around it.
 */
import type { LockReason } from '../../common/lockReasons.js';

export type { LockReason };

export interface PendingCounts {
  messages: number;
  urgent: number;
}

export type LockState =
  | { kind: 'no-profile' }
  | { kind: 'locked'; reason: LockReason | 'startup'; pending: PendingCounts | null }
  | { kind: 'unlocked'; profileId: string; unlockedAt: number };

export type LockEvent =
  | { type: 'profiles-changed'; count: number }
  | { type: 'unlocked'; profileId: string; at: number }
  | { type: 'lock'; reason: LockReason; pending: PendingCounts | null };

const NO_PENDING: PendingCounts = { messages: 0, urgent: 0 };

export function initialLockState(profileCount: number): LockState {
  return profileCount === 0 ? { kind: 'no-profile' } : { kind: 'locked', reason: 'startup', pending: NO_PENDING };
}

export function nextLockState(state: LockState, event: LockEvent): LockState {
  switch (event.type) {
    case 'profiles-changed':
      if (event.count === 0) return { kind: 'no-profile' };
      // Creating or removing a profile never unlocks anyone; an unlocked session stays as it is.
      return state.kind === 'no-profile' ? { kind: 'locked', reason: 'startup', pending: NO_PENDING } : state;
    case 'unlocked':
      if (state.kind === 'no-profile') throw new Error('Cannot unlock: no profile exists');
      return { kind: 'unlocked', profileId: event.profileId, unlockedAt: event.at };
    case 'lock':
      if (state.kind === 'no-profile') return state;
      return { kind: 'locked', reason: event.reason, pending: event.pending };
  }
}

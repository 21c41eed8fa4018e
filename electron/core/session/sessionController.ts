/**
 * Owns the lock state machine (no profile / locked / unlocked) in main.
 * Profiles, PIN unlock and auto-lock arrive with the Profiles issue; until a
 * profile exists the only honest state is `no-profile`.
 */
import type { ConversationSummary, SessionState } from '../../common/contract.js';
import type { CoreEvents } from '../events.js';
import { WardlineFailure } from '../ipc/failure.js';

type State = SessionState;

export interface UnlockedSession {
  conversations(): ConversationSummary[];
}

export class SessionController {
  #state: State = { kind: 'no-profile', profiles: [] };
  #unlocked: UnlockedSession | null = null;

  constructor(private readonly events: CoreEvents) {}

  state(): State {
    return this.#state;
  }

  isUnlocked(): boolean {
    return this.#state.kind === 'unlocked' && this.#unlocked !== null;
  }

  requireUnlocked(): UnlockedSession {
    if (!this.isUnlocked() || !this.#unlocked) {
      throw new WardlineFailure('locked', 'Wardline is locked. Unlock with your PIN to continue.');
    }
    return this.#unlocked;
  }

  protected transition(next: State, unlocked: UnlockedSession | null): void {
    this.#state = next;
    this.#unlocked = unlocked;
    this.events.emit('session:changed', next);
  }

  close(): void {
    this.#unlocked = null;
  }
}

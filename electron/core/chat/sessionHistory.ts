/**
 * Whether this workstation holds what the server holds for the person (HistoryState), across a
 * session's set-up, drops, resumed streams and repairs. The chat service reports what happens;
 * this decides what the connection view may say. Nothing here touches the network or the store.
 */
import type { HistoryState } from './chatTypes.js';

export class SessionHistory {
  /** What the connection view says while online. */
  #shown: HistoryState = 'catching-up';
  /** What the current session's set-up (or a later repair) found; shown again when its stream resumes. */
  #found: HistoryState = 'catching-up';
  /** Something went missing while the set-up ran (its catch-up may already have passed it). */
  #missedDuringSetUp = false;
  /** Bumped whenever something goes missing, so a repair knows whether it covered everything. */
  #missing = 0;

  /** `shown` is told each time what the view says changes. */
  constructor(private readonly shown: (history: HistoryState) => void) {}

  get current(): HistoryState {
    return this.#shown;
  }

  /** The stream dropped: whatever comes next (a resume or a fresh session) starts from here. */
  dropped(): void {
    this.#shown = 'catching-up';
  }

  setUpStarted(): void {
    this.#missedDuringSetUp = false;
  }

  /** The set-up ran to its end; `complete`: every archive caught up and every room joined. Returns what it found. */
  setUpFinished(complete: boolean): HistoryState {
    this.#found = complete && !this.#missedDuringSetUp ? 'complete' : 'incomplete';
    this.#show(this.#found);
    return this.#found;
  }

  /** The stream resumed after a finished set-up (which resuming skips): what it found stands. */
  resumed(): HistoryState {
    this.#show(this.#found);
    return this.#found;
  }

  /** Something the server holds is missing here; `setUpDone`: the current session's set-up has finished. */
  missing(setUpDone: boolean): void {
    this.#missing += 1;
    if (!setUpDone) {
      this.#missedDuringSetUp = true;
      return;
    }
    this.#found = 'incomplete';
    this.#show('incomplete');
  }

  /** A repair starts; pass the token to repaired(). */
  repairStarted(): number {
    return this.#missing;
  }

  /** The repair went through; complete only if nothing went missing while it ran (that gets a repair of its own). */
  repaired(token: number): void {
    if (token !== this.#missing) return;
    this.#found = 'complete';
    this.#show('complete');
  }

  #show(history: HistoryState): void {
    this.#shown = history;
    this.shown(history);
  }
}

/**
 * "These conversations changed" for the renderer, at most once per window. The first change after
 * a quiet spell goes out at once (a new message shows without delay); changes during the window are
 * merged into one event at its end. An archive catch-up stores hundreds of pages in a row, and
 * without this the screen re-read the conversation list (and the open thread) after every page,
 * competing with the catch-up itself for the store.
 */
export const CONVERSATION_CHANGES_WINDOW_MS = 250;

export class ChangeCoalescer {
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** Ids changed during the current window; null when nothing did; 'all' after an event with no ids. */
  #pending: Set<number> | 'all' | null = null;

  constructor(
    private readonly emit: (conversationIds: number[]) => void,
    private readonly windowMs: number = CONVERSATION_CHANGES_WINDOW_MS,
  ) {}

  push(conversationIds: readonly number[]): void {
    if (this.#timer !== null) {
      // No ids means "anything may have changed" (retention deleted messages): it covers the rest.
      if (conversationIds.length === 0) this.#pending = 'all';
      else if (this.#pending !== 'all') {
        this.#pending ??= new Set();
        for (const id of conversationIds) this.#pending.add(id);
      }
      return;
    }
    this.emit([...conversationIds]);
    this.#timer = setTimeout(() => this.#endWindow(), this.windowMs);
  }

  /** Drops what is pending (the profile locked: nothing of it may reach the screen any more). */
  cancel(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#pending = null;
  }

  #endWindow(): void {
    const pending = this.#pending;
    this.#timer = null;
    this.#pending = null;
    // Sent now, and a new window opens behind it, so a long catch-up keeps the same pace.
    if (pending !== null) this.push(pending === 'all' ? [] : [...pending]);
  }
}

/**
 * Keeps what a person is writing (a composer's text, a half-filled form) in main's encrypted store
 * while they write, never in the page's own storage (plaintext on disk). Saves wait for a pause in
 * typing and run one at a time, in order, so an older text can never land after a newer one.
 * `flushDrafts()` saves every open keeper's pending text at once: the lock calls it first, so
 * nothing typed is lost to a lock.
 */

export interface DraftText {
  body: string;
  urgent: boolean;
}

/** Saves one draft; resolves to a sentence for the person if it was not kept, else null. */
export type SaveDraft<T> = (draft: T) => Promise<string | null>;

/** Long enough not to save on every keystroke, short enough that a lock rarely finds anything pending. */
export const DRAFT_PAUSE_MS = 400;

export const NO_DRAFT: DraftText = { body: '', urgent: false };

/** Drafts are plain data (text, flags, lists of fields): equal when their JSON is. */
const same = <T>(a: T, b: T): boolean => JSON.stringify(a) === JSON.stringify(b);

const open = new Set<{ flush(): Promise<void> }>();

export class DraftKeeper<T = DraftText> {
  #timer: ReturnType<typeof setTimeout> | null = null;
  #pending: T | null = null;
  /** The latest draft handed to a save (main has it, or will): null after a failure. */
  #handed: T | null;
  #saves: Promise<void> = Promise.resolve();

  constructor(
    private readonly save: SaveDraft<T>,
    private readonly onOutcome: (failure: string | null) => void,
    /** What main already holds (the draft that was loaded, or the empty form). */
    held: T,
    private readonly pauseMs = DRAFT_PAUSE_MS,
  ) {
    this.#handed = held;
    open.add(this);
  }

  /** The text changed: saved after a pause, unless it is what main already holds. */
  changed(draft: T): void {
    this.#cancelTimer();
    if (this.#handed !== null && same(draft, this.#handed)) {
      this.#pending = null;
      return;
    }
    this.#pending = draft;
    this.#timer = setTimeout(() => void this.flush(), this.pauseMs);
  }

  /** Saves what is pending now; resolves once every save so far has finished. */
  flush(): Promise<void> {
    this.#cancelTimer();
    const draft = this.#pending;
    this.#pending = null;
    if (draft !== null) {
      this.#handed = draft;
      this.#saves = this.#saves.then(async () => {
        const failure = await this.save(draft).catch(() => 'Your draft could not be kept.');
        if (failure !== null && this.#handed === draft) this.#handed = null;
        this.onOutcome(failure);
      });
    }
    return this.#saves;
  }

  /**
   * Before a send: nothing pending is saved after it (main clears the draft in the send's own
   * transaction), and saves already on their way finish first. On a failed send the composer
   * calls changed() again, which saves the text once more.
   */
  beforeSend(): Promise<void> {
    this.#cancelTimer();
    this.#pending = null;
    return this.#saves;
  }

  /** Main now holds `held` (the message went and main removed its draft: the empty draft). */
  settled(held: T): void {
    this.#handed = held;
  }

  /** The composer is going (another conversation, or a lock): save what is pending, then forget it. */
  dispose(): Promise<void> {
    open.delete(this);
    return this.flush();
  }

  #cancelTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/** Saves every open composer's pending text, waiting at most `timeoutMs` (a lock must not hang on it). */
export async function flushDrafts(timeoutMs = 500): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([Promise.all([...open].map((keeper) => keeper.flush())), timeout]);
  clearTimeout(timer);
}

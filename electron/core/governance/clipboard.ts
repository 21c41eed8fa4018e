/**
 * The clipboard, held by main rather than the renderer: a transcription note (message text, NHS
 * number) copied for the EPR must not outlive the session on a shared workstation. Main copies it,
 * and clears it on lock or after a few minutes if it still holds the note.
 */
export interface ClipboardPort {
  writeText(text: string): Promise<void>;
  readText(): Promise<string>;
  clear(): Promise<void>;
}

/** Long enough to switch to the EPR and paste; short enough not to linger. */
export const CLIPBOARD_KEEP_MS = 3 * 60_000;

/** Remembers what Wardline put on the clipboard and takes it back, unless the person has copied something else since. */
export class NoteClipboard {
  #copied: string | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** How many times the clipboard was taken back (a lock), so a hand copy being read meanwhile still goes. */
  #takeBacks = 0;
  /** How many times Wardline wrote the clipboard (the note), so a hand copy read meanwhile does not replace it. */
  #copies = 0;

  constructor(private readonly port: ClipboardPort) {}

  async copy(text: string): Promise<void> {
    // Known before it is written: a lock while the write is on its way must still take it back.
    this.#copies += 1;
    this.#copied = text;
    await this.port.writeText(text);
    if (this.#copied !== text) {
      // Taken back (a lock) while it was being written, perhaps before it got there: again, now.
      if ((await this.port.readText()) === text) await this.port.clear();
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.takeBack(), CLIPBOARD_KEEP_MS);
    this.#timer.unref?.();
  }

  /**
   * The person copied text out of Wardline's window by hand (the page wrote the clipboard): what is
   * on it now is taken back at the lock like the note, so the next person at a shared PC cannot
   * paste it. Read here rather than sent by the page: no text crosses for this.
   */
  async adopt(): Promise<void> {
    const takenBackBefore = this.#takeBacks;
    const copiesBefore = this.#copies;
    const text = await this.port.readText();
    if (text === '') return;
    // A lock took the clipboard back while it was being read: it goes now, unless replaced since.
    if (this.#takeBacks !== takenBackBefore) {
      if ((await this.port.readText()) === text) await this.port.clear();
      return;
    }
    // The note was copied while this was read: what was read may be older than it, and the note is
    // what the lock must take back (a hand copy it replaced is no longer there).
    if (this.#copies !== copiesBefore) return;
    // Still the note (its own text copied again, or a copy that wrote nothing): it keeps its few minutes.
    if (text === this.#copied) return;
    // The note's timer would take back what is on the clipboard now, a few minutes after the note.
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#copied = text;
  }

  async takeBack(): Promise<void> {
    this.#takeBacks += 1;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const copied = this.#copied;
    this.#copied = null;
    if (copied !== null && (await this.port.readText()) === copied) await this.port.clear();
  }
}

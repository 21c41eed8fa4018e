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

  constructor(private readonly port: ClipboardPort) {}

  async copy(text: string): Promise<void> {
    // Known before it is written: a lock while the write is on its way must still take it back.
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

  async takeBack(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const copied = this.#copied;
    this.#copied = null;
    if (copied !== null && (await this.port.readText()) === copied) await this.port.clear();
  }
}

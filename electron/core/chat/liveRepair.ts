/**
 * A live message that could not be stored (disk full, a store error) has already been counted
 * towards the stream's acknowledgement (XEP-0198 counts stanzas as they arrive), so the server
 * will not send it again on this stream. The archive still holds it: after a failed live write the
 * service catches up from the archive, again with backoff until one catch-up stores everything,
 * rather than leaving the message unseen until the next fresh session (possibly a shift away).
 */
export const LIVE_REPAIR_DELAYS_MS: readonly number[] = [5_000, 30_000, 120_000];

export interface LiveRepairDeps {
  /** Catches up from the archives; rejects if a page could not be stored. */
  catchUp: () => Promise<void>;
  log: (line: string) => void;
  delaysMs?: readonly number[];
}

export class LiveRepair {
  readonly #deps: LiveRepairDeps;
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #attempt = 0;
  #stopped = false;
  /** failed() while a repair was running: what failed may be behind where it had got to. */
  #again = false;

  constructor(deps: LiveRepairDeps) {
    this.#deps = deps;
  }

  /** A live batch failed to store: one repair is scheduled (more failures meanwhile join it). */
  failed(): void {
    if (this.#stopped || this.#timer !== null) return;
    if (this.#running) this.#again = true;
    else this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    const delays = this.#deps.delaysMs ?? LIVE_REPAIR_DELAYS_MS;
    const ms = delays[Math.min(this.#attempt, delays.length - 1)] ?? 0;
    this.#timer = setTimeout(() => void this.#run(), ms);
    this.#timer.unref?.();
  }

  async #run(): Promise<void> {
    this.#timer = null;
    this.#running = true;
    this.#attempt += 1;
    let retry = false;
    try {
      await this.#deps.catchUp();
      this.#deps.log(`chat live-repair done attempts=${this.#attempt}`);
      this.#attempt = 0;
    } catch (error) {
      this.#deps.log(`chat live-repair failed attempt=${this.#attempt} error=${error instanceof Error ? error.name : 'unknown'}`);
      retry = true;
    } finally {
      this.#running = false;
    }
    if (this.#again) {
      this.#again = false;
      retry = true;
    }
    if (retry && !this.#stopped) this.#schedule();
  }
}

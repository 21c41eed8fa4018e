/**
 * Auto-lock after idle. The idle source is the OS's (Electron powerMonitor) in
 * the app and injectable in tests; the clock is injectable too, so tests never
 * wait in real time.
 */
export interface IdleSource {
  /** Seconds since the person last used keyboard or mouse, system-wide. */
  idleSeconds(): number;
}

export interface Ticker {
  every(ms: number, tick: () => void): () => void;
}

export const realTicker: Ticker = {
  every(ms, tick) {
    const handle = setInterval(tick, ms);
    handle.unref?.();
    return () => clearInterval(handle);
  },
};

/** Shortest limit a person may choose; shorter just locks mid-sentence. */
export const MIN_IDLE_LOCK_SECONDS = 30;

/** A person may shorten the policy's limit, never lengthen it. */
export function effectiveIdleLimit(policyMaxSeconds: number, personalSeconds: number | null): number {
  if (personalSeconds === null) return policyMaxSeconds;
  return Math.min(policyMaxSeconds, Math.max(MIN_IDLE_LOCK_SECONDS, personalSeconds));
}

export class AutoLock {
  #stop: (() => void) | null = null;

  constructor(
    private readonly idle: IdleSource,
    private readonly ticker: Ticker,
    private readonly onIdle: () => void,
  ) {}

  /** Starts checking; `limitSeconds` is re-read on every tick so a change applies at once. */
  start(limitSeconds: () => number, checkEveryMs = 5_000): void {
    this.stop();
    this.#stop = this.ticker.every(checkEveryMs, () => {
      if (this.idle.idleSeconds() >= limitSeconds()) this.onIdle();
    });
  }

  stop(): void {
    this.#stop?.();
    this.#stop = null;
  }
}

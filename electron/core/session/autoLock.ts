/**
 * Auto-lock after idle. The idle source is the OS's (Electron powerMonitor) in
 * the app and injectable in tests; the clock is injectable too, so tests never
 * wait in real time.
 */
export interface IdleSource {
  /** Seconds since the person last used keyboard or mouse, system-wide. */
  idleSeconds(): number;
  /**
   * Whether the OS screen is locked now, where that can be asked (Electron's
   * getSystemIdleState). Linux sends Electron no lock-screen event, so the auto-lock's check is
   * how a locked screen locks Wardline there.
   */
  screenLocked?(): boolean;
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
    private readonly onLock: (reason: 'idle' | 'os-lock') => void,
  ) {}

  /** Starts checking; `limitSeconds` is re-read on every tick so a change applies at once. */
  start(limitSeconds: () => number, checkEveryMs = 5_000): void {
    this.stop();
    this.#stop = this.ticker.every(checkEveryMs, () => {
      if (this.idle.screenLocked?.() === true) this.onLock('os-lock');
      else if (this.idle.idleSeconds() >= limitSeconds()) this.onLock('idle');
    });
  }

  stop(): void {
    this.#stop?.();
    this.#stop = null;
  }
}

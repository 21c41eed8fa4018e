/**
 * Idle time the auto-lock can rely on when the OS's cannot be.
 *
 * The OS's idle time (Electron powerMonitor) is the right measure: a person typing in the
 * patient record in another window is at the workstation. But on some desktops it is stuck at 0
 * (Ubuntu 22.04 on Wayland: electron/electron#34826; reported on Windows too, #30126), and a
 * source stuck at 0 would mean Wardline never locks, silently. A working source reports 1 s or
 * more whenever the person pauses; one that has not done so since Wardline last saw input of its
 * own, for as long as the lock limit, is not believed, and Wardline's own input time counts.
 * The cost when it misjudges (someone typing elsewhere, without one pause at any check, for the
 * whole limit) is a lock: the safe side.
 */
import type { IdleSource } from './autoLock.js';

export interface FailSafeIdleOptions {
  /** Milliseconds from a monotonic clock (performance.now() in the app). */
  now: () => number;
  /** Told once when the OS source is first overruled (a reason code, for IT). */
  log?: (line: string) => void;
}

export class FailSafeIdle implements IdleSource {
  readonly #os: IdleSource;
  readonly #now: () => number;
  readonly #log: (line: string) => void;
  /** When the OS last reported a pause (1 s or more): the source is alive. */
  #osPausedAt: number;
  /** When Wardline's own window last saw a key, pointer or wheel event (or an unlock). */
  #inputAt: number;
  #overruled = false;

  constructor(os: IdleSource, options: FailSafeIdleOptions) {
    this.#os = os;
    this.#now = options.now;
    this.#log = options.log ?? (() => {});
    this.#osPausedAt = this.#inputAt = this.#now();
  }

  screenLocked(): boolean {
    try {
      return this.#os.screenLocked?.() === true;
    } catch {
      return false;
    }
  }

  /** Input in Wardline's own window; also called at unlock (the PIN was just typed). */
  noteInput(): void {
    this.#inputAt = this.#now();
  }

  idleSeconds(): number {
    const now = this.#now();
    const os = this.#readOs();
    if (os !== null && os >= 1) this.#osPausedAt = now;
    const ownSeconds = Math.max(0, Math.floor((now - this.#inputAt) / 1000));
    // No usable reading at all: Wardline's own input time is all there is.
    if (os === null) return this.#overrule(ownSeconds, 'os-idle-unreadable');
    const silentSeconds = Math.max(0, Math.floor((now - this.#osPausedAt) / 1000));
    const fallback = Math.min(ownSeconds, silentSeconds);
    return fallback > os ? this.#overrule(fallback, 'os-idle-stuck') : os;
  }

  #readOs(): number | null {
    try {
      const seconds = this.#os.idleSeconds();
      return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
    } catch {
      return null;
    }
  }

  #overrule(seconds: number, reason: string): number {
    // Only worth telling IT once it decides something: before a minute it is ordinary noise.
    if (!this.#overruled && seconds >= 60) {
      this.#overruled = true;
      this.#log(`session idle-source reason=${reason} using=wardline-input`);
    }
    return seconds;
  }
}

/**
 * Can the wall clock be believed? Deletion dated by the wall clock (the retention purge, archive
 * messages dropped as expired) cannot be undone, and a wall clock that jumped ahead (a wrong year
 * after a flat CMOS battery, a bad time server) would delete a whole history. So the wall clock
 * is compared with the boot clock (time since boot, sleep included, never set by anyone) since
 * the last reading that agreed with it. A wall clock more than the margin ahead of where the boot
 * clock puts it is not trusted until it comes back in line (time sync puts it right) or has held
 * its new time for a day (so a clock that was behind when the reference was taken and was then
 * corrected forward does not stop retention for good). A clock behind is trusted: it only delays
 * deletion. A clock already wrong when the first reading is taken cannot be seen.
 */
import { uptime } from 'node:os';

/** More than clock drift and manual corrections; less than anything retention would notice. */
export const WALL_CLOCK_MARGIN_MS = 60 * 60_000;
/** How long (boot clock) a wall clock ahead is distrusted before its new time is accepted. */
export const WALL_CLOCK_ACCEPT_AFTER_MS = 24 * 60 * 60_000;

/**
 * Milliseconds since boot, time asleep included (os.uptime: CLOCK_BOOTTIME on Linux,
 * GetTickCount64 on Windows). Not performance.now(), which stops while the machine sleeps: a
 * night's suspend would look like a jump.
 */
export function bootClockMs(): number {
  return uptime() * 1000;
}

export interface WallClockReading {
  trusted: boolean;
  /** The wall clock; when it is not trusted, where the boot clock puts it (earlier). */
  now: number;
}

export class WallClockTrust {
  #reference: { wall: number; boot: number };
  /** Boot-clock time when the wall clock was first seen ahead; null while it is in line. */
  #aheadSince: number | null = null;

  constructor(
    private readonly wall: () => number,
    private readonly boot: () => number = bootClockMs,
  ) {
    this.#reference = { wall: wall(), boot: boot() };
  }

  read(): WallClockReading {
    const wall = this.wall();
    const boot = this.boot();
    const expected = this.#reference.wall + (boot - this.#reference.boot);
    const ahead = wall - expected;
    if (ahead > WALL_CLOCK_MARGIN_MS) {
      this.#aheadSince ??= boot;
      if (boot - this.#aheadSince < WALL_CLOCK_ACCEPT_AFTER_MS) return { trusted: false, now: expected };
    }
    this.#aheadSince = null;
    // Behind: the reference stays, so the correction that puts the clock right again is in line.
    if (ahead >= -WALL_CLOCK_MARGIN_MS) this.#reference = { wall, boot };
    return { trusted: true, now: wall };
  }
}

const shared = new WeakMap<() => number, WallClockTrust>();

/**
 * The one WallClockTrust for this wall clock (in the app, one for the process), so a jump while
 * the profile was locked is still seen at the next unlock. `boot` counts only when it is made.
 */
export function wallClockTrustFor(wall: () => number, boot: () => number = bootClockMs): WallClockTrust {
  let trust = shared.get(wall);
  if (trust === undefined) {
    trust = new WallClockTrust(wall, boot);
    shared.set(wall, trust);
  }
  return trust;
}

/**
 * What to do when the window's page dies or hangs. Main holds the session, so a page that crashed
 * leaves a person's unlocked session behind a blank window, and a hung page keeps showing messages
 * after main has locked. Both end in a lock and a fresh page (the lock screen); a page that keeps
 * dying is not reloaded in a loop.
 */

/** Reloads allowed within RELOAD_WINDOW_MS before the window is left blank (and logged). */
export const MAX_RELOADS = 3;
export const RELOAD_WINDOW_MS = 60_000;

export interface RendererRecovery {
  /** The page is gone: reload it (after locking), or give up when it keeps dying. */
  afterGone(now: number): 'reload' | 'give-up';
}

export function rendererRecovery(): RendererRecovery {
  const reloads: number[] = [];
  return {
    afterGone(now) {
      while (reloads.length > 0 && now - reloads[0]! >= RELOAD_WINDOW_MS) reloads.shift();
      if (reloads.length >= MAX_RELOADS) return 'give-up';
      reloads.push(now);
      return 'reload';
    },
  };
}

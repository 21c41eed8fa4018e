/** System-wide idle time for auto-lock: the person may be typing in another app, so page activity is not enough. */
import { powerMonitor } from 'electron';
import type { IdleSource } from './adapters.js';

export function createIdleSource(): IdleSource {
  return {
    idleSeconds: () => powerMonitor.getSystemIdleTime(),
    // The threshold argument only matters for 'idle'; 'locked' is reported whatever it is.
    screenLocked: () => powerMonitor.getSystemIdleState(1) === 'locked',
  };
}

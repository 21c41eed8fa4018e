/** OS lock, suspend and user-switch → "lock now". The lock state machine lives in the core. */
import { powerMonitor } from 'electron';
import type { LockSignals, OsLockReason } from './adapters.js';
import { LOCK_TRIGGER_EVENTS, LOCK_TRIGGERS } from './lockTriggers.js';

export function createLockSignals(): LockSignals {
  return {
    onShouldLock(callback: (reason: OsLockReason) => void): () => void {
      const offs = LOCK_TRIGGER_EVENTS.map((event) => {
        const listener = (): void => callback(LOCK_TRIGGERS[event]);
        // The typings overload each event name; the listener shape is the same for all three.
        powerMonitor.on(event as 'lock-screen', listener);
        return () => powerMonitor.off(event as 'lock-screen', listener);
      });
      return () => offs.forEach((off) => off());
    },
  };
}

/** Which powerMonitor events lock Wardline, and as what. Pure, so a test pins the list. */
import type { OsLockReason } from './adapters.js';

export const LOCK_TRIGGERS = {
  'lock-screen': 'os-lock',
  suspend: 'suspend',
  // macOS fast user switching: another person is taking over the machine.
  'user-did-resign-active': 'user-switch',
} as const satisfies Record<string, OsLockReason>;

export type LockTriggerEvent = keyof typeof LOCK_TRIGGERS;
export const LOCK_TRIGGER_EVENTS = Object.keys(LOCK_TRIGGERS) as LockTriggerEvent[];

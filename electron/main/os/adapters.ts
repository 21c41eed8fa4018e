/**
 * The OS-facing adapters the core consumes. Where the core already declares
 * the port (idle source, lock reasons) we use its type; the rest are ours
 * until the core needs them.
 */
import type { LockReason } from '../../core/session/lockMachine.js';

export type { IdleSource } from '../../core/session/autoLock.js';

/** The lock reasons the OS can trigger. */
export type OsLockReason = Extract<LockReason, 'os-lock' | 'suspend' | 'user-switch'>;

export interface LockSignals {
  /** Calls back on OS lock, suspend, or fast-user-switch; returns an unsubscribe. */
  onShouldLock(callback: (reason: OsLockReason) => void): () => void;
}

export interface NotificationRequest {
  /** Already redacted by the core's notification policy: the OS may show it on a lock screen. */
  title: string;
  body: string;
  /** Urgent messages: with sound, and kept on screen where the OS allows. */
  urgent: boolean;
}

export interface Notifier {
  isSupported(): boolean;
  show(request: NotificationRequest, onClick?: () => void): void;
  /** Closes (and takes out of the notification centre) everything still shown. */
  closeAll(): void;
}

export interface ContentProtection {
  /** Hide (true) or show (false) window content to screenshots and screen sharing. */
  set(enabled: boolean): void;
}

/**
 * OS notifications. Title and body arrive already redacted by the core's policy
 * (electron/core/notify/notificationPolicy.ts: by default "Wardline" / "New message",
 * no sender, no content); this adapter adds nothing to them.
 */
import { Notification } from 'electron';
import type { NotificationPort } from '../../core/notify/notifier.js';
import type { NotificationRequest, Notifier } from './adapters.js';

/**
 * Shown notifications are kept referenced until closed, or a click on a collected one goes nowhere,
 * and closeAll (at lock) could not take it out of the notification centre. Past this many, the
 * oldest is closed rather than forgotten: one left behind would outlive the lock.
 */
const MAX_KEPT = 20;

export function createNotifier(): Notifier {
  const kept = new Set<Notification>();
  return {
    isSupported: () => Notification.isSupported(),
    show({ title, body, urgent }: NotificationRequest, onClick?: () => void): void {
      const notification = new Notification({
        title,
        body,
        // Urgent ones make a sound and, where the OS allows, stay until dismissed.
        silent: !urgent,
        urgency: urgent ? 'critical' : 'normal',
        timeoutType: urgent ? 'never' : 'default',
      });
      const forget = (): void => void kept.delete(notification);
      notification.on('close', forget);
      notification.on('click', () => {
        forget();
        onClick?.();
      });
      if (kept.size >= MAX_KEPT) {
        const oldest = kept.values().next().value as Notification;
        kept.delete(oldest);
        oldest.close();
      }
      kept.add(notification);
      notification.show();
    },
    closeAll(): void {
      for (const notification of [...kept]) notification.close();
      kept.clear();
    },
  };
}

/** The core's NotificationPort over the OS: a click brings Wardline's window forward. */
export function notificationPort(onClick: () => void): NotificationPort {
  const notifier = createNotifier();
  return {
    show(request) {
      if (notifier.isSupported()) notifier.show(request, onClick);
    },
    withdrawAll: () => notifier.closeAll(),
  };
}

/**
 * OS notifications. Title and body arrive already redacted by the core's
 * policy (by default: no message content, counts only); this adapter adds nothing.
 */
import { Notification } from 'electron';
import type { NotificationRequest, Notifier } from './adapters.js';

export function createNotifier(): Notifier {
  return {
    isSupported: () => Notification.isSupported(),
    show({ title, body }: NotificationRequest, onClick?: () => void): void {
      const notification = new Notification({ title, body, silent: false });
      if (onClick) notification.on('click', onClick);
      notification.show();
    },
  };
}

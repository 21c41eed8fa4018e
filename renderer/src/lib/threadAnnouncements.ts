/**
 * What a screen reader should hear when the open conversation changes under the person: an
 * urgent message arriving, or one of theirs bouncing. Main sends no notification for the
 * conversation on screen, so without this a screen-reader user would never learn of either.
 * Names and times only: the text is there to read, not spoken unasked on a shared ward.
 */
import type { MessageView } from '../../../electron/common/contract.js';
import { timeLabel } from './delivery.js';

export function threadAnnouncement(before: readonly MessageView[], after: readonly MessageView[]): string | null {
  const known = new Map(before.map((m) => [m.id, m]));
  const urgent = after.filter((m) => m.direction === 'in' && m.urgency === 'urgent' && !known.has(m.id));
  const bounced = after.filter((m) => m.direction === 'out' && m.deliveryState === 'failed' && known.get(m.id)?.deliveryState !== 'failed');
  const parts: string[] = [];
  if (urgent.length === 1) parts.push(`Urgent message from ${urgent[0]?.senderName}.`);
  else if (urgent.length > 1) parts.push(`${urgent.length} urgent messages, the latest from ${urgent.at(-1)?.senderName}.`);
  for (const m of bounced) parts.push(`Your message from ${timeLabel(m.sentAt)} was not delivered.`);
  return parts.length === 0 ? null : parts.join(' ');
}

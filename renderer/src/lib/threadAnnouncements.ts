/**
 * What a screen reader should hear when the open conversation changes under the person: an
 * urgent message arriving, a team room message naming them, or one of theirs bouncing. Main sends no notification for the
 * conversation on screen, so without this a screen-reader user would never learn of either.
 * Names and times only: the text is there to read, not spoken unasked on a shared ward.
 */
import type { MessageView } from '../../../electron/common/contract.js';
import { timeLabel } from './delivery.js';

export function threadAnnouncement(before: readonly MessageView[], after: readonly MessageView[], room = false): string | null {
  const known = new Map(before.map((m) => [m.id, m]));
  const urgent = after.filter((m) => m.direction === 'in' && m.urgency === 'urgent' && !known.has(m.id));
  // An urgent one that also names them is said once, as urgent.
  const mentions = room ? after.filter((m) => m.direction === 'in' && m.mentionsYou && m.urgency !== 'urgent' && !known.has(m.id)) : [];
  const bounced = after.filter((m) => m.direction === 'out' && m.deliveryState === 'failed' && known.get(m.id)?.deliveryState !== 'failed');
  const parts: string[] = [];
  if (urgent.length === 1) parts.push(`Urgent message from ${urgent[0]?.senderName}.`);
  else if (urgent.length > 1) parts.push(`${urgent.length} urgent messages, the latest from ${urgent.at(-1)?.senderName}.`);
  if (mentions.length === 1) parts.push(`${mentions[0]?.senderName} mentioned you.`);
  else if (mentions.length > 1) parts.push(`You were mentioned ${mentions.length} times, the latest by ${mentions.at(-1)?.senderName}.`);
  for (const m of bounced) parts.push(`Your message from ${timeLabel(m.sentAt)} was not delivered.`);
  return parts.length === 0 ? null : parts.join(' ');
}

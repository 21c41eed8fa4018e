import type { MessageView } from '../../../electron/common/contract.js';

/** Delivery state as a person reads it: ticks for the eye, words for screen readers. */
export function deliveryLabel(state: MessageView['deliveryState']): { ticks: string; words: string } | null {
  switch (state) {
    case null:
      return null;
    case 'pending':
      return { ticks: '◷', words: 'Sending' };
    case 'sent':
      return { ticks: '✓', words: 'Sent' };
    case 'delivered':
      return { ticks: '✓✓', words: 'Delivered' };
    case 'read':
      return { ticks: '✓✓', words: 'Read' };
    case 'failed':
      return { ticks: '!', words: 'Not sent yet, will retry' };
  }
}

const dayFormat = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const timeFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });

export const dayKey = (ms: number): string => new Date(ms).toDateString();
export const dayLabel = (ms: number): string => dayFormat.format(ms);
export const timeLabel = (ms: number): string => timeFormat.format(ms);

const stampFormat = new Intl.DateTimeFormat('en-GB', { day: '2-digit', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
/** Compact date and time for tables (audit log): "25 Nov 2026, 15:18". */
export const stampLabel = (ms: number): string => stampFormat.format(ms);

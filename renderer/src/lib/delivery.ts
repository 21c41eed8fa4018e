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
      return { ticks: '!', words: 'Not delivered' };
  }
}

/** Why a message bounced, as a person reads it; null when the server gave no reason we know. */
export function failureWords(reason: MessageView['failureReason']): string | null {
  switch (reason) {
    case 'no-such-address':
      return 'this address does not exist';
    case 'server-unreachable':
      return "the address's server could not be reached";
    case 'not-allowed-in-room':
      return 'you are not allowed to post in this room';
    case 'refused':
      return 'the server refused it';
    case 'server-busy':
      return 'the server is busy';
    case 'unknown':
    case null:
      return null;
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

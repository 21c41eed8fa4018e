/** Small formatting helpers shared by the incident views (renderer side; no core imports). */
import type { IncidentResponderView, IncidentState } from '../../../electron/common/contract.js';
import { sortResponders, type ResponderSortKey } from '../../../electron/common/responderSort.js';

export function clock(ms: number): string {
  return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' }).format(ms);
}

export function availabilityText(row: Pick<IncidentResponderView, 'availability'>): string {
  const a = row.availability;
  if (a === null) return '—';
  if (a.status === 'now') return `Available now (ETA ${a.etaMinutes} min)`;
  if (a.status === 'from') return `Available from ${clock(a.from)}`;
  return 'Not available';
}

export const STATUS_TEXT: Record<IncidentResponderView['status'], string> = {
  offered: 'Offered',
  'not-available': 'Not available',
  assigned: 'Coming in',
  standby: 'Standing by',
  'stood-down': 'Stood down',
  arrived: 'Arrived',
};

/** The same states as the responder reads them about themselves ("Offered" is the coordinator's word). */
export const MY_STATUS_TEXT: Record<IncidentResponderView['status'], string> = {
  offered: 'sent; waiting for the coordinator',
  'not-available': 'sent',
  assigned: 'you are asked to come in',
  standby: 'you are on standby',
  'stood-down': 'you are stood down',
  arrived: 'you have checked in',
};

/** What one of our refused incident messages was, as a person reads it. */
export const SENT_KIND_TEXT: Record<NonNullable<IncidentState['incident']>['undelivered'][number]['kind'], string> = {
  declare: 'The declaration',
  request: 'The call-in request',
  response: 'Your answer',
  assign: 'An instruction',
  ack: 'Your acknowledgement',
  arrive: 'Your "I\'m here"',
  standdown: 'A stand-down',
  close: 'The close',
};

export type SortKey = ResponderSortKey;

/** Unknown ETAs and availabilities sort last either way; ties fall back to name (common/responderSort.ts). */
export function sortRows(rows: readonly IncidentResponderView[], key: SortKey, ascending: boolean): IncidentResponderView[] {
  return sortResponders(rows, key, ascending ? 'asc' : 'desc');
}

/** "14:30" today (Europe/London as the workstation shows it) → epoch ms; '' → null. */
export function timeToday(value: string, now = new Date()): number | null {
  const match = /^(\d{1,2}):(\d{2})$/.exec(value.trim());
  if (match === null) return null;
  const at = new Date(now);
  at.setHours(Number(match[1]), Number(match[2]), 0, 0);
  return at.getTime();
}

export function jidList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part !== '');
}

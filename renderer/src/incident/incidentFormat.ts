/** Small formatting helpers shared by the incident views (renderer side; no core imports). */
import type { IncidentResponderView, IncidentState } from '../../../electron/common/contract.js';
import { sortResponders, type ResponderSortKey } from '../../../electron/common/responderSort.js';

// Made once: a board re-renders every row's times on each re-read.
const clockFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' });
const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' });
const datedClockFormat = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' });

export function clock(ms: number): string {
  return clockFormat.format(ms);
}

export function availabilityText(row: Pick<IncidentResponderView, 'availability'>): string {
  const a = row.availability;
  if (a === null) return '—';
  if (a.status === 'now') return `Available now (ETA ${a.etaMinutes} min)`;
  if (a.status === 'from') return `Available from ${clockWithDay(a.from)}`;
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

/** How long ago a typed clock time may be and still mean today (late), not tomorrow. */
export const RECENTLY_PASSED_MS = 60 * 60_000;

/**
 * A typed HH:MM as the moment it names: today, or tomorrow when it passed more than an hour ago
 * (at 23:50 "from 00:30" is tomorrow's; at 14:05 "by 14:00" is today's, and already late).
 * Null for anything that is not a real time of day ("25:99" used to roll over into tomorrow).
 */
export function clockTime(value: string, now = new Date()): number | null {
  const match = /^(\d{1,2}):(\d{2})$/.exec(value.trim());
  if (match === null) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours > 23 || minutes > 59) return null;
  const at = new Date(now);
  at.setHours(hours, minutes, 0, 0);
  if (now.getTime() - at.getTime() > RECENTLY_PASSED_MS) at.setDate(at.getDate() + 1);
  return at.getTime();
}

/** A clock time with its day when that is not today: "23:30", "00:30 tomorrow", "Sat 28 Nov 09:00". */
export function clockWithDay(ms: number, now = Date.now()): string {
  const day = dayFormat.format(ms);
  if (day === dayFormat.format(now)) return clock(ms);
  if (day === dayFormat.format(now + 86_400_000)) return `${clock(ms)} tomorrow`;
  if (day === dayFormat.format(now - 86_400_000)) return `${clock(ms)} yesterday`;
  return datedClockFormat.format(ms);
}

/**
 * The wall's countdown to someone's arrival: minutes while it is near, hours beyond (nobody reads
 * "700 min" across a room), and the day when it is not today.
 */
export function etaWords(minutesAway: number, expectedAt: number, now = Date.now()): string {
  const away = minutesAway < 90 ? `${minutesAway} min` : `${Math.round(minutesAway / 60)} h`;
  return `${away} · ${clockWithDay(expectedAt, now)}`;
}

export function jidList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part !== '');
}

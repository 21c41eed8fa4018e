/** Small formatting helpers shared by the incident views (renderer side; no core imports). */
import type { IncidentResponderView } from '../../../electron/common/contract.js';

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

export type SortKey = 'name' | 'role' | 'availability' | 'eta' | 'status';

const STATUS_ORDER: Record<IncidentResponderView['status'], number> = {
  offered: 0,
  standby: 1,
  assigned: 2,
  arrived: 3,
  'stood-down': 4,
  'not-available': 5,
};
const AVAILABILITY_ORDER = { now: 0, from: 1, unavailable: 2 } as const;
const collator = new Intl.Collator('en-GB', { sensitivity: 'base', numeric: true });

/** Unknown ETAs and availabilities sort last either way; ties fall back to name. */
export function sortRows(rows: readonly IncidentResponderView[], key: SortKey, ascending: boolean): IncidentResponderView[] {
  const sign = ascending ? 1 : -1;
  const nullsLast = (a: number | null, b: number | null): number =>
    a === null || b === null ? (a === b ? 0 : a === null ? 1 : -1) : sign * (a - b);
  const primary = (a: IncidentResponderView, b: IncidentResponderView): number => {
    switch (key) {
      case 'name':
        return sign * collator.compare(a.name, b.name);
      case 'role':
        return sign * collator.compare(a.role, b.role);
      case 'status':
        return sign * (STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
      case 'availability':
        return nullsLast(a.availability && AVAILABILITY_ORDER[a.availability.status], b.availability && AVAILABILITY_ORDER[b.availability.status]);
      case 'eta':
        return nullsLast(a.expectedAt, b.expectedAt);
    }
  };
  return [...rows].sort((a, b) => primary(a, b) || collator.compare(a.name, b.name) || (a.jid < b.jid ? -1 : a.jid > b.jid ? 1 : 0));
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

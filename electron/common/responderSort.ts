/**
 * The coordinator's responder table order, one implementation for main (the board module, its
 * tests and benchmarks) and the renderer (column headings). Pure, no imports: common code.
 */
export type ResponderSortKey = 'name' | 'role' | 'availability' | 'eta' | 'status';
export type SortDirection = 'asc' | 'desc';
export type ResponderStatusName = 'offered' | 'not-available' | 'assigned' | 'standby' | 'stood-down' | 'arrived';

export interface SortableResponder {
  requestId: string;
  jid: string;
  name: string;
  role: string;
  status: ResponderStatusName;
  availability: { status: 'now' | 'from' | 'unavailable' } | null;
  /** Expected arrival, epoch ms; null when unknown. */
  expectedAt: number | null;
}

const AVAILABILITY_ORDER = { now: 0, from: 1, unavailable: 2 } as const;
/** Pipeline order: who needs a decision first. */
const STATUS_ORDER: Record<ResponderStatusName, number> = {
  offered: 0,
  standby: 1,
  assigned: 2,
  arrived: 3,
  'stood-down': 4,
  'not-available': 5,
};

const collator = new Intl.Collator('en-GB', { sensitivity: 'base', numeric: true });
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A sorted copy. Missing ETAs and availabilities sort last in either direction (an unknown is
 * never "soonest"); ties fall back to name, then JID, so the order is stable across machines.
 */
export function sortResponders<R extends SortableResponder>(rows: readonly R[], key: ResponderSortKey, direction: SortDirection = 'asc'): R[] {
  const sign = direction === 'asc' ? 1 : -1;
  const nullsLast = (a: number | null, b: number | null): number =>
    a === null || b === null ? (a === b ? 0 : a === null ? 1 : -1) : sign * (a - b);
  const primary = (a: R, b: R): number => {
    switch (key) {
      case 'name':
        return sign * collator.compare(a.name, b.name);
      case 'role':
        return sign * collator.compare(a.role, b.role);
      case 'status':
        return sign * (STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
      case 'availability':
        return nullsLast(
          a.availability && AVAILABILITY_ORDER[a.availability.status],
          b.availability && AVAILABILITY_ORDER[b.availability.status],
        );
      case 'eta':
        return nullsLast(a.expectedAt, b.expectedAt);
    }
  };
  return [...rows].sort(
    (a, b) => primary(a, b) || collator.compare(a.name, b.name) || cmp(a.jid, b.jid) || cmp(a.requestId, b.requestId),
  );
}

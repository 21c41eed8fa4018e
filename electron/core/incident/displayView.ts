/**
 * The control-room display's view model: read-only, readable across a room, and free of
 * patient data. Every string that reaches it is neutralised and has NHS numbers masked, even
 * those we expect to be clean (names, roles, locations), because free text can hold anything.
 */
import type { IncidentBoard, ResponderRow } from './incidentTypes.js';
import { maskNhsNumbers } from './redaction.js';

export interface Announcement {
  at: number;
  /** The announcement room message body as received (already body-sanitised by the chat layer). */
  body: string;
}

export interface DisplayOptions {
  now: number;
  /** Free-text messages from the announcement room, besides the incident's own events. */
  announcements?: readonly Announcement[];
  maxAnnouncements?: number;
  /** Characters per announcement shown; longer ones are cut with an ellipsis. */
  announcementLength?: number;
}

export interface DisplayLocation {
  location: string;
  needed: number;
  assigned: number;
  arrived: number;
  /** Still to find: the places open call-ins still lack here, line by line (a surplus in one role hides no shortage in another). */
  outstanding: number;
}

export interface EnRoute {
  name: string;
  role: string;
  location: string;
  expectedAt: number | null;
  /** Whole minutes until expected (0 when due); null when unknown. */
  minutesAway: number | null;
  overdue: boolean;
}

export interface DisplayView {
  /** "EXERCISE — name" for an exercise. */
  title: string;
  exercise: boolean;
  banner: 'EXERCISE' | null;
  incidentName: string;
  declaredAt: number | null;
  elapsedMs: number;
  /** "1 h 05 min". */
  elapsedText: string;
  closed: boolean;
  locations: DisplayLocation[];
  enRoute: EnRoute[];
  announcements: { at: number; text: string }[];
}

/** "0 min", "45 min", "1 h 05 min": readable from across a room. */
export function formatElapsed(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return hours === 0 ? `${rest} min` : `${hours} h ${String(rest).padStart(2, '0')} min`;
}

function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

function destination(row: ResponderRow, board: IncidentBoard): string {
  if (row.directive?.location) return row.directive.location;
  const request = board.requests.find((r) => r.requestId === row.requestId);
  return (row.line === null ? undefined : request?.lines[row.line]?.location) ?? '';
}

export function displayView(board: IncidentBoard, options: DisplayOptions): DisplayView {
  const { now } = options;
  const declaration = board.declaration;
  const exercise = declaration?.exercise ?? false;
  const incidentName = maskNhsNumbers(declaration?.name ?? 'Major incident');
  const declaredAt = declaration?.declaredAt ?? null;
  const until = board.closedAt ?? now;
  const elapsedMs = declaredAt === null ? 0 : Math.max(0, until - declaredAt);

  const enRoute = board.responders
    .filter((row) => row.status === 'assigned')
    .map((row): EnRoute => {
      const expectedAt = row.expectedAt;
      return {
        name: maskNhsNumbers(row.name),
        role: maskNhsNumbers(row.role),
        location: maskNhsNumbers(destination(row, board)),
        expectedAt,
        minutesAway: expectedAt === null ? null : Math.max(0, Math.ceil((expectedAt - now) / 60_000)),
        overdue: expectedAt !== null && expectedAt < now,
      };
    })
    .sort((a, b) => (a.expectedAt ?? Infinity) - (b.expectedAt ?? Infinity) || a.name.localeCompare(b.name, 'en-GB'));

  const length = options.announcementLength ?? 280;
  const own = board.timeline
    .filter((entry) => entry.kind === 'declare' || entry.kind === 'request' || entry.kind === 'close')
    .map((entry) => ({ at: entry.at, body: entry.summary }));
  const announcements = [...own, ...(options.announcements ?? [])]
    .sort((a, b) => b.at - a.at)
    .slice(0, options.maxAnnouncements ?? 5)
    .map((a) => ({ at: a.at, text: cut(maskNhsNumbers(a.body).replace(/\s*\n\s*/g, ' / ').trim(), length) }));

  return {
    title: exercise ? `EXERCISE — ${incidentName}` : incidentName,
    exercise,
    banner: exercise ? 'EXERCISE' : null,
    incidentName,
    declaredAt,
    elapsedMs,
    elapsedText: formatElapsed(elapsedMs),
    closed: board.closedAt !== null,
    locations: board.locations.map((l) => ({
      location: maskNhsNumbers(l.location),
      needed: l.needed,
      assigned: l.assigned,
      arrived: l.arrived,
      outstanding: l.outstanding,
    })),
    enRoute,
    announcements,
  };
}

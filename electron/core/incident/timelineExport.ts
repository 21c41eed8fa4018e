/**
 * Timeline export for the incident record and the debrief: CSV (RFC 4180) and JSON, with
 * ISO 8601 UTC timestamps. Every accepted event is a row: declaration, requests, responses
 * (superseded ones too), directives, acknowledgements, arrivals, stand-downs and closes.
 *
 * CSV is opened in spreadsheets, so a cell that begins like a formula (= + - @, or a tab or CR
 * that some spreadsheets skip) is prefixed with an apostrophe: text in a message must never run
 * as a formula on the debrief laptop (CWE-1236). NHS numbers are masked: this is a staffing
 * record, not a clinical one.
 */
import type { IncidentBoard, TimelineEntry } from './incidentTypes.js';
import { maskNhsNumbers } from './redaction.js';

export const TIMELINE_CSV_COLUMNS = ['time', 'exercise', 'kind', 'actor', 'request', 'responder', 'summary'] as const;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell: formula-safe, then quoted when it holds a quote, comma or line break. */
export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function rowValues(entry: TimelineEntry, exercise: boolean): string[] {
  return [
    iso(entry.at),
    exercise ? 'EXERCISE' : '',
    entry.kind,
    entry.actor,
    entry.requestId ?? '',
    entry.responder ?? '',
    maskNhsNumbers(entry.summary),
  ];
}

/** RFC 4180: CRLF line ends, a header row, every row the same width. */
export function timelineCsv(board: IncidentBoard): string {
  const exercise = board.declaration?.exercise ?? false;
  const rows = [
    [...TIMELINE_CSV_COLUMNS],
    ...board.timeline.map((entry) => rowValues(entry, exercise)),
  ];
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export interface TimelineJson {
  format: 'wardline-incident-timeline';
  version: 1;
  incidentId: string;
  /** "EXERCISE — name" for exercises. */
  title: string;
  exercise: boolean;
  declaredAt: string | null;
  closedAt: string | null;
  exportedAt: string;
  entries: {
    at: string;
    kind: TimelineEntry['kind'];
    eventId: string;
    actor: string;
    requestId: string | null;
    responder: string | null;
    summary: string;
  }[];
}

export function timelineJsonValue(board: IncidentBoard, exportedAt: number): TimelineJson {
  const declaration = board.declaration;
  const exercise = declaration?.exercise ?? false;
  const name = maskNhsNumbers(declaration?.name ?? board.incidentId);
  return {
    format: 'wardline-incident-timeline',
    version: 1,
    incidentId: board.incidentId,
    title: exercise ? `EXERCISE — ${name}` : name,
    exercise,
    declaredAt: declaration === null ? null : iso(declaration.declaredAt),
    closedAt: board.closedAt === null ? null : iso(board.closedAt),
    exportedAt: iso(exportedAt),
    entries: board.timeline.map((entry) => ({
      at: iso(entry.at),
      kind: entry.kind,
      eventId: entry.eventId,
      actor: entry.actor,
      requestId: entry.requestId,
      responder: entry.responder,
      summary: maskNhsNumbers(entry.summary),
    })),
  };
}

/** Pretty-printed JSON; `exportedAt` is passed in so the function stays pure. */
export function timelineJson(board: IncidentBoard, exportedAt: number): string {
  return `${JSON.stringify(timelineJsonValue(board, exportedAt), null, 2)}\n`;
}

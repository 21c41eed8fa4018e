import { describe, expect, it } from 'vitest';
import { csvCell, deriveBoard, timelineCsv, timelineJson, type IncidentEvent } from '../../electron/core/incident/index.js';
import { comeIn, declare, event, INCIDENT, LEAD, MIN, request, response, T0 } from './incidentFixtures.js';

/** Minimal RFC 4180 reader, to prove the export parses back to the same cells. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = (): void => {
    row.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') endCell();
    else if (ch === '\r' && text[i + 1] === '\n') {
      endCell();
      rows.push(row);
      row = [];
      i += 1;
    } else cell += ch;
  }
  return rows;
}

const events: IncidentEvent[] = [
  declare(),
  request(),
  response('amy', { status: 'now', etaMinutes: 20 }, { name: '=HYPERLINK("http://evil")', role: 'ED nurse, "senior"' }),
  comeIn('amy', { note: 'Patient 943 476 5919 in bay 2\nsee sister' }),
  event('ack', { eventId: 'k', at: T0 + 21 * MIN, actor: 'amy@trust.nhs.uk', requestId: 'req-1', responder: 'amy@trust.nhs.uk', directiveId: 'assign-amy-0' }),
  event('arrive', { eventId: 'h', at: T0 + 40 * MIN, actor: 'amy@trust.nhs.uk', requestId: 'req-1', responder: 'amy@trust.nhs.uk', location: null }),
  event('close', { eventId: 'c', at: T0 + 60 * MIN, actor: LEAD, requestId: null, note: '' }),
  event('standdown', { eventId: 's', at: T0 + 61 * MIN, actor: LEAD, requestId: null, responder: 'amy@trust.nhs.uk', reason: 'incident-closed', note: '' }),
];
const board = deriveBoard(events, { incidentId: INCIDENT, declarers: [LEAD] });

describe('csvCell', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=1+1', "'=1+1"],
    ['+44 7700', "'+44 7700"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tTAB', "'\tTAB"],
    ['=A1,"x"', `"'=A1,""x"""`],
  ])('%j → %j', (input, output) => {
    expect(csvCell(input)).toBe(output);
  });
});

describe('timeline CSV', () => {
  const csv = timelineCsv(board);
  const rows = readCsv(csv);

  it('has a header, one row per event, CRLF line ends and a constant width', () => {
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(/[^\r]\n/.test(csv)).toBe(false);
    expect(rows[0]).toEqual(['time', 'exercise', 'kind', 'actor', 'request', 'responder', 'summary']);
    expect(rows.slice(1).map((r) => r[2])).toEqual(['declare', 'request', 'response', 'assign', 'ack', 'arrive', 'close', 'standdown']);
    expect(new Set(rows.map((r) => r.length))).toEqual(new Set([7]));
    expect(rows[1]?.[0]).toBe('2026-11-25T13:00:00.000Z');
  });

  it('neutralises formula injection inside summaries and masks NHS numbers', () => {
    const responseRow = rows.find((r) => r[2] === 'response');
    expect(responseRow?.[6]?.startsWith('=')).toBe(false);
    expect(csv).not.toContain('943 476 5919');
    expect(rows.find((r) => r[2] === 'assign')?.[6]).toContain('[NHS no. hidden]');
  });

  it('marks every row of an exercise', () => {
    const exercise = deriveBoard(
      events.map((e) => ({ ...e, exercise: true })),
      { incidentId: INCIDENT, declarers: [LEAD] },
    );
    const exerciseRows = readCsv(timelineCsv(exercise)).slice(1);
    expect(exerciseRows.every((r) => r[1] === 'EXERCISE')).toBe(true);
    expect(rows.slice(1).every((r) => r[1] === '')).toBe(true);
  });
});

describe('timeline JSON', () => {
  it('carries ISO timestamps, the title and every entry', () => {
    const parsed = JSON.parse(timelineJson(board, T0 + 2 * 60 * MIN)) as {
      title: string;
      declaredAt: string;
      closedAt: string;
      exportedAt: string;
      entries: { at: string; kind: string; summary: string }[];
    };
    expect(parsed).toMatchObject({
      title: 'M6 coach crash',
      declaredAt: '2026-11-25T13:00:00.000Z',
      closedAt: '2026-11-25T14:00:00.000Z',
      exportedAt: '2026-11-25T15:00:00.000Z',
    });
    expect(parsed.entries.map((e) => e.kind)).toEqual(['declare', 'request', 'response', 'assign', 'ack', 'arrive', 'close', 'standdown']);
    expect(JSON.stringify(parsed)).not.toContain('943 476 5919');
    const exercise = JSON.parse(
      timelineJson(deriveBoard([declare({ exercise: true })], { incidentId: INCIDENT, declarers: [LEAD] }), T0),
    ) as { title: string; exercise: boolean };
    expect(exercise).toMatchObject({ title: 'EXERCISE — M6 coach crash', exercise: true });
  });
});

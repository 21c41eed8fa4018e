// The board at its edges, found in review: two coordinators acting at once, ended call-ins on the
// wall and in reminders, a row's own "Come in" with two lines for one role, roles sharing a place.
import { describe, expect, it } from 'vitest';
import { deriveBoard, findRow, standDownTargets, type IncidentBoard, type IncidentEvent } from '../../electron/core/incident/index.js';
import { comeIn, COORD, declare, event, INCIDENT, LEAD, MIN, request, response, T0 } from './incidentFixtures.js';

const jid = (who: string): string => `${who}@trust.nhs.uk`;
const board = (events: IncidentEvent[]): IncidentBoard => deriveBoard(events, { incidentId: INCIDENT, declarers: [LEAD] });

describe('two coordinators at once', () => {
  it('ending a call-in from a board that had not yet seen a colleague\'s come-in does not stand down the person told to come in', () => {
    // COORD presses "Come in" for Amy; LEAD ends the call-in at the same moment. LEAD's board
    // still showed Amy as "offered", so standDownTargets('call-in') sends her call-in-ended.
    const before = [declare(), request(), response('amy', { status: 'now', etaMinutes: 10 })];
    const close = event('close', { eventId: 'close-req', at: T0 + 21 * MIN, actor: LEAD, requestId: 'req-1', note: '' });
    const leadView = board([...before, close]);
    const targets = standDownTargets(leadView, 'call-in', 'req-1');
    expect(targets.map((t) => t.responder)).toEqual([jid('amy')]);
    const standDown = event('standdown', {
      eventId: 'sd-amy',
      at: T0 + 21 * MIN,
      actor: LEAD,
      requestId: 'req-1',
      responder: jid('amy'),
      reason: 'call-in-ended',
      note: '',
    });
    const final = board([...before, comeIn('amy', { actor: COORD, at: T0 + 20 * MIN }), close, standDown]);
    const amy = findRow(final, 'req-1', jid('amy'));
    // COORD's come-in was accepted (before the close): the call-in's end stands down only those not
    // assigned, as standDownTargets says, so she should still be coming.
    expect(amy?.status).toBe('assigned');
    expect(final.requests[0]?.totalAssigned).toBe(1);
  });
});

import { displayView } from '../../electron/core/incident/displayView.js';

describe('the wall after a call-in ends', () => {
  it('an ended call-in\'s unfilled need is not shown as "still to find"', () => {
    const events = [
      declare(),
      request({ lines: [{ role: 'ED nurse', count: 4, location: 'ED majors', by: null }] }),
      response('amy', { status: 'now', etaMinutes: 10 }),
      response('ben', { status: 'now', etaMinutes: 10 }),
      comeIn('amy'),
      comeIn('ben'),
      // The coordinator has enough: ends the call-in (the incident goes on).
      event('close', { eventId: 'close-req', at: T0 + 30 * MIN, actor: LEAD, requestId: 'req-1', note: '' }),
    ];
    const view = displayView(board(events), { now: T0 + 31 * MIN });
    expect(view.closed).toBe(false);
    const majors = view.locations.find((l) => l.location === 'ED majors');
    expect(majors?.assigned).toBe(2);
    expect(majors?.outstanding).toBe(0);
  });
});

describe('two coordinators end the same call-in', () => {
  it('a second, identical stand-down does not undo the responder\'s acknowledgement', () => {
    const sd = (id: string, actor: string, at: number) =>
      event('standdown', { eventId: id, at, actor, requestId: 'req-1', responder: jid('amy'), reason: 'call-in-ended', note: '' });
    const events = [
      declare(),
      request(),
      response('amy', { status: 'now', etaMinutes: 10 }),
      event('close', { eventId: 'close-a', at: T0 + 30 * MIN, actor: LEAD, requestId: 'req-1', note: '' }),
      event('close', { eventId: 'close-b', at: T0 + 30 * MIN + 1_000, actor: COORD, requestId: 'req-1', note: '' }),
      sd('sd-a', LEAD, T0 + 30 * MIN),
      event('ack', { eventId: 'ack-a', at: T0 + 31 * MIN, actor: jid('amy'), requestId: 'req-1', responder: jid('amy'), directiveId: 'sd-a' }),
      sd('sd-b', COORD, T0 + 30 * MIN + 1_000),
    ];
    const amy = findRow(board(events), 'req-1', jid('amy'));
    expect(amy?.status).toBe('stood-down');
    expect(amy?.acknowledged).toBe(true);
  });
});

import { awaitingAnswer } from '../../electron/core/incident/incidentReminders.js';

describe('reminders after the call-in is ended because it is filled', () => {
  it('a come-in not yet acknowledged keeps reminding after the coordinator ends the (filled) call-in', () => {
    const events = [
      declare(),
      request({ lines: [{ role: 'ED nurse', count: 1, location: 'ED majors', by: null }] }),
      response('amy', { status: 'now', etaMinutes: 10 }),
      comeIn('amy'),
    ];
    expect(awaitingAnswer(board(events), jid('amy'))).toBe(1);
    // Filled: the coordinator ends the call-in (the guide's workflow), standing down the other offers.
    const ended = [...events, event('close', { eventId: 'close-req', at: T0 + 21 * MIN, actor: LEAD, requestId: 'req-1', note: '' })];
    expect(findRow(board(ended), 'req-1', jid('amy'))?.status).toBe('assigned');
    expect(awaitingAnswer(board(ended), jid('amy'))).toBe(1);
  });
});

import { actionDrafts } from '../../electron/core/incident/index.js';

describe('a row\'s own "Come in" with two lines for the same role', () => {
  it('sends the person to the line still short, not to the first line already filled', () => {
    const events = [
      declare(),
      request({
        lines: [
          { role: 'ED nurse', count: 1, location: 'ED majors', by: null },
          { role: 'ED nurse', count: 1, location: 'Paeds ED', by: null },
        ],
      }),
      response('amy', { status: 'now', etaMinutes: 10 }),
      comeIn('amy', { location: 'ED majors', line: 0 }),
      response('ben', { status: 'now', etaMinutes: 10 }, { at: T0 + 21 * MIN }),
    ];
    const b = board(events);
    expect(b.requests[0]?.lines.map((l) => l.filled)).toEqual([true, false]);
    // The board's row button: act([row], 'come-in') with no location (CoordinatorBoard.svelte).
    const [draft] = actionDrafts(b, [{ requestId: 'req-1', responder: jid('ben') }], { action: 'come-in' }, { at: T0 + 22 * MIN, newId: () => 'x' });
    expect(draft).toMatchObject({ location: 'Paeds ED' });
  });
});

describe('"still to find" on the wall with two roles at one place', () => {
  it('a surplus of doctors does not hide that no nurse is coming', () => {
    const events = [
      declare(),
      request({
        lines: [
          { role: 'ED nurse', count: 2, location: 'ED majors', by: null },
          { role: 'ED doctor', count: 1, location: 'ED majors', by: null },
        ],
      }),
      response('dan', { status: 'now', etaMinutes: 10 }, { role: 'ED doctor' }),
      response('dee', { status: 'now', etaMinutes: 10 }, { role: 'ED doctor' }),
      response('dov', { status: 'now', etaMinutes: 10 }, { role: 'ED doctor' }),
      comeIn('dan'),
      comeIn('dee'),
      comeIn('dov'),
    ];
    const b = board(events);
    expect(b.requests[0]?.lines.map((l) => [l.role, l.assigned])).toEqual([
      ['ED nurse', 0],
      ['ED doctor', 3],
    ]);
    const majors = displayView(b, { now: T0 + 30 * MIN }).locations.find((l) => l.location === 'ED majors');
    // Two nurses are still to find.
    expect(majors?.outstanding).toBe(2);
  });
});

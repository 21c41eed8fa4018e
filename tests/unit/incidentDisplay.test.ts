import { describe, expect, it } from 'vitest';
import { deriveBoard, displayView, formatElapsed, maskNhsNumbers, type IncidentEvent } from '../../electron/core/incident/index.js';
import { comeIn, declare, event, INCIDENT, LEAD, MIN, request, response, T0 } from './incidentFixtures.js';

const NHS = '943 476 5919';

const events: IncidentEvent[] = [
  declare({ name: `Fire, ward 9 (${NHS})`, details: `Casualty NHS ${NHS.replace(/ /g, '')}` }),
  request({ note: `ref 9434765919` }),
  response('amy', { status: 'now', etaMinutes: 20 }, { at: T0 + 10 * MIN }),
  response('ben', { status: 'from', from: T0 + 45 * MIN }, { at: T0 + 11 * MIN }),
  response('dan', { status: 'now', etaMinutes: 15 }, { at: T0 + 12 * MIN, role: 'Anaesthetist' }),
  comeIn('amy', { at: T0 + 15 * MIN }),
  comeIn('ben', { at: T0 + 16 * MIN, location: `Resus (${NHS})` }),
  comeIn('dan', { at: T0 + 17 * MIN, location: 'Theatre 3' }),
  event('arrive', { eventId: 'h', at: T0 + 29 * MIN, actor: 'dan@trust.nhs.uk', requestId: 'req-1', responder: 'dan@trust.nhs.uk', location: null }),
];
const board = deriveBoard(events, { incidentId: INCIDENT, declarers: [LEAD] });
const NOW = T0 + 65 * MIN;

describe('maskNhsNumbers', () => {
  it('masks every valid spelling and leaves other numbers alone', () => {
    expect(maskNhsNumbers(`a ${NHS} b 9434765919 c 943-476-5919 d 943.476.5919`)).toBe(
      'a [NHS no. hidden] b [NHS no. hidden] c [NHS no. hidden] d [NHS no. hidden]',
    );
    expect(maskNhsNumbers('bleep 1234567890 and 07700 900123')).toBe('bleep 1234567890 and 07700 900123');
  });
});

describe('control-room display', () => {
  const view = displayView(board, {
    now: NOW,
    announcements: [
      { at: T0 + 30 * MIN, body: `Bed 4 patient ${NHS} moved\nto ITU` },
      { at: T0 + 2 * MIN, body: 'Car park B closed' },
    ],
    maxAnnouncements: 3,
  });

  it('never shows an NHS number, anywhere', () => {
    const shown = JSON.stringify(view);
    expect(shown).not.toMatch(/943.?476.?5919/);
    expect(view.incidentName).toBe('Fire, ward 9 ([NHS no. hidden])');
  });

  it('shows the time since declaration', () => {
    expect(view.declaredAt).toBe(T0);
    expect(view.elapsedMs).toBe(65 * MIN);
    expect(view.elapsedText).toBe('1 h 05 min');
    expect(view.closed).toBe(false);
  });

  it('shows needs vs assigned vs arrived per location, with what is outstanding', () => {
    expect(view.locations).toEqual([
      { location: 'ED majors', needed: 2, assigned: 2, arrived: 0, outstanding: 0 },
      { location: 'Theatre 3', needed: 1, assigned: 1, arrived: 1, outstanding: 0 },
    ]);
  });

  it('lists staff en route by expected arrival, flagging the overdue', () => {
    expect(view.enRoute).toEqual([
      { name: 'Amy', role: 'ED nurse', location: 'ED majors', expectedAt: T0 + 30 * MIN, minutesAway: 0, overdue: true },
      { name: 'Ben', role: 'ED nurse', location: 'Resus ([NHS no. hidden])', expectedAt: T0 + 45 * MIN, minutesAway: 0, overdue: true },
    ]);
    const early = displayView(board, { now: T0 + 20 * MIN });
    expect(early.enRoute.map((e) => [e.name, e.minutesAway, e.overdue])).toEqual([
      ['Amy', 10, false],
      ['Ben', 25, false],
    ]);
  });

  it('shows the latest announcements first, on one line, masked', () => {
    expect(view.announcements).toEqual([
      { at: T0 + 30 * MIN, text: 'Bed 4 patient [NHS no. hidden] moved / to ITU' },
      { at: T0 + 5 * MIN, text: expect.stringContaining('CALL-IN REQUEST') },
      { at: T0 + 2 * MIN, text: 'Car park B closed' },
    ]);
  });

  it('an exercise says EXERCISE on the view', () => {
    const exercise = displayView(deriveBoard(events.map((e) => ({ ...e, exercise: true })), { incidentId: INCIDENT, declarers: [LEAD] }), { now: NOW });
    expect(exercise).toMatchObject({ exercise: true, banner: 'EXERCISE', title: 'EXERCISE — Fire, ward 9 ([NHS no. hidden])' });
    expect(exercise.announcements.every((a) => a.text.startsWith('EXERCISE — '))).toBe(true);
    expect(view).toMatchObject({ exercise: false, banner: null, title: 'Fire, ward 9 ([NHS no. hidden])' });
  });

  it('the clock stops when the incident closes; with no declaration the view is empty', () => {
    const closed = deriveBoard([...events, event('close', { eventId: 'c', at: T0 + 50 * MIN, actor: LEAD, requestId: null, note: '' })], {
      incidentId: INCIDENT,
      declarers: [LEAD],
    });
    expect(displayView(closed, { now: NOW })).toMatchObject({ closed: true, elapsedText: '50 min' });
    expect(displayView(deriveBoard([], { incidentId: INCIDENT, declarers: [LEAD] }), { now: NOW })).toMatchObject({ declaredAt: null, elapsedMs: 0, enRoute: [] });
  });

  it('formats elapsed time', () => {
    expect(formatElapsed(0)).toBe('0 min');
    expect(formatElapsed(59 * MIN + 59_000)).toBe('59 min');
    expect(formatElapsed(125 * MIN)).toBe('2 h 05 min');
    expect(formatElapsed(-5)).toBe('0 min');
  });
});

describe('the control-room display and NHS numbers spaced out (review finding)', () => {
  it('masks a number written with double spaces, which the wall would show as single ones', () => {
    const board = deriveBoard(
      [
        declare({ details: 'Casualty 943  476  5919 to resus' }),
        request({ lines: [{ role: 'ED nurse', count: 2, location: 'Resus bay 943  476  5919', by: null }] }),
        response('amy', { status: 'now', etaMinutes: 10 }),
        comeIn('amy'),
      ],
      { incidentId: INCIDENT, declarers: [LEAD] },
    );
    const shown = JSON.stringify(displayView(board, { now: T0 + 20 * MIN })).replace(/\s+/g, ' ');
    expect(shown).not.toMatch(/943 ?476 ?5919/);
    expect(maskNhsNumbers('Resus bay 943 \u00A0476   5919')).not.toMatch(/943|5919/);
  });
});


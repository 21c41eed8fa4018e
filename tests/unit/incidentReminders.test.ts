import { describe, expect, it } from 'vitest';
import { awaitingAnswer, IncidentReminders } from '../../electron/core/incident/incidentReminders.js';
import type { IncidentBoard, ResponderRow } from '../../electron/core/incident/incidentTypes.js';

const ME = 'nurse@trust.example';

function board(overrides: { closed?: boolean; requestClosed?: boolean; rows?: Partial<ResponderRow>[]; coordinators?: string[] } = {}): IncidentBoard {
  return {
    incidentId: 'mi-1',
    declaration: {
      eventId: 'd', name: 'Tram collision', details: '', declaredAt: 1, declaredBy: 'lead@trust.example', exercise: true,
      coordinators: overrides.coordinators ?? ['lead@trust.example'], displays: ['wall@trust.example'], announcementRoom: null, coordinationRoom: null,
    },
    closedAt: overrides.closed ? 5 : null,
    requests: [{ requestId: 'r1', at: 2, by: 'lead@trust.example', replyTo: [], note: '', lines: [], totalNeeded: 1, totalAssigned: 0, totalArrived: 0, filled: false, closedAt: overrides.requestClosed ? 4 : null }],
    responders: (overrides.rows ?? []).map((row) => ({
      requestId: 'r1', jid: ME, name: 'N', role: 'ED nurse', availability: null, respondedAt: 3, expectedAt: null, status: 'offered',
      directive: null, acknowledged: false, arrivedAt: null, line: null, offeredAfterFilled: false, responseCount: 1, ...row,
    })) as ResponderRow[],
    locations: [],
    timeline: [],
    rejected: [],
    duplicates: 0,
  };
}

describe('awaitingAnswer', () => {
  it('counts an open call-in I have not answered, and an instruction I have not acknowledged', () => {
    expect(awaitingAnswer(board(), ME)).toBe(1);
    expect(awaitingAnswer(board({ rows: [{}] }), ME)).toBe(0);
    const directive = { eventId: 'a', action: 'come-in', location: 'ED resus', at: 4, by: 'lead@trust.example', note: '' };
    expect(awaitingAnswer(board({ rows: [{ directive } as unknown as Partial<ResponderRow>] }), ME)).toBe(1);
    expect(awaitingAnswer(board({ rows: [{ directive, acknowledged: true } as unknown as Partial<ResponderRow>] }), ME)).toBe(0);
  });

  it('asks nothing of coordinators, displays, or once the call-in or incident has ended', () => {
    expect(awaitingAnswer(board({ coordinators: ['lead@trust.example', ME] }), ME)).toBe(0);
    expect(awaitingAnswer(board(), 'wall@trust.example')).toBe(0);
    expect(awaitingAnswer(board({ requestClosed: true }), ME)).toBe(0);
    expect(awaitingAnswer(board({ closed: true }), ME)).toBe(0);
    expect(awaitingAnswer(null, ME)).toBe(0);
  });
});

describe('IncidentReminders', () => {
  function setup(maxReminders = 2) {
    const shown: number[] = [];
    let tick: (() => void) | null = null;
    const reminders = new IncidentReminders({
      intervalMs: 1_000,
      maxReminders,
      every: (_ms, fn) => ((tick = fn), () => (tick = null)),
      notify: (n) => shown.push(n),
    });
    return { reminders, shown, tick: () => tick?.(), ticking: () => tick !== null };
  }

  it('notifies at once, then on every tick until answered, up to the limit', () => {
    const { reminders, shown, tick, ticking } = setup(2);
    reminders.update(1);
    expect(shown).toEqual([1]);
    tick();
    tick();
    tick();
    expect(shown).toEqual([1, 1, 1]);
    expect(ticking()).toBe(false);
  });

  it('stops as soon as nothing is outstanding, and starts again for something new', () => {
    const { reminders, shown, tick, ticking } = setup(5);
    reminders.update(1);
    reminders.update(0);
    expect(ticking()).toBe(false);
    tick();
    expect(shown).toEqual([1]);
    reminders.update(1);
    reminders.update(2);
    expect(shown).toEqual([1, 1, 2]);
    reminders.update(2); // no change: no extra notification
    expect(shown).toEqual([1, 1, 2]);
  });
});

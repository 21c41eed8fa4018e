// The incident service at its edges, found in review: answers sorted after what they answer on a
// slow clock, instructions set aside kept out of conversations, two incidents open at once.
import { describe, expect, it } from 'vitest';
import { IncidentService, type IncidentStore } from '../../electron/core/incident/incidentService.js';
import { buildIncidentMessage } from '../../electron/core/incident/incidentForms.js';
import type { IncidentEventDraft } from '../../electron/core/incident/incidentTypes.js';
import type { IncidentChanges } from '../../electron/core/store/incidentQueries.js';

const LEAD = 'lead@trust.test';
const AMY = 'amy@trust.test';
const T0 = Date.UTC(2026, 10, 25, 13, 0);
const INC = 'mi-review-1';

function memoryStore(): IncidentStore {
  const settings = new Map<string, string>();
  return {
    getSetting: async (key: string) => settings.get(key) ?? null,
    setSetting: async (key: string, value: string) => void settings.set(key, value),
    loadIncidentRecords: async () => ({ events: [], outbox: [] }),
    saveIncidentChanges: async (_c: IncidentChanges) => undefined,
  };
}

describe('an answer given after seeing an instruction sorts after it', () => {
  it('a responder whose clock is 2 minutes behind says "not available" after being told to come in: the withdrawal counts', async () => {
    let amyNow = T0 + 20 * 60_000 - 2 * 60_000; // Amy's PC runs 2 min slow (Kerberos tolerates 5)
    const amy = new IncidentService({ store: memoryStore(), chat: () => null, self: { jid: AMY, name: 'Amy', role: 'ED nurse' }, now: () => amyNow, declarers: [LEAD], autoReplyDelayMs: 5 });
    await amy.start();
    const deliver = (draft: IncidentEventDraft, id: string) =>
      amy.receive({ message: buildIncidentMessage({ to: AMY, type: 'chat', id, event: draft }), actor: LEAD, source: 'live', conversation: LEAD, type: 'chat' });
    const base = { incidentId: INC, exercise: false };
    deliver({ ...base, kind: 'declare', eventId: 'd1', at: T0, name: 'Tram', details: '', coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null }, 's1');
    deliver({ ...base, kind: 'request', eventId: 'r1', at: T0 + 5 * 60_000, requestId: 'req-1', lines: [{ role: 'ED nurse', count: 1, location: 'ED majors', by: null }], replyTo: [LEAD], note: '' }, 's2');
    amyNow += 60_000;
    await amy.respond({ requestId: 'req-1', availability: { status: 'now', etaMinutes: 15 } });
    // The coordinator (correct clock) tells her to come in at T0+20.
    deliver({ ...base, kind: 'assign', eventId: 'a1', at: T0 + 20 * 60_000, requestId: 'req-1', responder: AMY, action: 'come-in', location: 'ED majors', line: null, note: '' }, 's3');
    expect(amy.board()?.responders[0]?.status).toBe('assigned');
    // A minute later (real time) she reads it and answers "not available".
    amyNow += 30_000; // real T0+21.5, her clock T0+19.5
    await amy.respond({ requestId: 'req-1', availability: { status: 'unavailable' } });
    const row = amy.board()?.responders[0];
    expect(row?.status).toBe('not-available');
    expect(amy.board()?.requests[0]?.totalAssigned).toBe(0);
    amy.stop();
  });
});

const COORD = 'coord@trust.test';

/** Amy's service, holding an incident declared by LEAD with COORD as second coordinator; `deliver` hands her a form as from `actor`. */
async function amyWithTwoCoordinators() {
  const amy = new IncidentService({ store: memoryStore(), chat: () => null, self: { jid: AMY, name: 'Amy', role: 'ED nurse' }, now: () => T0 + 30 * 60_000, declarers: [LEAD], autoReplyDelayMs: 5 });
  await amy.start();
  const deliver = (actor: string, draft: IncidentEventDraft, id: string) =>
    amy.receive({ message: buildIncidentMessage({ to: AMY, type: 'chat', id, event: draft }), actor, source: 'live', conversation: actor, type: 'chat' });
  const base = { incidentId: INC, exercise: false };
  deliver(LEAD, { ...base, kind: 'declare', eventId: 'd1', at: T0, name: 'Tram', details: '', coordinators: [COORD], displays: [], announcementRoom: null, coordinationRoom: null }, 's1');
  return { amy, deliver, base };
}

describe('an instruction the board set aside is not put in the person\'s conversation', () => {
  it('the automatic "not needed now" that crossed a colleague\'s come-in is not stored as a message to the responder', async () => {
    const { amy, deliver, base } = await amyWithTwoCoordinators();
    deliver(LEAD, { ...base, kind: 'request', eventId: 'r1', at: T0 + 5 * 60_000, requestId: 'req-1', lines: [{ role: 'ED nurse', count: 1, location: 'ED majors', by: null }], replyTo: [LEAD, COORD], note: '' }, 's2');
    await amy.respond({ requestId: 'req-1', availability: { status: 'now', etaMinutes: 15 } });
    // COORD tells her to come in; LEAD's client (not yet holding that) sends the automatic standby.
    expect(deliver(COORD, { ...base, kind: 'assign', eventId: 'a1', at: T0 + 20 * 60_000, requestId: 'req-1', responder: AMY, action: 'come-in', location: 'ED majors', line: null, note: '' }, 's3')).toBe(false);
    const stored = deliver(LEAD, { ...base, kind: 'assign', eventId: 'a2', at: T0 + 20 * 60_000 + 500, requestId: 'req-1', responder: AMY, action: 'standby', location: null, line: null, note: 'Thank you — not needed now, please stand by.' }, 's4');
    expect(amy.board()?.responders[0]?.status).toBe('assigned');
    // true = the chat layer does not also store it as a message; false = "not needed now" lands in her conversation.
    expect(stored).toBe(true);
    amy.stop();
  });
});

describe('two coordinators send one person to two places at once', () => {
  it('the instruction that arrives last but was overtaken on the board does not become the last word in her conversation', async () => {
    const { amy, deliver, base } = await amyWithTwoCoordinators();
    deliver(LEAD, { ...base, kind: 'request', eventId: 'r1', at: T0 + 5 * 60_000, requestId: 'req-1', lines: [{ role: 'ED nurse', count: 1, location: 'ED majors', by: null }, { role: 'ED nurse', count: 1, location: 'Theatre 3', by: null }], replyTo: [LEAD, COORD], note: '' }, 's2');
    await amy.respond({ requestId: 'req-1', availability: { status: 'now', etaMinutes: 15 } });
    // COORD's "Theatre 3" (stamped later) reaches her first; LEAD's "ED majors" (stamped 2 s earlier) second.
    expect(deliver(COORD, { ...base, kind: 'assign', eventId: 'a-coord', at: T0 + 20 * 60_000 + 2_000, requestId: 'req-1', responder: AMY, action: 'come-in', location: 'Theatre 3', line: 1, note: '' }, 's3')).toBe(false);
    const secondStored = !deliver(LEAD, { ...base, kind: 'assign', eventId: 'a-lead', at: T0 + 20 * 60_000, requestId: 'req-1', responder: AMY, action: 'come-in', location: 'ED majors', line: 0, note: '' }, 's4');
    expect(amy.board()?.responders[0]?.directive?.location).toBe('Theatre 3');
    // Stored as an urgent 1:1 message, "Please come in: report to ED majors" would be the latest
    // instruction in her conversation while her card says Theatre 3.
    expect(secondStored).toBe(false);
    amy.stop();
  });
});

import { awaitingAnswer } from '../../electron/core/incident/incidentReminders.js';

describe('two incidents open at once (two declarers declared the same event)', () => {
  it('a call-in of the older open incident still reaches the responder\'s screen and reminders', async () => {
    const SITE = 'site@trust.test';
    const amy = new IncidentService({ store: memoryStore(), chat: () => null, self: { jid: AMY, name: 'Amy', role: 'ED nurse' }, now: () => T0 + 30 * 60_000, declarers: [LEAD, SITE], autoReplyDelayMs: 5 });
    await amy.start();
    const deliver = (actor: string, draft: IncidentEventDraft, id: string) =>
      amy.receive({ message: buildIncidentMessage({ to: AMY, type: 'groupchat', id, event: draft }), actor, source: 'live', conversation: 'staff@conference.trust.test', type: 'groupchat' });
    const decl = (incidentId: string, at: number): IncidentEventDraft => ({ incidentId, exercise: false, kind: 'declare', eventId: `d-${incidentId}`, at, name: 'Tram', details: '', coordinators: [], displays: [], announcementRoom: 'staff@conference.trust.test', coordinationRoom: null });
    deliver(LEAD, decl('mi-a', T0), 's1');
    deliver(LEAD, { incidentId: 'mi-a', exercise: false, kind: 'request', eventId: 'r1', at: T0 + 5 * 60_000, requestId: 'req-a', lines: [{ role: 'ED nurse', count: 4, location: 'ED majors', by: null }], replyTo: [LEAD], note: '' }, 's2');
    // The site manager declares it too, a few minutes later.
    deliver(SITE, decl('mi-b', T0 + 7 * 60_000), 's3');
    const board = amy.board();
    const openCallIns = (board?.requests ?? []).filter((r) => r.closedAt === null).length;
    expect(openCallIns + awaitingAnswer(board, AMY)).toBeGreaterThan(0);
    amy.stop();
  });
});

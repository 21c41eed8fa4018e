import { describe, expect, it } from 'vitest';
import {
  actionDrafts,
  autoReplyDrafts,
  autoReplyFor,
  deriveBoard,
  findRow,
  needsStandbyReply,
  NOT_NEEDED_NOW,
  pendingAutoReplies,
  sortResponders,
  standDownTargets,
  type IncidentBoard,
  type IncidentEvent,
  type IncidentEventDraft,
} from '../../electron/core/incident/index.js';
import { incidentIdFor, incidentIdMatchesDeclarer } from '../../electron/core/incident/board.js';
import {
  comeIn,
  COORD,
  declare,
  event,
  INCIDENT,
  LEAD,
  MIN,
  request,
  response,
  seededRandom,
  shuffle,
  T0,
} from './incidentFixtures.js';

const jid = (who: string): string => `${who}@trust.nhs.uk`;
const board = (events: IncidentEvent[], declarers: string[] = [LEAD]): IncidentBoard => deriveBoard(events, { incidentId: INCIDENT, declarers });
const asEvent = (draft: IncidentEventDraft, actor: string): IncidentEvent => ({ ...draft, actor }) as IncidentEvent;
let ids = 0;
const stamp = (at: number) => ({ at, newId: () => `gen-${(ids += 1)}` });

/** A busy incident: offers, a change of mind, assignments, acks, an arrival, a late offer. */
function scenario(): IncidentEvent[] {
  return [
    declare(),
    request(),
    response('amy', { status: 'now', etaMinutes: 20 }, { at: T0 + 8 * MIN }),
    response('ben', { status: 'from', from: T0 + 45 * MIN }, { at: T0 + 9 * MIN }),
    response('cat', { status: 'now', etaMinutes: 10 }, { at: T0 + 9 * MIN }),
    response('cat', { status: 'unavailable' }, { at: T0 + 11 * MIN }),
    response('dan', { status: 'now', etaMinutes: 30 }, { at: T0 + 12 * MIN, role: 'anaesthetist' }),
    comeIn('amy', { at: T0 + 15 * MIN }),
    comeIn('ben', { at: T0 + 16 * MIN, actor: COORD }),
    event('ack', { eventId: 'ack-amy', at: T0 + 17 * MIN, actor: jid('amy'), requestId: 'req-1', responder: jid('amy'), directiveId: 'assign-amy-' + (T0 + 15 * MIN) }),
    event('arrive', { eventId: 'here-amy', at: T0 + 36 * MIN, actor: jid('amy'), requestId: 'req-1', responder: jid('amy'), location: null }),
    response('eve', { status: 'now', etaMinutes: 5 }, { at: T0 + 40 * MIN }),
  ];
}

describe('deriveBoard: tallies and rows', () => {
  const b = board(scenario());

  it('tallies needed / offered / assigned / arrived per line', () => {
    const [nurses, anaesthetists] = b.requests[0]?.lines ?? [];
    expect(nurses).toMatchObject({ needed: 2, offered: 3, assigned: 2, arrived: 1, filled: true });
    expect(anaesthetists).toMatchObject({ needed: 1, offered: 1, assigned: 0, arrived: 0, filled: false });
    expect(b.requests[0]).toMatchObject({ totalNeeded: 3, totalAssigned: 2, totalArrived: 1, filled: false, closedAt: null });
  });

  it('matches roles case- and space-insensitively ("anaesthetist" → "Anaesthetist")', () => {
    expect(findRow(b, 'req-1', jid('dan'))?.line).toBe(1);
  });

  it('derives status, ETA and acknowledgement per responder', () => {
    expect(findRow(b, 'req-1', jid('amy'))).toMatchObject({ status: 'arrived', acknowledged: true, arrivedAt: T0 + 36 * MIN });
    expect(findRow(b, 'req-1', jid('ben'))).toMatchObject({ status: 'assigned', acknowledged: false, expectedAt: T0 + 45 * MIN });
    expect(findRow(b, 'req-1', jid('dan'))).toMatchObject({ status: 'offered', expectedAt: T0 + 42 * MIN });
  });

  it('a later response from the same person replaces the earlier', () => {
    const cat = b.responders.filter((row) => row.jid === jid('cat'));
    expect(cat).toHaveLength(1);
    expect(cat[0]).toMatchObject({ status: 'not-available', availability: { status: 'unavailable' }, responseCount: 2, expectedAt: null });
  });

  it('per-location totals for the display', () => {
    expect(b.locations).toEqual([
      { location: 'ED majors', needed: 2, assigned: 2, arrived: 1, outstanding: 0 },
      { location: 'Theatre 3', needed: 1, assigned: 0, arrived: 0, outstanding: 1 },
    ]);
  });

  it('records every accepted event in the timeline, in fold order', () => {
    expect(b.timeline.map((entry) => entry.kind)).toEqual([
      'declare', 'request', 'response', 'response', 'response', 'response', 'response',
      'assign', 'assign', 'ack', 'arrive', 'response',
    ]);
    expect(b.rejected).toEqual([]);
  });
});

describe('convergence', () => {
  it('any order and any duplication of the same events gives the same board (seeded shuffles)', { timeout: 30_000 }, () => {
    const events = scenario();
    const reference = board(events);
    for (let seed = 1; seed <= 200; seed += 1) {
      const random = seededRandom(seed);
      const copies = events.filter(() => random() < 0.4); // live + MAM, room + 1:1 copies
      const shuffled = shuffle([...events, ...copies], random);
      const derived = board(shuffled);
      expect({ ...derived, duplicates: 0 }).toEqual({ ...reference, duplicates: 0 });
      expect(derived.duplicates).toBe(copies.length);
    }
  });

  it('ignores duplicates of the same (actor, event id)', () => {
    const events = scenario();
    const b = board([...events, ...events]);
    expect(b.duplicates).toBe(events.length);
    expect(b.timeline).toHaveLength(events.length);
  });

  it('event ids are scoped to their sender: a reused id cannot suppress someone else\'s event', () => {
    const hostile = response('mal', { status: 'now', etaMinutes: 1 }, { eventId: 'assign-ben-' + (T0 + 16 * MIN), at: T0 });
    const b = board([...scenario(), hostile]);
    expect(findRow(b, 'req-1', jid('ben'))?.status).toBe('assigned');
  });

  it('one sender reusing an id for different content resolves the same way everywhere', () => {
    const a = response('amy', { status: 'now', etaMinutes: 20 }, { eventId: 'x', at: T0 + 8 * MIN });
    const b2 = response('amy', { status: 'unavailable' }, { eventId: 'x', at: T0 + 8 * MIN });
    const one = board([declare(), request(), a, b2]);
    const two = board([b2, request(), a, declare()]);
    expect(one).toEqual(two);
  });

  it('a response from a clock running behind the request still counts', () => {
    const early = response('amy', { status: 'now', etaMinutes: 20 }, { at: T0 + 4 * MIN });
    const b = board([declare(), request(), early]);
    expect(findRow(b, 'req-1', jid('amy'))?.status).toBe('offered');
  });

  it('an ack that sorts before its directive (skew) still acknowledges it', () => {
    const b = board([
      declare(),
      request(),
      response('amy', { status: 'now', etaMinutes: 20 }),
      event('ack', { eventId: 'k', at: T0 + 14 * MIN, actor: jid('amy'), requestId: 'req-1', responder: jid('amy'), directiveId: 'dir' }),
      comeIn('amy', { eventId: 'dir', at: T0 + 15 * MIN }),
    ]);
    expect(findRow(b, 'req-1', jid('amy'))?.acknowledged).toBe(true);
  });
});

describe('authorisation', () => {
  it('ignores and reports events from people not entitled to send them', () => {
    const b = board([
      ...scenario(),
      comeIn('dan', { eventId: 'sneaky', actor: jid('dan') }), // responder assigning themselves
      request({ eventId: 'r-x', requestId: 'req-x', actor: jid('eve') }),
      response('fay', { status: 'now', etaMinutes: 5 }, { actor: jid('amy') }), // answering for someone else
      event('arrive', { eventId: 'fake-here', at: T0 + 50 * MIN, actor: jid('amy'), requestId: 'req-1', responder: jid('dan'), location: null }),
      event('close', { eventId: 'c-x', at: T0 + 50 * MIN, actor: jid('ben'), requestId: null, note: '' }),
      response('gus', { status: 'now', etaMinutes: 5 }, { exercise: true }),
      response('hal', { status: 'now', etaMinutes: 5 }, { incidentId: 'another' }),
      response('ian', { status: 'now', etaMinutes: 5 }, { requestId: 'nope' }),
    ]);
    expect(b.rejected.map((r) => [r.eventId, r.reason])).toEqual(
      expect.arrayContaining([
        ['sneaky', 'not-coordinator'],
        ['r-x', 'not-coordinator'],
        [expect.stringContaining('resp-fay'), 'not-own-response'],
        ['fake-here', 'not-own-response'],
        ['c-x', 'not-coordinator'],
        [expect.stringContaining('resp-gus'), 'exercise-mismatch'],
        [expect.stringContaining('resp-hal'), 'other-incident'],
        [expect.stringContaining('resp-ian'), 'unknown-request'],
      ]),
    );
    expect(b.rejected).toHaveLength(8);
    expect(findRow(b, 'req-1', jid('dan'))?.status).toBe('offered');
    expect(b.closedAt).toBeNull();
    expect(b.requests.map((r) => r.requestId)).toEqual(['req-1']);
  });

  it('one declaration: later ones conflict; a declarer list is enforced; no declaration, no board', () => {
    const b = board([declare(), declare({ eventId: 'd-9', actor: COORD, coordinators: [jid('mal')] })], [LEAD, COORD]);
    expect(b.declaration?.coordinators).toEqual([LEAD, COORD]);
    expect(b.rejected).toEqual([{ eventId: 'd-9', actor: COORD, kind: 'declare', reason: 'conflicting-declaration' }]);

    const restricted = board([declare({ actor: jid('mal') }), request()], [LEAD]);
    expect(restricted.declaration).toBeNull();
    expect(restricted.rejected.map((r) => r.reason)).toEqual(['declarer-not-allowed', 'no-declaration']);

    // No declarers named (no admin policy): nobody may declare, not even the declaration's own author.
    const unconfigured = board([declare(), request()], []);
    expect(unconfigured.declaration).toBeNull();
    expect(unconfigured.rejected.map((r) => r.reason)).toEqual(['declarer-not-allowed', 'no-declaration']);
  });

  it('refuses come-in without a location and lines that do not exist', () => {
    const b = board([
      declare(),
      request(),
      comeIn('amy', { eventId: 'no-loc', location: null }),
      comeIn('amy', { eventId: 'bad-line', line: 7 }),
    ]);
    expect(b.rejected.map((r) => r.reason)).toEqual(['line-out-of-range', 'missing-location']); // fold order: (at, eventId)
  });
});

describe('late offers: "Thank you — not needed now, please stand by"', () => {
  const b = board(scenario());

  it('an offer after every line for the role is filled needs the standby reply, from the first coordinator only', () => {
    expect(findRow(b, 'req-1', jid('eve'))).toMatchObject({ status: 'offered', offeredAfterFilled: true });
    expect(needsStandbyReply(b, 'req-1', jid('eve'), LEAD)).toBe(true);
    expect(needsStandbyReply(b, 'req-1', jid('eve'), COORD)).toBe(false);
    // Offers made before the line filled are the coordinator's call, not an automatic reply.
    expect(needsStandbyReply(b, 'req-1', jid('dan'), LEAD)).toBe(false);
    expect(pendingAutoReplies(b, LEAD)).toEqual([{ requestId: 'req-1', responder: jid('eve'), reply: 'standby' }]);
  });

  it('"not available" never gets one; a role with an open line does not get one', () => {
    const late = response('zed', { status: 'now', etaMinutes: 5 }, { at: T0 + 41 * MIN, role: 'Anaesthetist' });
    const b2 = board([...scenario(), late]);
    expect(needsStandbyReply(b2, 'req-1', jid('zed'), LEAD)).toBe(false);
    expect(needsStandbyReply(b2, 'req-1', jid('cat'), LEAD)).toBe(false);
  });

  it('the reply is itself a standby directive; once folded in, nothing is owed (idempotent over MAM replay)', () => {
    const drafts = autoReplyDrafts(b, LEAD, stamp(T0 + 41 * MIN));
    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({ kind: 'assign', action: 'standby', responder: jid('eve'), note: NOT_NEEDED_NOW });
    const after = board([...scenario(), ...drafts.map((d) => asEvent(d, LEAD))]);
    expect(findRow(after, 'req-1', jid('eve'))?.status).toBe('standby');
    expect(pendingAutoReplies(after, LEAD)).toEqual([]);
  });

  it('an offer to a wholly filled request is answered whatever the role', () => {
    const events = [
      ...scenario(),
      comeIn('dan', { at: T0 + 38 * MIN, location: 'Theatre 3' }),
      response('pat', { status: 'now', etaMinutes: 5 }, { at: T0 + 45 * MIN, role: 'Porter' }),
    ];
    expect(needsStandbyReply(board(events), 'req-1', jid('pat'), LEAD)).toBe(true);
  });

  it('an offer after the call-in ended is answered with a stand-down instead', () => {
    const events = [
      ...scenario(),
      event('close', { eventId: 'end', at: T0 + 50 * MIN, actor: COORD, requestId: 'req-1', note: '' }),
      response('kit', { status: 'now', etaMinutes: 5 }, { at: T0 + 55 * MIN, role: 'Anaesthetist' }),
    ];
    expect(autoReplyFor(board(events), 'req-1', jid('kit'), LEAD)).toBe('standdown');
  });

  it('an offer made before the call-in ended that arrives after its stand-downs is stood down too', () => {
    const ended = [...scenario(), event('close', { eventId: 'end', at: T0 + 50 * MIN, actor: COORD, requestId: 'req-1', note: '' })];
    // What End call-in sent, to those who had answered by then.
    const standDowns = actionDrafts(board(ended), standDownTargets(board(ended), 'call-in', 'req-1'), { action: 'stand-down', reason: 'call-in-ended' }, stamp(T0 + 50 * MIN));
    expect(standDowns.length).toBeGreaterThan(0);
    // Kit answered at 49 minutes, for a line still open; the answer reached the coordinators only after all that.
    const events = [...ended, ...standDowns.map((draft) => asEvent(draft, COORD)), response('kit', { status: 'now', etaMinutes: 5 }, { at: T0 + 49 * MIN, role: 'anaesthetist' })];
    expect(pendingAutoReplies(board(events), LEAD)).toEqual([{ requestId: 'req-1', responder: jid('kit'), reply: 'standdown' }]);
  });

  it('an offer still open when a colleague closes the incident gets one stand-down, saying the incident closed', () => {
    const closed = [...scenario(), event('close', { eventId: 'closed', at: T0 + 50 * MIN, actor: COORD, requestId: null, note: '' })];
    // The designated replier has the close but not yet the stand-downs its colleague sent with it.
    const auto = autoReplyDrafts(board(closed), LEAD, stamp(T0 + 51 * MIN));
    expect(auto.length).toBeGreaterThan(0);
    const fromCloser = actionDrafts(board(closed), standDownTargets(board(closed), 'incident'), { action: 'stand-down', reason: 'incident-closed' }, stamp(T0 + 50 * MIN));
    const events = [...closed, ...fromCloser.map((draft) => asEvent(draft, COORD)), ...auto.map((draft) => asEvent(draft, LEAD))];
    const dan = findRow(board(events), 'req-1', jid('dan'));
    const told = fromCloser.find((draft) => 'responder' in draft && draft.responder === jid('dan'));
    expect(dan?.directive).toMatchObject({ eventId: told?.eventId, action: 'stand-down', standDownReason: 'incident-closed' });
  });
});

describe('coordinator actions, single and bulk', () => {
  it('bulk come-in sends each person to their matched line\'s location and fills the line', () => {
    const events = [
      declare(),
      request(),
      response('amy', { status: 'now', etaMinutes: 20 }),
      response('ben', { status: 'now', etaMinutes: 25 }),
      response('dan', { status: 'now', etaMinutes: 30 }, { role: 'Anaesthetist' }),
    ];
    const before = board(events);
    const targets = before.responders.map((row) => ({ requestId: row.requestId, responder: row.jid }));
    const drafts = actionDrafts(before, targets, { action: 'come-in' }, stamp(T0 + 20 * MIN));
    expect(drafts.map((d) => d.kind === 'assign' && d.location)).toEqual(['ED majors', 'ED majors', 'Theatre 3']);
    const after = board([...events, ...drafts.map((d) => asEvent(d, COORD))]);
    expect(after.requests[0]?.lines.map((l) => [l.assigned, l.filled])).toEqual([
      [2, true],
      [1, true],
    ]);
    expect(after.requests[0]?.filled).toBe(true);
  });

  it('explicit location and stand by / stand down', () => {
    const events = [declare(), request(), response('amy', { status: 'now', etaMinutes: 20 })];
    const b = board(events);
    const target = [{ requestId: 'req-1', responder: jid('amy') }];
    expect(actionDrafts(b, target, { action: 'come-in', location: 'Resus' }, stamp(T0))[0]).toMatchObject({ location: 'Resus' });
    expect(actionDrafts(b, target, { action: 'standby' }, stamp(T0))[0]).toMatchObject({ kind: 'assign', action: 'standby' });
    expect(actionDrafts(b, target, { action: 'stand-down' }, stamp(T0))[0]).toMatchObject({ kind: 'standdown', reason: 'individual' });
    expect(() => actionDrafts(b, [{ requestId: 'req-1', responder: jid('nobody') }], { action: 'come-in' }, stamp(T0))).toThrow(/location/);
  });

  it('a later "not available" withdraws an assignment; a later directive overrides it', () => {
    const base = [declare(), request(), response('amy', { status: 'now', etaMinutes: 20 }), comeIn('amy')];
    const withdrawn = [...base, response('amy', { status: 'unavailable' }, { at: T0 + 25 * MIN })];
    const b = board(withdrawn);
    expect(findRow(b, 'req-1', jid('amy'))?.status).toBe('not-available');
    expect(b.requests[0]?.lines[0]?.assigned).toBe(0);
    const phoned = board([...withdrawn, comeIn('amy', { at: T0 + 30 * MIN })]);
    expect(findRow(phoned, 'req-1', jid('amy'))?.status).toBe('assigned');
  });
});

describe('an arrival and a later stand-down', () => {
  const arrived = [declare(), request(), response('amy', { status: 'now', etaMinutes: 20 }), comeIn('amy', { at: T0 + 15 * MIN, location: 'Resus' })];
  const here = event('arrive', { eventId: 'here-amy', at: T0 + 30 * MIN, actor: jid('amy'), requestId: 'req-1', responder: jid('amy'), location: null });
  const standDown = (reason: 'individual' | 'call-in-ended', at: number): IncidentEvent =>
    event('standdown', { eventId: `down-${reason}`, at, actor: LEAD, requestId: 'req-1', responder: jid('amy'), reason, note: '' });

  it('still counts as arrived when the call-in ends after it', () => {
    const b = board([...arrived, here, standDown('call-in-ended', T0 + 40 * MIN)]);
    expect(b.requests[0]?.lines[0]).toMatchObject({ assigned: 1, arrived: 1 });
  });

  it('no longer fills the line once the coordinator releases that person on their own', () => {
    const b = board([...arrived, here, standDown('individual', T0 + 40 * MIN)]);
    expect(findRow(b, 'req-1', jid('amy'))?.status).toBe('arrived');
    expect(b.requests[0]?.lines[0]).toMatchObject({ assigned: 0, arrived: 0 });
  });

  it('does not fill a line for someone stood down before they turned up', () => {
    const b = board([...arrived, standDown('individual', T0 + 20 * MIN), here]);
    expect(b.requests[0]?.lines[0]).toMatchObject({ assigned: 0, arrived: 0 });
  });
});

describe('stand-down targets', () => {
  it('call-in: offered or on standby and not assigned, in ended call-ins only; idempotent', () => {
    const events = [...scenario(), event('close', { eventId: 'end', at: T0 + 50 * MIN, actor: LEAD, requestId: 'req-1', note: '' })];
    expect(standDownTargets(board(scenario()), 'call-in')).toEqual([]);
    const closed = board(events);
    const targets = standDownTargets(closed, 'call-in');
    expect(targets.map((t) => t.responder).sort()).toEqual([jid('dan'), jid('eve')]);
    expect(standDownTargets(board(scenario()), 'call-in', 'req-1').map((t) => t.responder).sort()).toEqual([jid('dan'), jid('eve')]);
    const drafts = actionDrafts(closed, targets, { action: 'stand-down', reason: 'call-in-ended' }, stamp(T0 + 51 * MIN));
    const after = board([...events, ...drafts.map((d) => asEvent(d, LEAD))]);
    expect(standDownTargets(after, 'call-in')).toEqual([]);
    expect(findRow(after, 'req-1', jid('dan'))?.status).toBe('stood-down');
    // The card says why, as the message did.
    expect(findRow(after, 'req-1', jid('dan'))?.directive).toMatchObject({ action: 'stand-down', standDownReason: 'call-in-ended' });
    expect(findRow(after, 'req-1', jid('ben'))?.status).toBe('assigned');
    expect(findRow(after, 'req-1', jid('ben'))?.directive?.standDownReason).toBeNull();
  });

  it('incident: everyone once, stand-downs accepted after the close, nothing assignable after it', () => {
    const events = [...scenario(), event('close', { eventId: 'over', at: T0 + 90 * MIN, actor: COORD, requestId: null, note: '' })];
    const closed = board(events);
    expect(closed.closedAt).toBe(T0 + 90 * MIN);
    expect(closed.requests[0]?.closedAt).toBe(T0 + 90 * MIN);
    const targets = standDownTargets(closed, 'incident');
    expect(targets.map((t) => t.responder)).toEqual(['amy', 'ben', 'cat', 'dan', 'eve'].map(jid));
    expect(targets.every((t) => t.requestId === null && t.reason === 'incident-closed')).toBe(true);
    const drafts = actionDrafts(closed, targets, { action: 'stand-down' }, stamp(T0 + 91 * MIN));
    const after = board([...events, ...drafts.map((d) => asEvent(d, COORD)), comeIn('eve', { at: T0 + 92 * MIN })]);
    // Idempotent: Amy arrived (arrival outranks the stand-down on the board) but has been told.
    expect(standDownTargets(after, 'incident')).toEqual([]);
    // The record keeps her arrival: she came in as told, and the close does not undo that.
    expect(after.requests[0]?.lines[0]).toMatchObject({ assigned: 1, arrived: 1 });
    expect(after.requests[0]).toMatchObject({ totalArrived: 1 });
    expect(findRow(after, 'req-1', jid('amy'))).toMatchObject({ status: 'arrived', line: 0 });
    expect(findRow(after, 'req-1', jid('amy'))?.directive).toMatchObject({ action: 'stand-down', standDownReason: 'incident-closed' });
    expect(after.rejected.map((r) => r.reason)).toEqual(['incident-closed']);
  });
});

describe('sortResponders', () => {
  const rows = board(scenario()).responders;

  it('by ETA, unknowns last in both directions', () => {
    // Amy has arrived and Cat is not coming: no ETA. Ben and Eve tie at 13:45 and fall back to name.
    expect(sortResponders(rows, 'eta').map((r) => r.name)).toEqual(['Dan', 'Ben', 'Eve', 'Amy', 'Cat']);
    expect(sortResponders(rows, 'eta', 'desc').map((r) => r.name)).toEqual(['Ben', 'Eve', 'Dan', 'Amy', 'Cat']);
  });

  it('by name, status and availability, with stable tie-breaks', () => {
    expect(sortResponders(rows, 'name', 'desc').map((r) => r.name)).toEqual(['Eve', 'Dan', 'Cat', 'Ben', 'Amy']);
    expect(sortResponders(rows, 'status').map((r) => r.status)).toEqual(['offered', 'offered', 'assigned', 'arrived', 'not-available']);
    expect(sortResponders(rows, 'availability').map((r) => r.name)).toEqual(['Amy', 'Dan', 'Eve', 'Ben', 'Cat']);
    expect(rows.map((r) => r.name)).toEqual(['Amy', 'Ben', 'Cat', 'Dan', 'Eve']); // input untouched
  });
});

describe('incident ids bound to their declarer (security review)', () => {
  it('nobody can claim an incident another coordinator declared, not even with an earlier timestamp', () => {
    const lead = 'lead@trust.test';
    const incidentId = incidentIdFor(lead);
    const declaration = (actor: string, at: number): IncidentEvent => ({
      kind: 'declare', incidentId, eventId: `d-${actor}`, at, exercise: false, actor, name: `By ${actor}`, details: '',
      coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null,
    });
    const board = deriveBoard([declaration(lead, 2_000), declaration('mallory@trust.test', 1_000)], { incidentId, declarers: [lead, 'mallory@trust.test'] });
    expect(board.declaration?.declaredBy).toBe(lead);
    expect(board.rejected).toEqual([expect.objectContaining({ actor: 'mallory@trust.test', reason: 'declarer-not-allowed' })]);
    expect(incidentIdMatchesDeclarer(incidentId, 'LEAD@trust.test')).toBe(true);
  });
});

describe('arrivals (security review)', () => {
  const arrive = (who: string, at: number): IncidentEvent =>
    event('arrive', { eventId: `arr-${who}`, at, actor: jid(who), requestId: 'req-1', responder: jid(who), location: null });

  it('someone who turns up unasked shows as arrived but fills no line, so nobody else is told "not needed"', () => {
    const b = board([
      declare(),
      request(),
      response('amy', { status: 'now', etaMinutes: 10 }),
      response('ben', { status: 'now', etaMinutes: 10 }),
      arrive('amy', T0 + 20 * MIN),
      arrive('ben', T0 + 21 * MIN),
      response('eve', { status: 'now', etaMinutes: 5 }, { at: T0 + 30 * MIN }),
    ]);
    expect(findRow(b, 'req-1', jid('amy'))?.status).toBe('arrived');
    const nurses = b.requests[0]?.lines[0];
    expect(nurses).toMatchObject({ needed: 2, assigned: 0, arrived: 0, filled: false });
    expect(findRow(b, 'req-1', jid('eve'))?.offeredAfterFilled).toBe(false);
  });

  it('once told to come in, their arrival counts', () => {
    const b = board([declare(), request(), response('amy', { status: 'now', etaMinutes: 10 }), comeIn('amy'), arrive('amy', T0 + 40 * MIN)]);
    expect(b.requests[0]?.lines[0]).toMatchObject({ assigned: 1, arrived: 1 });
  });
});

describe('withdrawing after an instruction (review finding)', () => {
  it('someone told to come in who then says "not available" and later offers again is an offer, not "coming in" again', () => {
    const events = [
      declare(),
      request(),
      response('amy', { status: 'now', etaMinutes: 10 }, { at: T0 + 10 * MIN, eventId: 'a1' }),
      comeIn('amy', { at: T0 + 11 * MIN }),
      response('amy', { status: 'unavailable' }, { at: T0 + 12 * MIN, eventId: 'a2' }),
      response('amy', { status: 'now', etaMinutes: 30 }, { at: T0 + 20 * MIN, eventId: 'a3' }),
    ];
    const board = deriveBoard(events, { incidentId: INCIDENT, declarers: [LEAD] });
    // Offered, and the withdrawn instruction is gone from her card (no "please come in" to acknowledge).
    expect(board.responders.find((r) => r.jid.startsWith('amy'))).toMatchObject({ status: 'offered', directive: null, acknowledged: false });
    expect(board.requests[0]?.lines[0]?.assigned).toBe(0);
    // Turning up anyway counts as unasked: she does not fill the line by herself.
    const arrived = deriveBoard([...events, event('arrive', { eventId: 'arr', at: T0 + 40 * MIN, actor: jid('amy'), requestId: request().requestId, responder: jid('amy'), location: null })], { incidentId: INCIDENT, declarers: [LEAD] });
    expect(arrived.requests[0]?.lines[0]).toMatchObject({ assigned: 0, arrived: 0 });
    // A new instruction after the new offer counts as before.
    const again = deriveBoard([...events, comeIn('amy', { at: T0 + 21 * MIN, eventId: 'c2' })], { incidentId: INCIDENT, declarers: [LEAD] });
    expect(again.responders.find((r) => r.jid.startsWith('amy'))?.status).toBe('assigned');
  });
});

describe('the automatic "not needed now" and a coordinator\'s come-in crossing (review finding)', () => {
  it('never replaces a come-in another coordinator gave, even when it is stamped later', () => {
    const events = [
      declare(),
      request(),
      response('amy', { status: 'now', etaMinutes: 10 }, { at: T0 + 10 * MIN, eventId: 'a1' }),
      comeIn('amy', { at: T0 + 11 * MIN, eventId: 'c1' }),
      { ...comeIn('amy', { at: T0 + 11 * MIN + 500, eventId: 'auto1' }), action: 'standby' as const, location: null, note: NOT_NEEDED_NOW },
    ];
    const board = deriveBoard(events, { incidentId: INCIDENT, declarers: [LEAD] });
    expect(board.responders.find((r) => r.jid.startsWith('amy'))).toMatchObject({ status: 'assigned', directive: { eventId: 'c1' } });
    // A coordinator's own stand-by (not the automatic one) still replaces it.
    const chosen = deriveBoard([...events, { ...comeIn('amy', { at: T0 + 12 * MIN, eventId: 's1' }), action: 'standby' as const, location: null, note: 'Hold for now' }], { incidentId: INCIDENT, declarers: [LEAD] });
    expect(chosen.responders.find((r) => r.jid.startsWith('amy'))?.status).toBe('standby');
  });
});


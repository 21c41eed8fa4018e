// The incident service without a network: what it persists, what it sends where, and that
// nothing is lost when the server is away or the app restarts before it comes back.
import { describe, expect, it, vi } from 'vitest';
import { IncidentError, IncidentService, type IncidentChat, type IncidentStore } from '../../electron/core/incident/incidentService.js';
import type { IncidentChanges } from '../../electron/core/store/incidentQueries.js';
import { buildIncidentMessage } from '../../electron/core/incident/incidentForms.js';
import type { IncidentEventDraft } from '../../electron/core/incident/incidentTypes.js';
import type { XmlElement } from '../../electron/core/xmpp/index.js';
import { parseJid } from '../../electron/core/messaging/index.js';

const LEAD = 'lead@trust.test';
const AMY = 'amy@trust.test';
const WALL = 'wall@trust.test';
const T0 = Date.UTC(2026, 10, 25, 13, 0);

/** The store's incident tables in memory (the real ones are tested in tests/integration/incidentStore.test.ts). */
function memoryStore(): IncidentStore & { saves: number } {
  const events = new Map<string, string>();
  const outbox = new Map<string, string>();
  const settings = new Map<string, string>();
  const store = {
    saves: 0,
    getSetting: async (key: string) => settings.get(key) ?? null,
    setSetting: async (key: string, value: string) => void settings.set(key, value),
    loadIncidentRecords: async () => ({ events: [...events.values()], outbox: [...outbox.values()] }),
    saveIncidentChanges: async (changes: IncidentChanges) => {
      store.saves += 1;
      for (const row of changes.events) events.set(row.event, row.event);
      for (const row of changes.queued) outbox.set(row.id, row.entry);
      for (const id of changes.sent) outbox.delete(id);
    },
  };
  return store;
}

/** A chat whose server acknowledges only when told to (offline until then). */
function fakeChat() {
  const sent: { to: string; type: string; body: string; id: string }[] = [];
  const pending: (() => void)[] = [];
  let online = false;
  const chat: IncidentChat = {
    sendStanza: (stanza: XmlElement) =>
      new Promise<void>((resolve) => {
        const record = () => {
          sent.push({ to: String(stanza.attrs['to']), type: String(stanza.attrs['type']), body: stanza.getChildText('body') ?? '', id: String(stanza.attrs['id']) });
          resolve();
        };
        if (online) record();
        else pending.push(record);
      }),
    joinRoom: async () => 1,
    addRoomMembers: async () => undefined,
  };
  return {
    chat,
    sent,
    goOnline() {
      online = true;
      for (const send of pending.splice(0)) send();
    },
  };
}

function service(store = memoryStore(), chat: IncidentChat | null = null, self = LEAD, now = () => T0, declarers: readonly string[] = [LEAD]) {
  return new IncidentService({ store, chat: () => chat, self: { jid: self, name: 'Dr Lead', role: 'ED consultant' }, now, autoReplyDelayMs: 5, declarers });
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('IncidentService', () => {
  it('keeps what it could not send across a restart, and sends it once the server is back', async () => {
    const store = memoryStore();
    const offline = fakeChat();
    const first = service(store, offline.chat);
    await first.start();
    await first.declare({ name: 'Tram', exercise: true, details: '', coordinators: [], displays: [WALL], announcementRoom: null, coordinationRoom: null });
    await first.request({ lines: [{ role: 'ED nurse', count: 2, location: 'ED resus', by: null }], note: '' });
    expect(first.unsent()).toBe(2); // declare + request, 1:1 to the display
    first.stop();
    await first.idle();

    // Restart: a new service over the same store, the server now reachable.
    const online = fakeChat();
    online.goOnline();
    const second = service(store, online.chat);
    await second.start();
    await settle();
    expect(online.sent.map((m) => [m.to, m.type])).toEqual([
      [WALL, 'chat'],
      [WALL, 'chat'],
    ]);
    expect(online.sent.every((m) => m.body.startsWith('EXERCISE — '))).toBe(true);
    await second.idle();
    expect(second.unsent()).toBe(0);
    // The board came back from the store, not from the network.
    expect(second.board()?.declaration?.name).toBe('Tram');
    expect(second.board()?.requests).toHaveLength(1);
  });

  it('refuses what is not allowed, with a sentence, and loses nothing', async () => {
    const amy = service(memoryStore(), null, AMY);
    await amy.start();
    await expect(amy.request({ lines: [{ role: 'x', count: 1, location: 'y', by: null }], note: '' })).rejects.toThrow(IncidentError);
    await expect(amy.respond({ requestId: 'nope', availability: { status: 'unavailable' } })).rejects.toThrow(/no major incident on this computer/);
    const lead = service();
    await lead.start();
    await expect(lead.declare({ name: '  ', exercise: true, details: '', coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null })).rejects.toThrow(/name/);
  });

  it('counts a copy once (live and archive), and consumes 1:1 copies except directives to this person', async () => {
    const lead = service();
    await lead.start();
    await lead.declare({ name: 'Tram', exercise: false, details: '', coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null });
    const { requestId } = await lead.request({ lines: [{ role: 'ED nurse', count: 1, location: 'ED', by: null }], note: '' });
    const board = lead.board()!;
    const response: IncidentEventDraft = {
      kind: 'response',
      incidentId: board.incidentId,
      eventId: 'ev-amy-1',
      at: T0 + 60_000,
      exercise: false,
      requestId,
      responder: AMY,
      name: 'Amy',
      role: 'ED nurse',
      availability: { status: 'now', etaMinutes: 15 },
    };
    const message = buildIncidentMessage({ to: LEAD, type: 'chat', id: 'm-1', event: response });
    const delivery = { message, actor: AMY, source: 'live' as const, conversation: AMY, type: 'chat' as const };
    expect(lead.receive(delivery)).toBe(true);
    expect(lead.receive({ ...delivery, source: 'archive' })).toBe(true);
    expect(lead.board()?.responders).toHaveLength(1);
    expect(lead.board()?.duplicates).toBe(0);
    // Someone answering for Amy is refused by the board (the actor comes from the transport).
    lead.receive({ ...delivery, actor: 'mallory@trust.test', message: buildIncidentMessage({ to: LEAD, type: 'chat', id: 'm-2', event: { ...response, eventId: 'ev-m' } }) });
    expect(lead.board()?.rejected.map((r) => r.reason)).toContain('not-own-response');
    // A room copy stays a readable room message.
    expect(lead.receive({ ...delivery, type: 'groupchat', conversation: 'room@conference.trust.test' })).toBe(false);
  });

  it('an event stamped by a clock running fast is kept, dated when it arrived, so it cannot outrank what follows', async () => {
    const lines: string[] = [];
    const amy = new IncidentService({ store: memoryStore(), chat: () => null, self: { jid: AMY, name: 'Amy', role: 'ED nurse' }, now: () => T0, declarers: [LEAD], log: (l) => lines.push(l) });
    await amy.start();
    const fast = T0 + 10 * 60_000;
    const declare: IncidentEventDraft = {
      kind: 'declare', incidentId: 'mi-fast', eventId: 'ev-d', at: fast, exercise: false, name: 'Tram', details: '',
      coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null,
    };
    const request: IncidentEventDraft = {
      kind: 'request', incidentId: 'mi-fast', eventId: 'ev-r', at: fast + 1, exercise: false, requestId: 'req-1',
      lines: [{ role: 'ED nurse', count: 1, location: 'ED resus', by: null }], replyTo: [LEAD], note: '',
    };
    for (const [n, draft] of [declare, request].entries())
      amy.receive({ message: buildIncidentMessage({ to: AMY, type: 'chat', id: `m-${n}`, event: draft }), actor: LEAD, source: 'live', conversation: LEAD, type: 'chat' });
    const board = amy.board('mi-fast');
    expect(lines, lines.join('|')).toContain('incident redated reason=future-timestamp kind=declare');
    expect(board?.declaration?.declaredAt).toBe(T0);
    expect(board?.requests.map((r) => [r.requestId, r.at])).toEqual([['req-1', T0 + 1]]);
  });

  it('a far-future timestamp or a refused declaration never hides the real incident (security review)', async () => {
    const lead = service(memoryStore(), fakeChat().chat, LEAD);
    await lead.start();
    const { incidentId } = await lead.declare({ name: 'Tram', exercise: false, details: '', coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null });
    const deliver = (actor: string, draft: IncidentEventDraft, id: string) =>
      lead.receive({ message: buildIncidentMessage({ to: LEAD, type: 'chat', id, event: draft }), actor, source: 'live', conversation: actor, type: 'chat' });
    const forged = (incident: string, at: number): IncidentEventDraft => ({
      kind: 'declare', incidentId: incident, eventId: `ev-${at}`, at, exercise: true, name: 'Fake', details: '',
      coordinators: ['mallory@trust.test'], displays: [], announcementRoom: null, coordinationRoom: null,
    });
    // Dated in the year 2999 by someone who may not declare: ignored outright.
    deliver('mallory@trust.test', forged('mi-fake-future', Date.UTC(2999, 0, 1)), 'f-1');
    expect(lead.currentId()).toBe(incidentId);
    // A declaration the board refuses (with a declarers policy) is not listed either.
    const guarded = new IncidentService({ store: memoryStore(), chat: () => null, self: { jid: AMY, name: 'Amy', role: 'ED nurse' }, now: () => T0, declarers: [LEAD] });
    await guarded.start();
    guarded.receive({ message: buildIncidentMessage({ to: AMY, type: 'chat', id: 'f-2', event: forged('mi-fake-now', T0 + 1) }), actor: 'mallory@trust.test', source: 'live', conversation: 'mallory@trust.test', type: 'chat' });
    expect(guarded.incidents()).toEqual([]);
  });

  it('a flood of events for an incident nobody declared is bounded, and a colleague\'s new incident does not pull a coordinator away', async () => {
    const store = memoryStore();
    const lead = service(store, fakeChat().chat, LEAD, () => T0, [LEAD, AMY]);
    await lead.start();
    const { incidentId } = await lead.declare({ name: 'Tram', exercise: false, details: '', coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null });
    for (let n = 0; n < 700; n += 1) {
      const draft: IncidentEventDraft = {
        kind: 'arrive', incidentId: 'mi-undeclared', eventId: `flood-${n}`, at: T0, exercise: false, requestId: 'req-x', responder: 'mallory@trust.test', location: null,
      };
      lead.receive({ message: buildIncidentMessage({ to: LEAD, type: 'chat', id: `fl-${n}`, event: draft }), actor: 'mallory@trust.test', source: 'live', conversation: 'mallory@trust.test', type: 'chat' });
    }
    expect(lead.events('mi-undeclared').length).toBe(500);
    // Someone else declares a new incident later: the lead's screen stays on the one they run.
    const other: IncidentEventDraft = {
      kind: 'declare', incidentId: 'mi-other', eventId: 'ev-other', at: T0 + 60_000, exercise: true, name: 'Other', details: '',
      coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null,
    };
    lead.receive({ message: buildIncidentMessage({ to: LEAD, type: 'chat', id: 'o-1', event: other }), actor: AMY, source: 'live', conversation: AMY, type: 'chat' });
    expect(lead.incidents().map((i) => i.incidentId)).toEqual(['mi-other', incidentId]);
    expect(lead.currentId()).toBe(incidentId);
  });
  it('fails closed without a declarers policy: nobody can declare, and a colleague\'s declaration is not even stored', async () => {
    const store = memoryStore();
    const unconfigured = service(store, fakeChat().chat, LEAD, () => T0, []);
    await unconfigured.start();
    expect(unconfigured.canDeclare()).toBe(false);
    await expect(
      unconfigured.declare({ name: 'Tram', exercise: false, details: '', coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null }),
    ).rejects.toThrow(/IT team has not named who may declare/);
    const fake: IncidentEventDraft = {
      kind: 'declare', incidentId: 'mi-fake', eventId: 'ev-fake', at: T0, exercise: false, name: 'Fake', details: '',
      coordinators: [AMY], displays: [], announcementRoom: null, coordinationRoom: null,
    };
    const keptOutOfChat = unconfigured.receive({ message: buildIncidentMessage({ to: LEAD, type: 'chat', id: 'x-1', event: fake }), actor: AMY, source: 'live', conversation: AMY, type: 'chat' });
    expect(keptOutOfChat).toBe(true);
    expect(unconfigured.events('mi-fake')).toEqual([]);
    expect(unconfigured.incidents()).toEqual([]);
    // Named, but not this person: a clear message too.
    const other = service(memoryStore(), null, AMY, () => T0, [LEAD]);
    await expect(
      other.declare({ name: 'Tram', exercise: false, details: '', coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null }),
    ).rejects.toThrow(/Only the people your IT team named/);
  });
  it('drops an oversized hostile event without losing the rest, and retries a failed write (once more before a lock)', async () => {
    const store = memoryStore();
    const lines: string[] = [];
    const lead = new IncidentService({ store, chat: () => null, self: { jid: LEAD, name: 'Dr Lead', role: 'ED consultant' }, now: () => T0, declarers: [LEAD], log: (l) => lines.push(l) });
    await lead.start();
    const { incidentId } = await lead.declare({ name: 'Tram', exercise: false, details: '', coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null });
    const { requestId } = await lead.request({ lines: [{ role: 'ED nurse', count: 1, location: 'ED', by: null }], note: '' });
    const huge: IncidentEventDraft = {
      kind: 'request', incidentId, eventId: 'ev-huge', at: T0, exercise: false, requestId: 'req-huge',
      lines: [{ role: 'x', count: 1, location: 'y', by: null }],
      replyTo: Array.from({ length: 32 }, (_, n) => `${'m'.repeat(1020)}${n}@${('d'.repeat(60) + '.').repeat(16)}test`), note: '"'.repeat(999),
    };
    lead.receive({ message: buildIncidentMessage({ to: LEAD, type: 'chat', id: 'h-1', event: huge }), actor: 'mallory@trust.test', source: 'live', conversation: 'mallory@trust.test', type: 'chat' });
    expect(lines, lines.join('|')).toContain('incident ignored reason=over-size kind=request');

    // The next write fails (the store is busy closing, say): it is kept, and idle() tries it again.
    const save = store.saveIncidentChanges;
    let failures = 1;
    store.saveIncidentChanges = async (changes) => {
      if (failures-- > 0) throw new Error('busy');
      await save(changes);
    };
    const response: IncidentEventDraft = {
      kind: 'response', incidentId, eventId: 'ev-amy', at: T0, exercise: false, requestId, responder: AMY, name: 'Amy', role: 'ED nurse', availability: { status: 'now', etaMinutes: 10 },
    };
    lead.receive({ message: buildIncidentMessage({ to: LEAD, type: 'chat', id: 'a-1', event: response }), actor: AMY, source: 'live', conversation: AMY, type: 'chat' });
    await lead.idle();
    expect(lines).toContain('incident persist-failed');
    const restarted = service(store);
    await restarted.start();
    expect(restarted.board(incidentId)?.responders.map((r) => r.jid)).toEqual([AMY]);
  });
  it('a refusal of one of our incident messages is shown; one from anyone but its recipient or our server is ignored', async () => {
    const online = fakeChat();
    online.goOnline();
    const lines: string[] = [];
    const store = memoryStore();
    const lead = new IncidentService({ store, chat: () => online.chat, self: { jid: LEAD, name: 'Dr Lead', role: 'ED consultant' }, now: () => T0, declarers: [LEAD], log: (l) => lines.push(l) });
    await lead.start();
    const { incidentId } = await lead.declare({ name: 'Tram', exercise: false, details: '', coordinators: [], displays: [WALL], announcementRoom: null, coordinationRoom: null });
    await settle();
    const id = online.sent[0]?.id ?? '';
    const bounce = (from: string) => ({ id, from: parseJid(from)!, errorType: 'cancel' as const, condition: 'service-unavailable', archiveId: null });
    expect(lead.bounced({ ...bounce(WALL), id: 'wl-not-ours' })).toBe(false);
    expect(lead.bounced(bounce('mallory@trust.test'))).toBe(true);
    expect(lead.undelivered(incidentId)).toEqual([]);
    expect(lines).toContain('incident rejected reason=spoofed-bounce from=mallory@trust.test');
    expect(lead.bounced(bounce(`${WALL}/wall-screen`))).toBe(true);
    expect(lead.undelivered(incidentId)).toEqual([{ ref: id, resend: 'ready', incidentId, kind: 'declare', to: WALL, reason: 'no-such-address', at: T0 }]);
    // Still there after a lock (the service over the same store starts again); a damaged entry is skipped.
    await settle();
    const restarted = new IncidentService({ store, chat: () => null, self: { jid: LEAD, name: 'Dr Lead', role: 'ED consultant' }, now: () => T0, declarers: [LEAD] });
    await restarted.start();
    expect(restarted.undelivered(incidentId)).toEqual([{ ref: id, resend: 'ready', incidentId, kind: 'declare', to: WALL, reason: 'no-such-address', at: T0 }]);
    const saved = JSON.parse((await store.getSetting('incident.undelivered')) ?? '[]') as unknown[];
    await store.setSetting('incident.undelivered', JSON.stringify([...saved, { id: 'x', incidentId, kind: 'declare', to: WALL, reason: 'made-up', at: T0 }]));
    const again = new IncidentService({ store, chat: () => null, self: { jid: LEAD, name: 'Dr Lead', role: 'ED consultant' }, now: () => T0, declarers: [LEAD] });
    await again.start();
    expect(again.undelivered(incidentId)).toHaveLength(1);
  });
  it('"Send again" sends a refused message as it was, to the same address; refused again, it is listed once, not twice', async () => {
    const online = fakeChat();
    online.goOnline();
    const store = memoryStore();
    const lines: string[] = [];
    const lead = new IncidentService({ store, chat: () => online.chat, self: { jid: LEAD, name: 'Dr Lead', role: 'ED consultant' }, now: () => T0, declarers: [LEAD], log: (l) => lines.push(l) });
    await lead.start();
    const { incidentId } = await lead.declare({ name: 'Tram', exercise: false, details: 'M: tram', coordinators: [], displays: [WALL], announcementRoom: null, coordinationRoom: null });
    await settle();
    const first = online.sent[0]!;
    const refuse = (id: string) => lead.bounced({ id, from: parseJid(WALL)!, errorType: 'cancel' as const, condition: 'service-unavailable', archiveId: null });
    expect(refuse(first.id)).toBe(true);
    const [refusal] = lead.undelivered(incidentId);

    await lead.resend(refusal!.ref);
    await settle();
    // The same declaration (same text) to the same address, as a new transmission; the line is gone.
    expect(online.sent).toHaveLength(2);
    const again = online.sent[1]!;
    expect({ to: again.to, type: again.type, body: again.body }).toEqual({ to: first.to, type: first.type, body: first.body });
    expect(again.id).not.toBe(first.id);
    expect(lead.undelivered(incidentId)).toEqual([]);
    expect(lines).toContain('incident resent kind=declare');
    // Nothing new on the board: it is the same event.
    expect(lead.board(incidentId)?.timeline).toHaveLength(1);
    await expect(lead.resend(refusal!.ref)).rejects.toThrow(/no longer listed as not delivered/);

    // Still refused (IT has not created the account yet): one line again, naming the new transmission.
    expect(refuse(again.id)).toBe(true);
    expect(lead.undelivered(incidentId)).toEqual([{ ref: again.id, resend: 'ready', incidentId, kind: 'declare', to: WALL, reason: 'no-such-address', at: T0 }]);

    // Sent again while offline: kept in the store's outbox, and sent after a restart.
    await settle();
    const offline = fakeChat();
    const later = new IncidentService({ store, chat: () => offline.chat, self: { jid: LEAD, name: 'Dr Lead', role: 'ED consultant' }, now: () => T0, declarers: [LEAD] });
    await later.start();
    await later.resend(again.id);
    // Listed until the server has the new copy, as waiting; a second press is refused, not sent twice.
    expect(later.undelivered(incidentId).map((u) => u.resend)).toEqual(['queued']);
    await expect(later.resend(again.id)).rejects.toThrow('That message is already waiting to be sent again.');
    later.stop();
    await later.idle();
    const restarted = fakeChat();
    restarted.goOnline();
    const afterRestart = new IncidentService({ store, chat: () => restarted.chat, self: { jid: LEAD, name: 'Dr Lead', role: 'ED consultant' }, now: () => T0, declarers: [LEAD] });
    await afterRestart.start();
    await settle();
    expect(restarted.sent.map((s) => ({ to: s.to, body: s.body }))).toEqual([{ to: WALL, body: first.body }]);
    expect(afterRestart.undelivered(incidentId)).toEqual([]);
  });
  it('a refusal saved before "Send again" existed cannot be sent again, and says why', async () => {
    const store = memoryStore();
    const lead = service(store, fakeChat().chat);
    await lead.start();
    const { incidentId } = await lead.declare({ name: 'Tram', exercise: false, details: '', coordinators: [], displays: [WALL], announcementRoom: null, coordinationRoom: null });
    lead.stop();
    await lead.idle();
    await store.setSetting('incident.undelivered', JSON.stringify([{ id: 'wl-old', incidentId, kind: 'declare', to: WALL, reason: 'no-such-address', at: T0 }]));
    const restarted = service(store, fakeChat().chat);
    await restarted.start();
    expect(restarted.undelivered(incidentId).map((u) => ({ ref: u.ref, resend: u.resend }))).toEqual([{ ref: 'wl-old', resend: 'no' }]);
    await expect(restarted.resend('wl-old')).rejects.toThrow(IncidentError);
    await expect(restarted.resend('wl-old')).rejects.toThrow('it was refused before this version kept what to resend. Pass it on by phone.');
  });
  it('a copy sent again that the store could not save is not lost: after a restart the refusal is still listed, to send again', async () => {
    const store = memoryStore();
    const online = fakeChat();
    online.goOnline();
    const lead = service(store, online.chat);
    await lead.start();
    const { incidentId } = await lead.declare({ name: 'Tram', exercise: false, details: '', coordinators: [], displays: [WALL], announcementRoom: null, coordinationRoom: null });
    await settle();
    lead.bounced({ id: online.sent[0]!.id, from: parseJid(WALL)!, errorType: 'cancel' as const, condition: 'service-unavailable', archiveId: null });
    await settle();
    lead.stop();
    await lead.idle();

    // Offline, and every store write now fails: the resend is only in memory.
    const offline = fakeChat();
    const broken = service(store, offline.chat);
    await broken.start();
    store.saveIncidentChanges = () => Promise.reject(new Error('disk full'));
    const [refusal] = broken.undelivered(incidentId);
    await broken.resend(refusal!.ref);
    broken.stop();
    await broken.idle();

    const restarted = service(store, fakeChat().chat);
    await restarted.start();
    expect(restarted.unsent()).toBe(0);
    expect(restarted.undelivered(incidentId).map((u) => ({ ref: u.ref, resend: u.resend }))).toEqual([{ ref: refusal!.ref, resend: 'ready' }]);
  });
  it('an action for several people that fails part-way says how many were already sent (review: it said "not sent")', async () => {
    const store = memoryStore();
    const first = service(store, fakeChat().chat);
    await first.start();
    const { incidentId } = await first.declare({ name: 'Tram', exercise: false, details: '', coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null });
    const { requestId } = await first.request({ lines: [{ role: 'ED nurse', count: 3, location: 'ED', by: null }], note: '' });
    const nurses = ['n0@trust.test', 'n1@trust.test', 'n2@trust.test'];
    for (const [n, responder] of nurses.entries()) {
      const response: IncidentEventDraft = {
        kind: 'response', incidentId, eventId: `ev-r${n}`, at: T0, exercise: false, requestId, responder, name: `N${n}`, role: 'ED nurse', availability: { status: 'now', etaMinutes: 10 },
      };
      first.receive({ message: buildIncidentMessage({ to: LEAD, type: 'chat', id: `r-${n}`, event: response }), actor: responder, source: 'live', conversation: responder, type: 'chat' });
    }
    first.stop();
    await first.idle();
    // Earlier records of ours fill this computer's limit for one sender but two (2 + 4,996 of
    // 5,000), stored as a long incident would have left them: two come-ins fit, the third does not.
    const own = Array.from({ length: 4_996 }, (_, n) => ({
      incidentId,
      event: JSON.stringify({ kind: 'ack', incidentId, eventId: `ev-own-${n}`, at: T0, exercise: false, requestId: null, responder: LEAD, directiveId: `ev-none-${n}`, actor: LEAD }),
    }));
    await store.saveIncidentChanges({ events: own, queued: [], sent: [] });
    const lead = service(store, fakeChat().chat);
    await lead.start();
    await expect(lead.act({ incidentId, targets: nurses.map((responder) => ({ requestId, responder })), action: { action: 'come-in' } })).rejects.toThrow(
      /^Sent for 2 of 3 people; not for the rest\. That could not be recorded/,
    );
    // What went before the failure stands: the first two are on the board as told to come in.
    const told = lead.board(incidentId)!.responders.filter((r) => r.directive?.kind === 'assign').map((r) => r.jid).sort();
    expect(told).toEqual(nurses.slice(0, 2));
  });

  it('a store that keeps failing gets one retry at a time, backing off, and none after stop', async () => {
    vi.useFakeTimers();
    try {
      let saves = 0;
      const failing: IncidentStore = {
        loadIncidentRecords: async () => ({ events: [], outbox: [] }),
        getSetting: async () => null,
        setSetting: async () => undefined,
        saveIncidentChanges: async () => {
          saves += 1;
          throw new Error('disk full');
        },
      };
      const lead = new IncidentService({ store: failing, chat: () => null, self: { jid: LEAD, name: 'Dr Lead', role: 'ED consultant' }, now: () => T0, declarers: [LEAD] });
      await lead.start();
      const { incidentId } = await lead.declare({ name: 'Tram', exercise: false, details: '', coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null });
      const { requestId } = await lead.request({ lines: [{ role: 'ED nurse', count: 1, location: 'ED', by: null }], note: '' });
      for (let n = 0; n < 40; n += 1) {
        const response: IncidentEventDraft = {
          kind: 'response', incidentId, eventId: `ev-${n}`, at: T0, exercise: false, requestId, responder: `n${n}@trust.test`, name: `N${n}`, role: 'ED nurse', availability: { status: 'now', etaMinutes: 10 },
        };
        lead.receive({ message: buildIncidentMessage({ to: LEAD, type: 'chat', id: `r-${n}`, event: response }), actor: `n${n}@trust.test`, source: 'live', conversation: `n${n}@trust.test`, type: 'chat' });
        await vi.advanceTimersByTimeAsync(0);
      }
      const before = saves;
      await vi.advanceTimersByTimeAsync(2_000);
      expect(saves - before).toBe(1); // one timer, whatever the number of failed writes
      await vi.advanceTimersByTimeAsync(2_000);
      expect(saves - before).toBe(1); // backing off: the next one waits 4 s
      await vi.advanceTimersByTimeAsync(2_000);
      expect(saves - before).toBe(2);
      lead.stop();
      await vi.advanceTimersByTimeAsync(120_000);
      expect(saves - before).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
});

/** Hands every event `from` wrote to `to`, as 1:1 copies (what the server would deliver). */
function relay(from: IncidentService, fromJid: string, incidentId: string, to: IncidentService): void {
  for (const event of from.events(incidentId)) {
    if (event.actor !== fromJid) continue;
    const draft: Partial<typeof event> = { ...event };
    delete draft.actor;
    to.receive({ message: buildIncidentMessage({ to: 'x@trust.test', type: 'chat', id: `m-${event.eventId}`, event: draft as IncidentEventDraft }), actor: fromJid, source: 'live', conversation: fromJid, type: 'chat' });
  }
}

describe('IncidentService (review findings, incident mode)', () => {
  it('a responder can still answer an open incident after a later one was declared and closed (a drill elsewhere)', async () => {
    const SITE = 'site@trust.test';
    let clock = T0;
    const lead = service(memoryStore(), null, LEAD, () => clock, [LEAD, SITE]);
    const site = service(memoryStore(), null, SITE, () => clock, [LEAD, SITE]);
    const amy = service(memoryStore(), null, AMY, () => clock, [LEAD, SITE]);
    await Promise.all([lead.start(), site.start(), amy.start()]);
    const { incidentId: real } = await lead.declare({ name: 'Real', exercise: false, details: '', coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null });
    const { requestId } = await lead.request({ lines: [{ role: 'ED nurse', count: 2, location: 'ED', by: null }], note: '' });
    relay(lead, LEAD, real, amy);
    clock += 10 * 60_000;
    const { incidentId: drill } = await site.declare({ name: 'Drill elsewhere', exercise: true, details: '', coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null });
    await site.close({});
    relay(site, SITE, drill, amy);
    expect(amy.currentId()).toBe(real);
    await amy.respond({ requestId, availability: { status: 'now', etaMinutes: 10 } });
    expect(amy.board(real)?.responders.map((r) => r.jid)).toEqual([AMY]);
  });

  it('a control-room display stays on the incident naming it, even closed, when another it is not named in is open', async () => {
    const SITE = 'site@trust.test';
    let clock = T0;
    const site = service(memoryStore(), null, SITE, () => clock, [LEAD, SITE]);
    const lead = service(memoryStore(), null, LEAD, () => clock, [LEAD, SITE]);
    const wall = service(memoryStore(), null, WALL, () => clock, [LEAD, SITE]);
    await Promise.all([site.start(), lead.start(), wall.start()]);
    const { incidentId: elsewhere } = await site.declare({ name: 'Elsewhere', exercise: false, details: '', coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null });
    relay(site, SITE, elsewhere, wall);
    clock += 60_000;
    const { incidentId: ours } = await lead.declare({ name: 'Ours', exercise: true, details: '', coordinators: [], displays: [WALL], announcementRoom: null, coordinationRoom: null });
    await lead.close({});
    relay(lead, LEAD, ours, wall);
    expect(wall.currentId()).toBe(ours);
  });

  it('refuses an incident whose call-ins could not carry every coordinator and display, instead of showing a call-in never sent', async () => {
    const { chat, sent, goOnline } = fakeChat();
    goOnline();
    const lead = service(memoryStore(), chat);
    await lead.start();
    const many = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}@trust.test`);
    await expect(
      lead.declare({ name: 'Big', exercise: false, details: '', coordinators: many('c', 24), displays: many('wall', 9), announcementRoom: null, coordinationRoom: null }),
    ).rejects.toThrow('Name at most 32 coordinators and control-room displays together');
    expect(lead.board()).toBeNull();
    await lead.declare({ name: 'Big', exercise: false, details: '', coordinators: many('c', 22), displays: many('wall', 9), announcementRoom: null, coordinationRoom: null });
    await settle();
    sent.length = 0;
    await lead.request({ lines: [{ role: 'ED nurse', count: 2, location: 'ED', by: null }], note: '' });
    await settle();
    expect(sent.length).toBe(31);
    expect(lead.unsent()).toBe(0);
  });
});


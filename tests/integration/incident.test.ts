// Major-incident mode against a real Prosody: two coordinators, three responders and a
// control-room display, each a real ChatService over its own encrypted store with an
// IncidentService fed by the chat layer. A whole exercise drill, then the boards compared.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentService } from '../../electron/core/incident/incidentService.js';
import { NOT_NEEDED_NOW, standDownTargets, timelineCsv, timelineJsonValue, type IncidentBoard } from '../../electron/core/incident/index.js';
import { type ProsodyServer, startProsody } from '../fixtures/prosody.js';
import { bodies, cleanUpStores, openWorkstation, waitFor, waitReady, type Workstation } from './chatHarness.js';

const PEOPLE = {
  lead: { name: 'DEMO Dr Lead', role: 'ED consultant' },
  coord: { name: 'DEMO Sister Coord', role: 'Nurse in charge' },
  amy: { name: 'DEMO Amy Ng', role: 'ED nurse' },
  ben: { name: 'DEMO Ben Ode', role: 'ED nurse' },
  cai: { name: 'DEMO Cai Li', role: 'ED nurse' },
  wall: { name: 'Control room', role: 'Display' },
} as const;
type Person = keyof typeof PEOPLE;
const password = (user: string): string => `${user} long secret passphrase`;

let server: ProsodyServer;
const open: Desk[] = [];

interface Desk {
  user: Person;
  jid: string;
  ws: Workstation;
  incident: IncidentService;
  restart(): Promise<void>;
}

beforeAll(async () => {
  server = await startProsody({ users: Object.keys(PEOPLE).map((username) => ({ username, password: password(username) })) });
});

afterAll(async () => {
  await Promise.all(open.splice(0).map(async (d) => {
    d.incident.stop();
    await d.ws.close().catch(() => undefined);
  }));
  await server?.stop();
  cleanUpStores();
});

async function desk(user: Person): Promise<Desk> {
  const jid = `${user}@${server.domain}`;
  let incident: IncidentService | null = null;
  const make = (ws: Workstation): IncidentService =>
    new IncidentService({
      store: ws.store,
      chat: () => ws.chat,
      self: { jid, ...PEOPLE[user] },
      // As the hospital's admin policy names them: without a list nobody may declare.
      declarers: [`lead@${server.domain}`],
      autoReplyDelayMs: 100,
    });
  const ws = await openWorkstation(server, user, {
    account: { jid, password: password(user), host: server.host, port: server.c2sPort },
    self: PEOPLE[user],
    onStructured: (delivery) => incident?.receive(delivery) ?? false,
  });
  incident = make(ws);
  await incident.start();
  await waitReady(ws);
  const d: Desk = {
    user,
    jid,
    ws,
    incident,
    async restart() {
      d.incident.stop();
      await d.incident.idle();
      await ws.goOffline();
      incident = make(ws);
      d.incident = incident;
      await incident.start();
      const before = ws.logs.length;
      await ws.comeOnline();
      await waitReady(ws, before);
    },
  };
  open.push(d);
  return d;
}

/** What must match between two coordinators: everything but local bookkeeping. */
function comparable(board: IncidentBoard | null): unknown {
  if (board === null) return null;
  return { ...board, duplicates: 0, rejected: [] };
}

describe('major incident drill over real XMPP', () => {
  let lead: Desk, coord: Desk, amy: Desk, ben: Desk, cai: Desk, wall: Desk;
  let announce: string;
  let requestId: string;

  beforeAll(async () => {
    [lead, coord, amy, ben, cai, wall] = await Promise.all([desk('lead'), desk('coord'), desk('amy'), desk('ben'), desk('cai'), desk('wall')]);
    announce = `mi-staff@${server.mucDomain}`;
  });

  it('declares an exercise: rooms are set up and every coordinator and the display hold the declaration', async () => {
    await lead.incident.declare({
      name: 'Tram collision',
      exercise: true,
      details: 'M: declared\nE: Victoria St',
      coordinators: [coord.jid],
      displays: [wall.jid],
      announcementRoom: announce,
      coordinationRoom: `mi-coord@${server.mucDomain}`,
    });
    for (const d of [coord, wall]) {
      await waitFor(`${d.user} has the declaration`, () => d.incident.board()?.declaration?.name === 'Tram collision' || undefined);
    }
    expect(coord.incident.roleIn(coord.incident.board()!)).toBe('coordinator');
    expect(wall.incident.roleIn(wall.incident.board()!)).toBe('display');
    // Staff read the announcement room (moderated: they join without voice).
    for (const d of [amy, ben, cai]) await d.ws.chat.joinRoom(announce, 'Announcements');
    for (const d of [amy, ben, cai]) {
      await waitFor(`${d.user} has the declaration from the room archive`, () => d.incident.board()?.declaration?.exercise === true || undefined);
      expect(d.incident.roleIn(d.incident.board()!)).toBe('responder');
    }
  });

  it('a responder cannot speak in the announcement room', async () => {
    const roomId = (await amy.ws.store.listConversations()).find((c) => c.jid === announce)!.id;
    await amy.ws.chat.send({ conversationId: roomId, body: 'I can come!', urgent: false });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await bodies(ben.ws.store, announce)).not.toContain('I can come!');
  });

  it('requests, takes responses (one changed, one after filled gets the standby reply), assigns, acks, arrivals', async () => {
    ({ requestId } = await lead.incident.request({ lines: [{ role: 'ED nurse', count: 1, location: 'ED resus', by: null }], note: '' }));
    for (const d of [amy, ben, cai, coord, wall]) {
      await waitFor(`${d.user} has the request`, () => d.incident.board()?.requests.some((r) => r.requestId === requestId) || undefined);
    }
    // The request reached the room as an urgent, EXERCISE-marked message.
    expect((await bodies(amy.ws.store, announce)).some((b) => b.startsWith('EXERCISE — CALL-IN REQUEST'))).toBe(true);

    await amy.incident.respond({ requestId, availability: { status: 'unavailable' } });
    await amy.incident.respond({ requestId, availability: { status: 'now', etaMinutes: 20 } });
    await ben.incident.respond({ requestId, availability: { status: 'now', etaMinutes: 30 } });
    const row = (d: Desk, jid: string) => d.incident.board()?.responders.find((r) => r.jid === jid);
    await waitFor('lead sees amy available now', () => (row(lead, amy.jid)?.availability?.status === 'now' ? true : undefined));
    await waitFor('lead sees ben', () => row(lead, ben.jid) !== undefined || undefined);
    expect(row(lead, amy.jid)?.responseCount).toBe(2);

    // Come in → ED resus for amy, from the second coordinator's desk.
    await coord.incident.act({ targets: [{ requestId, responder: amy.jid }], action: { action: 'come-in', location: 'ED resus' } });
    const directive = await waitFor('amy gets the directive', () => row(amy, amy.jid)?.directive ?? undefined);
    expect(directive.action).toBe('come-in');
    await amy.incident.acknowledge({ directiveId: directive.eventId });
    await waitFor('lead sees the ack', () => row(lead, amy.jid)?.acknowledged || undefined);

    // The line is filled: cai's offer is recorded and answered automatically, once.
    await cai.incident.respond({ requestId, availability: { status: 'now', etaMinutes: 10 } });
    const reply = await waitFor('cai is told to stand by', () => (row(cai, cai.jid)?.status === 'standby' ? row(cai, cai.jid) : undefined));
    expect(reply?.directive?.by).toBe(lead.jid);
    // Kept as a message too (it is addressed to Cai), so it notifies like any directive.
    await waitFor('cai has the reply as a message', async () => ((await bodies(cai.ws.store, lead.jid)).some((b) => b.includes(NOT_NEEDED_NOW)) ? true : undefined));

    await amy.incident.arrive({ requestId, location: 'ED resus' });
    await waitFor('display sees the arrival', () => (row(wall, amy.jid)?.status === 'arrived' ? true : undefined));
    expect(wall.incident.board()!.locations[0]).toMatchObject({ location: 'ED resus', needed: 1, assigned: 1, arrived: 1 });
  });

  it('responders never receive one another’s responses', async () => {
    for (const d of [amy, ben, cai]) {
      const others = d.incident.board()!.responders.filter((r) => r.jid !== d.jid);
      expect(others).toEqual([]);
    }
    expect(await bodies(amy.ws.store, announce)).not.toEqual(expect.arrayContaining([expect.stringContaining('Available now')]));
    // Structured responses go to the board, not into coordinators' conversation lists.
    const leadsConversations = (await lead.ws.store.listConversations()).map((c) => c.jid);
    for (const d of [amy, ben, cai]) expect(leadsConversations).not.toContain(d.jid);
    // A directive addressed to a responder is kept as a message too, so it notifies.
    expect((await bodies(amy.ws.store, coord.jid)).some((b) => b.includes('Please come in: report to ED resus'))).toBe(true);
  });

  it('ends the call-in: ben, who offered and was not assigned, is stood down; both coordinators converge', async () => {
    const { stoodDown } = await lead.incident.endCallIn({ requestId });
    expect(stoodDown).toBeGreaterThanOrEqual(1);
    const row = (d: Desk, jid: string) => d.incident.board()?.responders.find((r) => r.jid === jid);
    await waitFor('ben is stood down', () => (row(ben, ben.jid)?.status === 'stood-down' ? true : undefined));
    await waitFor('boards converge', () =>
      JSON.stringify(comparable(lead.incident.board())) === JSON.stringify(comparable(coord.incident.board())) ? true : undefined,
    );
    await waitFor('display converges', () =>
      JSON.stringify(comparable(lead.incident.board())) === JSON.stringify(comparable(wall.incident.board())) ? true : undefined,
    );
  });

  it('exports the timeline (CSV and JSON, every row EXERCISE) and the board survives a restart', async () => {
    const board = lead.incident.board()!;
    const csv = timelineCsv(board);
    const json = timelineJsonValue(board, Date.now());
    for (const kind of ['declare', 'request', 'response', 'assign', 'ack', 'arrive', 'close', 'standdown']) {
      expect(json.entries.some((e) => e.kind === kind), kind).toBe(true);
    }
    expect(csv).toContain('EXERCISE');

    const before = JSON.stringify(comparable(coord.incident.board()));
    await coord.restart();
    expect(JSON.stringify(comparable(coord.incident.board()))).toBe(before);
  });

  it('closes the incident: everyone still on the board is stood down', async () => {
    await coord.incident.close({});
    const row = (d: Desk, jid: string) => d.incident.board()?.responders.find((r) => r.jid === jid);
    // Amy arrived (arrival always wins on the board), and still gets the incident stand-down.
    await waitFor('amy stood down', () => (row(amy, amy.jid)?.directive?.action === 'stand-down' ? true : undefined));
    await waitFor('cai stood down', () => (row(cai, cai.jid)?.status === 'stood-down' ? true : undefined));
    await waitFor('lead sees the close', () => lead.incident.board()?.closedAt ?? undefined);
    // Once the other coordinator's stand-downs have arrived, pressing Close again sends nothing.
    await waitFor('lead has every stand-down', () => (standDownTargets(lead.incident.board()!, 'incident').length === 0 ? true : undefined));
    expect(await lead.incident.close({})).toEqual({ stoodDown: 0 });
  });
});

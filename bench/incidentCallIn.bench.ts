/**
 * Major-incident call-in at scale (issue 6, section 7). A coordinator runs the real ChatService +
 * IncidentService over a real encrypted store; N responders (default 500) are raw XMPP clients
 * (our own TLS-only connection, no ChatService) that send the standard response form 1:1 to the
 * coordinator, spread over a window (default 60 s, as the issue says).
 *
 * Timed per response, in this one process (same clock):
 *   send() by the responder → the coordinator's derived board shows that responder's row.
 * The board is re-derived at most once per event-loop turn after any change, as the UI re-reads
 * it on 'incident:changed'.
 *
 * Baseline in the same run, on the same server: every response is also sent to a bare raw client
 * that stores and derives nothing; its time is send() → its socket hands over the stanza.
 *
 * Also: the time to derive the board from all events with N rows, and to project it for IPC
 * (toIncidentState + the contract's zod validation, which every 'incident:state' call pays).
 */
import { randomBytes } from 'node:crypto';
import { IncidentStateSchema } from '../electron/common/contract.js';
import { deriveBoard } from '../electron/core/incident/board.js';
import { buildIncidentMessage } from '../electron/core/incident/incidentForms.js';
import { IncidentService } from '../electron/core/incident/incidentService.js';
import { toIncidentState } from '../electron/core/incident/incidentView.js';
import type { IncidentEventDraft } from '../electron/core/incident/incidentTypes.js';
import { connectXmpp, xml, type XmppConnection } from '../electron/core/xmpp/index.js';
import { jidOf, withProsody, type ProsodyServer, type ProsodyUser } from './benchProsody.js';
import { isDirectRun, percentile, round, within } from './benchStats.js';
import { openBenchWorkstation } from './benchWorkstation.js';

export interface IncidentCallInBenchOptions {
  /** Simulated responders (default 500). */
  responders?: number;
  /** Responses are spread uniformly over this window (default 60 000 ms). */
  windowMs?: number;
}

const COORDINATOR: ProsodyUser = { username: 'bench.coordinator', password: 'bench coordinator long passphrase' };
const BARE: ProsodyUser = { username: 'bench.bare', password: 'bench bare long passphrase' };
const responderUser = (i: number): ProsodyUser => ({ username: `bench.r${i}`, password: `bench responder ${i} passphrase` });
/** Logins at once: Prosody's SCRAM is CPU-bound; more in parallel only queues. */
const LOGIN_CONCURRENCY = 16;

export async function runIncidentCallInBench(options: IncidentCallInBenchOptions = {}): Promise<Record<string, number>> {
  const n = options.responders ?? 500;
  const windowMs = options.windowMs ?? 60_000;
  const responders = Array.from({ length: n }, (_, i) => responderUser(i));
  return withProsody([COORDINATOR, BARE, ...responders], async (server) => run(server, responders, windowMs));
}

async function inBatches<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return out;
}

function rawClient(server: ProsodyServer, user: ProsodyUser): Promise<XmppConnection> {
  const connection = connectXmpp({
    jid: jidOf(server, user),
    password: user.password,
    host: server.host,
    port: server.c2sPort,
    adminCa: { paths: [server.caCertPath] },
    loginTimeoutMs: 60_000,
  });
  return within(`${user.username} online`, 120_000, new Promise<XmppConnection>((resolve) => {
    if (connection.state().kind === 'online') resolve(connection);
    const off = connection.on('state', (state) => {
      if (state.kind === 'online') {
        off();
        resolve(connection);
      }
    });
  }));
}

async function run(server: ProsodyServer, responders: readonly ProsodyUser[], windowMs: number): Promise<Record<string, number>> {
  const station = await openBenchWorkstation(server, COORDINATOR);
  const clients: XmppConnection[] = [];
  let incident: IncidentService | null = null;
  try {
    const coordinatorJid = jidOf(server, COORDINATOR);
    const bareJid = jidOf(server, BARE);
    const sentAt = new Map<string, number>();
    const boardLatency: number[] = [];
    const bareLatency: number[] = [];
    const liveDerive: number[] = [];
    const seen = new Set<string>();
    let allSeen = (): void => {};
    const everyoneOnBoard = new Promise<void>((resolve) => (allSeen = resolve));
    let deriveScheduled = false;
    // The UI re-reads the board after 'incident:changed'; at most once per event-loop turn here.
    const onChanged = (): void => {
      if (deriveScheduled) return;
      deriveScheduled = true;
      setImmediate(() => {
        deriveScheduled = false;
        const started = performance.now();
        const board = incident?.board();
        const at = performance.now();
        liveDerive.push(at - started);
        for (const row of board?.responders ?? []) {
          if (seen.has(row.jid)) continue;
          const sent = sentAt.get(row.jid);
          if (sent === undefined) continue;
          seen.add(row.jid);
          boardLatency.push(at - sent);
        }
        if (seen.size === responders.length) allSeen();
      });
    };

    const chat = station.start({ onStructured: (delivery) => incident?.receive(delivery) ?? false });
    incident = new IncidentService({
      store: station.store,
      chat: () => chat,
      self: { jid: coordinatorJid, name: 'Bench coordinator', role: 'ED consultant' },
      changed: onChanged,
      declarers: [coordinatorJid],
      // No late-offer replies in this run: every line stays open.
      autoReplyDelayMs: 60_000,
    });
    await incident.start();
    await station.ready();
    await incident.declare({ name: 'Bench incident', exercise: true, details: '', coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null });
    const { requestId } = await incident.request({
      lines: [
        { role: 'ED nurse', count: 400, location: 'ED majors', by: null },
        { role: 'Porter', count: 200, location: 'ED majors', by: null },
      ],
      note: '',
    });
    const board = incident.board()!;

    // The baseline receiver: a raw client that only notes when each stanza arrives.
    const bare = await rawClient(server, BARE);
    clients.push(bare);
    // Available, or the server keeps 1:1 messages for it offline instead of delivering them.
    await bare.send(xml('presence'));
    bare.on('stanza', (stanza) => {
      const from = stanza.attrs['from'];
      const jid = typeof from === 'string' ? from.split('/')[0] : undefined;
      const sent = jid === undefined ? undefined : sentAt.get(jid);
      if (stanza.name === 'message' && sent !== undefined) bareLatency.push(performance.now() - sent);
    });

    const loginStarted = performance.now();
    const responderClients = await inBatches(responders, LOGIN_CONCURRENCY, (user) => rawClient(server, user));
    clients.push(...responderClients);
    const loginMs = performance.now() - loginStarted;

    // Each responder answers once, at a random moment in the window, with the standard form.
    const tag = randomBytes(4).toString('hex');
    const sends = responderClients.map((client, i) => {
      const user = responders[i]!;
      const jid = jidOf(server, user);
      const delay = Math.random() * windowMs;
      return new Promise<void>((resolve, reject) => {
        setTimeout(() => {
          const draft: IncidentEventDraft = {
            kind: 'response',
            incidentId: board.incidentId,
            eventId: `ev-${tag}-${i}`,
            at: Date.now(),
            exercise: true,
            requestId,
            responder: jid,
            name: `Responder ${i}`,
            role: i % 3 === 0 ? 'Porter' : 'ED nurse',
            availability: { status: 'now', etaMinutes: 5 + (i % 40) },
          };
          sentAt.set(jid, performance.now());
          const toCoordinator = buildIncidentMessage({ to: coordinatorJid, type: 'chat', id: `wl-${tag}-c${i}`, event: draft });
          const toBare = buildIncidentMessage({ to: bareJid, type: 'chat', id: `wl-${tag}-b${i}`, event: draft });
          Promise.all([client.send(toCoordinator), client.send(toBare)]).then(() => resolve(), reject);
        }, delay);
      });
    });
    await within('every response acknowledged by the server', windowMs + 60_000, Promise.all(sends));
    await within('every response on the coordinator board', 60_000, everyoneOnBoard);

    // Derive and IPC projection with N rows, from the final event set (median of 20).
    const final = incident.board()!;
    const events = incident.events(final.incidentId);
    const finalDerive: number[] = [];
    const project: number[] = [];
    for (let k = 0; k < 20; k += 1) {
      const t0 = performance.now();
      deriveBoard(events, { incidentId: final.incidentId, declarers: [coordinatorJid] });
      finalDerive.push(performance.now() - t0);
      const t1 = performance.now();
      IncidentStateSchema.parse(toIncidentState(final, 'coordinator', coordinatorJid, { unsent: 0, canDeclare: true }, { name: 'x', role: 'y' }));
      project.push(performance.now() - t1);
    }
    const p = (values: number[], q: number): number => round(percentile(values, q));
    return {
      responders: responders.length,
      windowMs,
      loginAllMs: round(loginMs),
      boardRows: final.responders.length,
      arrivalToBoardP50Ms: p(boardLatency, 50),
      arrivalToBoardP99Ms: p(boardLatency, 99),
      arrivalToBoardMaxMs: round(Math.max(...boardLatency)),
      bareArrivalP50Ms: p(bareLatency, 50),
      bareArrivalP99Ms: p(bareLatency, 99),
      liveDeriveP50Ms: p(liveDerive, 50),
      liveDeriveMaxMs: round(Math.max(...liveDerive)),
      derive500MedianMs: p(finalDerive, 50),
      stateProjectionMedianMs: p(project, 50),
    };
  } finally {
    incident?.stop();
    for (const client of clients) await client.close().catch(() => undefined);
    await station.close();
  }
}

if (isDirectRun(import.meta.url)) {
  const n = Number(process.argv[2] ?? 500);
  const windowMs = Number(process.argv[3] ?? 60_000);
  console.log(JSON.stringify(await runIncidentCallInBench({ responders: n, windowMs }), null, 2));
}

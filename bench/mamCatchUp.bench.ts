/**
 * MAM catch-up benchmark (issue 4, section 8): while the receiver is offline, 10,000 messages are
 * sent to it (our connection layer with buildChatMessage, many in flight; every send() resolves on
 * the server's XEP-0198 ack, and Prosody archives a message before it acks it). Prosody's
 * offline store (mod_offline, autoloaded) is then emptied by another device of the receiver's (see
 * drainOfflineDelivery), so the archive is the only source, as for a new workstation. Then:
 *
 *  - bare: a raw connectXmpp as the receiver pages through its archive with
 *    buildPersonalArchiveQuery (same page size and first-sync window as the ChatService), counting
 *    results, storing nothing: what the server and the transport cost on their own.
 *  - ours: the receiver's ChatService starts over a fresh encrypted store, signs in, catches up
 *    and stores every message. Timed from startChat() to the conversations-changed event of the
 *    last stored page (and, for context, to its "session-ready").
 *
 * Both runs include sign-in (TLS + SCRAM + bind), reported on its own too. Counts are asserted:
 * the bare loop must see exactly N distinct archive ids, the store exactly N distinct messages.
 * The bare loop runs once untimed first (it proves the archive is complete and warms the server's
 * file cache equally for both timed runs).
 */
import { randomBytes } from 'node:crypto';
import { ARCHIVE_PAGE_SIZE, INITIAL_SYNC_WINDOW_MS } from '../electron/core/chat/index.js';
import { buildChatMessage, buildPersonalArchiveQuery, parseArchiveFin } from '../electron/core/messaging/index.js';
import { connectXmpp, xml, type XmppConnection, type XmppConnectionState } from '../electron/core/xmpp/index.js';
import { RECEIVER, SENDER, jidOf, useMemoryArchive, useSqlArchive, withProsody, type ProsodyServer, type ProsodyUser } from './benchProsody.js';
import { isDirectRun, round, within } from './benchStats.js';
import { allMessages, changedUntil, openBenchWorkstation, type BenchWorkstation } from './benchWorkstation.js';

export interface MamCatchUpBenchOptions {
  /** Messages archived for the offline receiver (default 10,000). */
  messages?: number;
  /**
   * Where the server archives: 'sql' (default: SQLite through lua-dbi-sqlite3, as deployed),
   * 'memory' (see useMemoryArchive in benchProsody.ts) or the
   * fixture's own 'internal' file store, which re-reads the whole archive per page (minutes at 10,000).
   */
  archive?: 'sql' | 'memory' | 'internal';
}

/** Sends in flight at once while filling the archive. */
const SEND_WINDOW = 500;
const MAM = 'urn:xmpp:mam:2';

export async function runMamCatchUpBench(options: MamCatchUpBenchOptions = {}): Promise<Record<string, number>> {
  const messages = options.messages ?? 10_000;
  const archive = options.archive ?? 'sql';
  return withProsody([SENDER, RECEIVER], async (server) => {
    // Room for the sender's copies too, and for receipts, with no quota truncation mid-run.
    if (archive === 'memory') await useMemoryArchive(server, messages * 3);
    if (archive === 'sql') await useSqlArchive(server, messages * 3);
    const fillStarted = performance.now();
    await fillArchive(server, messages);
    const fillMs = performance.now() - fillStarted;
    await drainOfflineDelivery(server, messages);

    // Untimed pass first: proves the archive holds exactly N, and warms the server's file cache.
    await bareCatchUp(server, messages);
    const bare = await bareCatchUp(server, messages);
    // Ours last: its receipts and catch-up change the archive (see the header).
    const ours = await oursCatchUp(server, messages);
    return {
      messages,
      catchUpMs: round(ours.storedMs),
      catchUpLoginMs: round(ours.loginMs),
      catchUpSessionReadyMs: round(ours.readyMs),
      catchUpArchivedItems: ours.archivedItems,
      bareFetchMs: round(bare.fetchedMs),
      bareLoginMs: round(bare.loginMs),
      barePages: bare.pages,
      catchUpOverBare: round(ours.storedMs / bare.fetchedMs),
      storeShareMs: round(ours.storedMs - bare.fetchedMs),
      fillMs: round(fillMs),
    };
  });
}

function connectAs(server: ProsodyServer, user: ProsodyUser, resource: string): XmppConnection {
  return connectXmpp({
    jid: jidOf(server, user),
    password: user.password,
    host: server.host,
    port: server.c2sPort,
    adminCa: { paths: [server.caCertPath] },
    resource,
  });
}

function online(connection: XmppConnection, timeoutMs = 30_000): Promise<void> {
  return within(
    'sign-in',
    timeoutMs,
    new Promise<void>((resolve, reject) => {
      const settle = (state: XmppConnectionState): boolean => {
        if (state.kind === 'online') resolve();
        else if (state.kind === 'offline') reject(new Error(`Sign-in failed: ${state.reason.message}`));
        else return false;
        return true;
      };
      if (settle(connection.state())) return;
      const off = connection.on('state', (state) => {
        if (settle(state)) off();
      });
    }),
  );
}

/** The sender sends `count` messages to the offline receiver; resolves when the server has acked (and so archived) all. */
async function fillArchive(server: ProsodyServer, count: number): Promise<void> {
  const connection = connectAs(server, SENDER, 'bench-fill');
  try {
    await online(connection);
    const to = jidOf(server, RECEIVER);
    const tag = randomBytes(4).toString('hex');
    for (let from = 0; from < count; from += SEND_WINDOW) {
      const batch: Promise<void>[] = [];
      for (let i = from; i < Math.min(count, from + SEND_WINDOW); i += 1) {
        batch.push(connection.send(buildChatMessage({ to, id: `fill-${tag}-${i}`, body: bodyFor(i) })));
      }
      await within('the server to ack a batch of sends', 60_000, Promise.all(batch));
    }
  } finally {
    await connection.close();
  }
}

/**
 * Prosody autoloads mod_offline, which also keeps messages for an offline account and pushes them
 * all, live, on its next initial presence. The ChatService sends presence before it queries the
 * archive, so without this step it would take delivery of the whole backlog live (and only find
 * duplicates in the archive), and the MAM path would not be measured at all. So another device of
 * the receiver's (a raw connection, no store, no receipts) comes online first and takes that
 * delivery: the benchmark's workstation is then a fresh one whose only source is the archive.
 */
async function drainOfflineDelivery(server: ProsodyServer, expected: number): Promise<void> {
  const connection = connectAs(server, RECEIVER, 'bench-other-device');
  try {
    await online(connection);
    let received = 0;
    let wake = (): void => undefined;
    const all = new Promise<void>((resolve) => (wake = resolve));
    const off = connection.on('stanza', (stanza) => {
      if (stanza.name === 'message' && stanza.getChild('body') !== undefined && (received += 1) === expected) wake();
    });
    try {
      await connection.send(xml('presence', {}));
      await within(`offline delivery of ${expected} messages to another device`, 120_000, all);
    } finally {
      off();
    }
  } finally {
    await connection.close();
  }
}

function bodyFor(i: number): string {
  return `Catch-up message ${i}: obs stable, NEWS 2, next review at 14:00.`;
}

interface BareResult {
  loginMs: number;
  fetchedMs: number;
  pages: number;
}

/** A raw MAM paging loop as the receiver: counts results per page, stores nothing. */
async function bareCatchUp(server: ProsodyServer, expected: number): Promise<BareResult> {
  const started = performance.now();
  const connection = connectAs(server, RECEIVER, `bench-bare-${randomBytes(3).toString('hex')}`);
  try {
    await online(connection);
    const loginMs = performance.now() - started;
    const ids = new Set<string>();
    let results = 0;
    let current: string | null = null;
    const off = connection.on('stanza', (stanza) => {
      const result = stanza.getChild('result', MAM);
      if (stanza.name !== 'message' || result === undefined || result.attrs['queryid'] !== current) return;
      const id = result.attrs['id'];
      if (typeof id === 'string') ids.add(id);
      results += 1;
    });
    let after: string | undefined;
    let start: number | undefined = Date.now() - INITIAL_SYNC_WINDOW_MS;
    let pages = 0;
    try {
      for (;;) {
        current = randomBytes(8).toString('hex');
        const answer = await connection.iq(buildPersonalArchiveQuery({ iqId: `mam-${current}`, queryId: current, max: ARCHIVE_PAGE_SIZE, after, start }), 30_000);
        const fin = parseArchiveFin(answer);
        if (fin.kind !== 'fin') throw new Error(`Archive answer: ${fin.kind}`);
        pages += 1;
        if (fin.complete || fin.last === null || fin.last === after) break;
        after = fin.last;
        start = undefined;
      }
    } finally {
      off();
    }
    const fetchedMs = performance.now() - started;
    if (results !== expected || ids.size !== expected) {
      throw new Error(`The archive returned ${results} results (${ids.size} distinct), expected ${expected}.`);
    }
    return { loginMs, fetchedMs, pages };
  } finally {
    await connection.close();
  }
}

interface OursResult {
  loginMs: number;
  storedMs: number;
  readyMs: number;
  archivedItems: number;
}

async function oursCatchUp(server: ProsodyServer, expected: number): Promise<OursResult> {
  let station: BenchWorkstation | undefined;
  try {
    // The store is opened (and its worker started) before the clock starts: unlock has its own benchmark.
    station = await openBenchWorkstation(server, RECEIVER);
    const { store } = station;
    let loginAt = Number.NaN;
    const started = performance.now();
    const chat = station.start();
    chat.on((event) => {
      if (event.type === 'connection' && event.state.kind === 'online' && Number.isNaN(loginAt)) loginAt = performance.now();
    });
    // "All stored": the first conversations-changed event after which the store counts N unread
    // incoming messages (a counter column, so the check is cheap and never reads content).
    const allStoredAt = await changedUntil(chat, async () => (await store.unreadCounts()).unread >= expected, `${expected} messages stored`, 300_000);
    await station.ready(300_000);
    const readyAt = performance.now();

    const ready = station.logs.find((line) => line.startsWith('chat session-ready')) ?? '';
    const conversation = await store.findConversationByJid(jidOf(server, SENDER));
    if (conversation === null) throw new Error(`Nothing was stored (${ready}).`);
    const stored = await allMessages(store, conversation.id);
    const incoming = stored.filter((message) => message.direction === 'in');
    const bodies = new Set(incoming.map((message) => message.body));
    const missing = Array.from({ length: expected }, (_, i) => bodyFor(i)).filter((body) => !bodies.has(body)).length;
    const unread = (await store.unreadCounts()).unread;
    if (stored.length !== expected || incoming.length !== expected || bodies.size !== expected || missing > 0 || unread !== expected) {
      throw new Error(
        `Stored ${stored.length} (${incoming.length} incoming, ${bodies.size} distinct, ${missing} missing, ${unread} unread), expected ${expected} (${ready}).`,
      );
    }
    const archivedItems = Number(/archived=(\d+)/.exec(ready)?.[1] ?? Number.NaN);
    return { loginMs: loginAt - started, storedMs: allStoredAt - started, readyMs: readyAt - started, archivedItems };
  } finally {
    await station?.close();
  }
}

// `npx tsx bench/mamCatchUp.bench.ts` runs this benchmark alone.
if (isDirectRun(import.meta.url)) {
  console.log(JSON.stringify(await runMamCatchUpBench()));
}

/**
 * Workstations for the messaging integration tests: each is a real ChatService over its own
 * real SQLCipher store (temp dir, random key), signed in to a real XMPP server fixture
 * (Prosody or ejabberd).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChat } from '../../electron/core/chat/index.js';
import type { ChatEvent, ChatService, ChatServiceOptions } from '../../electron/core/chat/index.js';
import { openStore, type StoredMessage, type WardlineStore } from '../../electron/core/store/index.js';
import { connectXmpp, type XmppConnection } from '../../electron/core/xmpp/index.js';
import type { XmppTestServer } from '../fixtures/serverProcess.js';

export const PASSWORDS: Record<string, string> = {
  alice: 'alice long secret passphrase',
  bob: 'bob long secret passphrase',
  carol: 'carol long secret passphrase',
  mallory: 'mallory long secret passphrase',
  newcomer: 'newcomer long secret passphrase',
};

/** Not created when the server starts: a test registers it itself (an address that does not exist yet). */
export const LATE_USER = 'newcomer';

export const users = Object.entries(PASSWORDS)
  .filter(([username]) => username !== LATE_USER)
  .map(([username, password]) => ({ username, password }));

export interface Workstation {
  readonly user: string;
  readonly jid: string;
  readonly store: WardlineStore;
  chat: ChatService;
  readonly logs: string[];
  readonly events: ChatEvent[];
  readonly sockets: Socket[];
  /** Stops the service (the store stays open), e.g. to be offline. */
  goOffline(): Promise<void>;
  /** A new service over the same store (a restart of the app on this workstation). */
  comeOnline(): Promise<void>;
  close(): Promise<void>;
}

const roots: string[] = [];

export function cleanUpStores(): void {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
}

export async function openWorkstation(
  server: XmppTestServer,
  user: string,
  extra: Partial<ChatServiceOptions> = {},
  /** What the chat service sees of the store (e.g. a slower one); the workstation keeps the real one. */
  storeSeenByChat: (store: WardlineStore) => WardlineStore = (store) => store,
): Promise<Workstation> {
  const root = mkdtempSync(join(tmpdir(), `wardline-chat-${user}-`));
  roots.push(root);
  const store = await openStore(join(root, 'store.db'), randomBytes(32).toString('hex'));
  const chatStore = storeSeenByChat(store);
  const logs: string[] = [];
  const events: ChatEvent[] = [];
  const sockets: Socket[] = [];
  const jid = `${user}@${server.domain}`;
  const start = (): ChatService => {
    const chat = startChat({
      store: chatStore,
      account: { jid, password: PASSWORDS[user] ?? '', host: server.host, port: server.c2sPort },
      trust: { adminCa: { paths: [server.caCertPath] }, trustedDomains: [server.domain] },
      self: { name: `Name of ${user}`, role: 'Staff nurse' },
      log: (line) => logs.push(line),
      ...extra,
      // Quick reconnects, and a quick verdict on a link that has gone silent (Prosody 0.12 can
      // leave a just-resumed session hanging when it had not noticed the old socket's death).
      connection: {
        backoff: { baseMs: 100, capMs: 500 },
        keepaliveMs: 2_000,
        probeTimeoutMs: 2_000,
        onSocket: (socket) => sockets.push(socket),
        ...extra.connection,
      },
    });
    chat.on((event) => events.push(event));
    return chat;
  };
  let stopped = false;
  const workstation: Workstation = {
    user,
    jid,
    store,
    chat: start(),
    logs,
    events,
    sockets,
    async goOffline() {
      await workstation.chat.stop();
      stopped = true;
    },
    async comeOnline() {
      if (!stopped) await workstation.chat.stop();
      workstation.chat = start();
      stopped = false;
    },
    async close() {
      await workstation.chat.stop();
      await store.close();
    },
  };
  return workstation;
}

/**
 * The workstations one test file (or block) opens: each is ready (session set up) when handed
 * back, and closeAll() closes them all. cleanUpStores() deletes the stores once the file is done.
 */
export class WorkstationPool {
  readonly #open: Workstation[] = [];

  constructor(private readonly defaults: Partial<ChatServiceOptions> = {}) {}

  async open(
    server: XmppTestServer,
    user: string,
    options: { resource?: string; storeSeenByChat?: (store: WardlineStore) => WardlineStore } = {},
  ): Promise<Workstation> {
    const extra = options.resource === undefined ? this.defaults : { ...this.defaults, connection: { ...this.defaults.connection, resource: options.resource } };
    const workstation = await openWorkstation(server, user, extra, options.storeSeenByChat);
    this.#open.push(workstation);
    await waitReady(workstation);
    return workstation;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#open.splice(0).map((w) => w.close().catch(() => undefined)));
  }
}

/** A bare XMPP client signed in as `user` (no Wardline): what an attacker or another client can send. */
export async function connectBareClient(server: XmppTestServer, user: string, account: { domain?: string; password?: string } = {}): Promise<XmppConnection> {
  const connection = connectXmpp({
    jid: `${user}@${account.domain ?? server.domain}`,
    password: account.password ?? PASSWORDS[user]!,
    host: server.host,
    port: server.c2sPort,
    adminCa: { paths: [server.caCertPath] },
  });
  await waitFor(`${user} online`, () => (connection.state().kind === 'online' ? true : undefined));
  return connection;
}

/** Polls `check` until it returns a non-undefined value. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Settled: session set up (rooms joined, catch-up done, outbox flushed). */
export function waitReady(workstation: Workstation, after = 0, timeoutMs = 20_000): Promise<true> {
  return waitFor(
    `${workstation.user} ready`,
    () => (workstation.logs.slice(after).some((line) => line.startsWith('chat session-ready')) ? true : undefined),
    timeoutMs,
  );
}

/** Every message of a conversation, oldest first. */
export async function allMessages(store: WardlineStore, conversationId: number): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  let before: Parameters<WardlineStore['pageMessages']>[1] = null;
  do {
    const page = await store.pageMessages(conversationId, before, 500);
    out.unshift(...page.messages);
    before = page.before;
  } while (before !== null);
  return out;
}

export async function conversationOf(store: WardlineStore, jid: string): Promise<number | undefined> {
  return (await store.listConversations()).find((conversation) => conversation.jid === jid)?.id;
}

/** Bodies of a conversation's messages, or [] if it does not exist yet. */
export async function bodies(store: WardlineStore, jid: string, direction?: 'in' | 'out'): Promise<string[]> {
  const id = await conversationOf(store, jid);
  if (id === undefined) return [];
  return (await allMessages(store, id)).filter((m) => direction === undefined || m.direction === direction).map((m) => m.body ?? '');
}

/** The same bodies, each exactly once, in any order. */
export function exactlyOnce(actual: readonly string[], expected: readonly string[]): { missing: string[]; doubled: string[] } {
  const counts = new Map<string, number>();
  for (const body of actual) counts.set(body, (counts.get(body) ?? 0) + 1);
  return {
    missing: expected.filter((body) => !counts.has(body)),
    doubled: [...counts].filter(([, count]) => count > 1).map(([body]) => body),
  };
}

/**
 * A benchmark workstation: a real ChatService over a real SQLCipher store (fresh temp dir, random
 * 256-bit key) signed in to the benchmark Prosody, exactly as the app wires it after unlock.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChat, type ChatEvent, type ChatService, type ChatServiceOptions } from '../electron/core/chat/index.js';
import { openStore, type StoredMessage, type WardlineStore } from '../electron/core/store/index.js';
import { jidOf, type ProsodyServer, type ProsodyUser } from './benchProsody.js';
import { within } from './benchStats.js';

export interface BenchWorkstation {
  readonly jid: string;
  readonly store: WardlineStore;
  /** Null until start(). */
  readonly chat: ChatService | null;
  /** The service's content-free log lines, in order. */
  readonly logs: string[];
  /** Starts the ChatService (signs in); returns it. Once per workstation. `extra`: e.g. onStructured. */
  start(extra?: Pick<ChatServiceOptions, 'onStructured'>): ChatService;
  /** Resolves when the session is set up (catch-up done, outbox flushed): its "chat session-ready" line. */
  ready(timeoutMs?: number): Promise<void>;
  /** Stops the service, closes the store, deletes the temp dir. Idempotent; never throws. */
  close(): Promise<void>;
}

/** Opens the store now; the service starts on start(), so a benchmark can time sign-in and catch-up alone. */
export async function openBenchWorkstation(server: ProsodyServer, user: ProsodyUser): Promise<BenchWorkstation> {
  const dir = await mkdtemp(join(tmpdir(), 'wardline-bench-'));
  let store: WardlineStore;
  try {
    store = await openStore(join(dir, 'store.db'), randomBytes(32).toString('hex'));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const jid = jidOf(server, user);
  const logs: string[] = [];
  const readyWaiters = new Set<() => void>();
  let chat: ChatService | null = null;
  let closing: Promise<void> | undefined;
  return {
    jid,
    store,
    logs,
    get chat() {
      return chat;
    },
    start(extra = {}) {
      if (chat !== null) throw new Error('This workstation has already started its service.');
      chat = startChat({
        ...extra,
        store,
        account: { jid, password: user.password, host: server.host, port: server.c2sPort },
        trust: { adminCa: { paths: [server.caCertPath] }, trustedDomains: [server.domain] },
        self: { name: `Bench ${user.username}`, role: 'Staff nurse' },
        log: (line) => {
          logs.push(line);
          if (line.startsWith('chat session-ready')) for (const wake of readyWaiters) wake();
        },
      });
      return chat;
    },
    async ready(timeoutMs = 60_000) {
      if (logs.some((line) => line.startsWith('chat session-ready'))) return;
      let wake: (() => void) | undefined;
      try {
        await within(`${jid} session-ready`, timeoutMs, new Promise<void>((resolve) => readyWaiters.add((wake = resolve))));
      } finally {
        if (wake !== undefined) readyWaiters.delete(wake);
      }
    },
    close() {
      closing ??= (async () => {
        await chat?.stop().catch(() => undefined);
        await store.close().catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

/**
 * Resolves with the time (performance.now()) of the first conversations-changed event after which
 * `confirm` reads the expected state from the store. Events carry no content, so each one is
 * checked against the store; the time is the event's (the store had committed before it was
 * emitted), not the end of the confirming read.
 */
export function changedUntil(chat: ChatService, confirm: () => Promise<boolean>, what: string, timeoutMs: number): Promise<number> {
  let off = (): void => undefined;
  const confirmed = new Promise<number>((resolve, reject) => {
    let done = false;
    off = chat.on((event: ChatEvent) => {
      if (event.type !== 'conversations-changed' || done) return;
      const at = performance.now();
      confirm().then(
        (ok) => {
          if (ok && !done) {
            done = true;
            resolve(at);
          }
        },
        (error: unknown) => {
          done = true;
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  });
  return within(what, timeoutMs, confirmed).finally(() => off());
}

/** When the next message from someone else is stored (the chat's message-arrived event). */
export function nextArrival(chat: ChatService, what: string, timeoutMs: number): Promise<number> {
  let off = (): void => undefined;
  const arrived = new Promise<number>((resolve) => {
    off = chat.on((event: ChatEvent) => {
      if (event.type === 'message-arrived') resolve(performance.now());
    });
  });
  return within(what, timeoutMs, arrived).finally(() => off());
}

/** Every message of a conversation, oldest first. */
export async function allMessages(store: WardlineStore, conversationId: number): Promise<StoredMessage[]> {
  const out: StoredMessage[][] = [];
  let before: Parameters<WardlineStore['pageMessages']>[1] = null;
  do {
    const page = await store.pageMessages(conversationId, before, 1_000);
    out.unshift(page.messages);
    before = page.before;
  } while (before !== null);
  return out.flat();
}

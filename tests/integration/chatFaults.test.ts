// Real faults against a real Prosody: the client's socket destroyed mid-burst, the server killed
// with SIGKILL mid-burst and restarted on the same data, the app itself killed right after
// queueing, and a long offline spell. Every message must arrive exactly once and be stored once
// on both sides.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChat } from '../../electron/core/chat/index.js';
import { openStore, StoreError, type OutgoingMessageInput, type WardlineStore } from '../../electron/core/store/index.js';
import { type ProsodyServer, startProsody } from '../fixtures/prosody.js';
import {
  allMessages,
  bodies,
  cleanUpStores,
  exactlyOnce,
  openWorkstation,
  PASSWORDS,
  users,
  waitFor,
  waitReady,
  type Workstation,
  WorkstationPool,
} from './chatHarness.js';

let server: ProsodyServer;
const pool = new WorkstationPool();

beforeAll(async () => {
  server = await startProsody({ users });
});

afterAll(async () => {
  await pool.closeAll();
  await server?.stop();
  cleanUpStores();
});

const workstation = (user: string): Promise<Workstation> => pool.open(server, user);

/** Waits until the sender's outbox is empty and the receiver holds every body; returns both sides' copies. */
async function settle(sender: Workstation, receiver: Workstation, expected: readonly string[], prefix: string, timeoutMs = 45_000) {
  try {
    return await settleOrThrow(sender, receiver, expected, prefix, timeoutMs);
  } catch (error) {
    const got = (await bodies(receiver.store, sender.jid, 'in')).filter((b) => b.startsWith(prefix));
    const check = exactlyOnce(got, expected);
    const pending = (await sender.store.pendingOutbox()).length;
    const cursor = await receiver.store.getSetting(`chat.archive-cursor.${receiver.jid}`);
    const senderCopy = (await allMessages(sender.store, (await sender.store.findConversationByJid(receiver.jid))!.id)).filter((m) => check.missing.includes(m.body ?? ''));
    // What the sender holds of the missing ones (delivery states, ids), without their text.
    const missingAtSender = senderCopy.map((m) => ({ id: m.id, originId: m.originId, serverId: m.serverId, state: m.direction === 'out' ? m.deliveryState : null }));
    throw new Error(
      `${(error as Error).message}; pending=${pending} missing=${check.missing.length} (${check.missing.slice(0, 5).join(', ')}) doubled=${check.doubled.length}\n` +
        `receiver's archive cursor: ${cursor}; missing at the sender: ${JSON.stringify(missingAtSender.slice(0, 10))}\n` +
        `--- ${sender.user} log ---\n${sender.logs.filter((l) => !l.includes('ECONNREFUSED')).slice(-25).join('\n')}\n` +
        `--- ${receiver.user} log ---\n${receiver.logs.filter((l) => !l.includes('ECONNREFUSED')).slice(-25).join('\n')}\n` +
        `--- server ---\n${await server.logTail(30)}`,
      { cause: error },
    );
  }
}

async function settleOrThrow(sender: Workstation, receiver: Workstation, expected: readonly string[], prefix: string, timeoutMs: number) {
  await waitFor(
    'outbox drained',
    async () => ((await sender.store.pendingOutbox()).length === 0 ? true : undefined),
    timeoutMs,
  );
  await waitFor(
    'all received',
    async () => {
      const got = (await bodies(receiver.store, sender.jid, 'in')).filter((b) => b.startsWith(prefix));
      return exactlyOnce(got, expected).missing.length === 0 ? true : undefined;
    },
    timeoutMs,
  );
  // Give duplicates (resends, archive copies) a moment to show up if they were going to.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const received = (await bodies(receiver.store, sender.jid, 'in')).filter((b) => b.startsWith(prefix));
  const sent = (await bodies(sender.store, receiver.jid, 'out')).filter((b) => b.startsWith(prefix));
  return { received, sent };
}

describe('chat under faults', () => {
  let alice: Workstation;
  let bob: Workstation;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([workstation('alice'), workstation('bob')]);
  });

  it('dropped socket mid-burst: the stream resumes (XEP-0198) and every message arrives exactly once', async () => {
    const toBob = await alice.chat.openDirect(bob.jid);
    const expected = Array.from({ length: 300 }, (_, i) => `drop-burst ${i}`);
    for (const [i, body] of expected.entries()) {
      await alice.chat.send({ conversationId: toBob, body, urgent: false });
      if (i === 120) alice.sockets.at(-1)?.destroy();
      if (i === 200) bob.sockets.at(-1)?.destroy();
    }
    const { received, sent } = await settle(alice, bob, expected, 'drop-burst ');
    expect(exactlyOnce(received, expected)).toEqual({ missing: [], doubled: [] });
    expect(exactlyOnce(sent, expected)).toEqual({ missing: [], doubled: [] });
    expect(alice.logs.some((line) => line.startsWith('chat session-resumed'))).toBe(true);
    expect(bob.logs.some((line) => line.startsWith('chat session-resumed'))).toBe(true);
  });

  it('server killed (SIGKILL) mid-burst of 500 and restarted: every message arrives once, stored once on both sides', async () => {
    const toBob = await alice.chat.openDirect(bob.jid);
    const expected = Array.from({ length: 500 }, (_, i) => `kill-burst ${i}`);
    const aliceMark = alice.logs.length;
    const bobMark = bob.logs.length;
    let restarted: Promise<void> | undefined;
    const started = Date.now();
    for (const [i, body] of expected.entries()) {
      await alice.chat.send({ conversationId: toBob, body, urgent: false });
      if (i === 150) restarted = server.restart(); // kill -9, then start again on the same data dir and port
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await restarted;
    const { received, sent } = await settle(alice, bob, expected, 'kill-burst ');
    console.log(`[chat] 500-message burst across a server kill -9 + restart settled in ${Date.now() - started} ms`);
    expect(exactlyOnce(received, expected)).toEqual({ missing: [], doubled: [] });
    expect(exactlyOnce(sent, expected)).toEqual({ missing: [], doubled: [] });
    expect(received).toHaveLength(500);
    expect(sent).toHaveLength(500);
    // Both had to start fresh sessions (the server forgot the old ones) and caught up.
    expect(alice.logs.slice(aliceMark).some((line) => line.startsWith('chat session-restarted'))).toBe(true);
    expect(bob.logs.slice(bobMark).some((line) => line.startsWith('chat session-restarted'))).toBe(true);
    // Delivery states settle too: nothing stuck as pending.
    const states = (await allMessages(alice.store, toBob)).filter((m) => m.body?.startsWith('kill-burst ') && m.direction === 'out');
    expect(states.filter((m) => m.direction === 'out' && m.deliveryState === 'pending')).toEqual([]);
  });

  it('app killed (SIGKILL) right after queueing: on restart the outbox is sent, each message once', async () => {
    const root = mkdtempSync(join(tmpdir(), 'wardline-crash-'));
    try {
      const dbPath = join(root, 'store.db');
      const keyHex = randomBytes(32).toString('hex');
      const count = 50;
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, 'chatCrashChild.ts'), dbPath, keyHex, `carol@${server.domain}`, PASSWORDS['carol']!, bob.jid, server.host, String(server.c2sPort), server.caCertPath, String(count)],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('queued')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
      });
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));

      const store = await openStore(dbPath, keyHex, { create: false });
      const leftover = (await store.pendingOutbox()).length;
      const chat = startChat({
        store,
        account: { jid: `carol@${server.domain}`, password: PASSWORDS['carol']!, host: server.host, port: server.c2sPort },
        trust: { adminCa: { paths: [server.caCertPath] }, trustedDomains: [server.domain] },
        self: { name: 'Carol', role: 'Porter' },
      });
      try {
        await waitFor('outbox drained', async () => ((await store.pendingOutbox()).length === 0 ? true : undefined));
        const expected = Array.from({ length: count }, (_, i) => `crash-queued ${i}`);
        await waitFor('bob has them', async () => {
          const got = await bodies(bob.store, `carol@${server.domain}`, 'in');
          return exactlyOnce(got, expected).missing.length === 0 ? true : undefined;
        });
        await new Promise((resolve) => setTimeout(resolve, 500));
        const got = await bodies(bob.store, `carol@${server.domain}`, 'in');
        expect(exactlyOnce(got, expected)).toEqual({ missing: [], doubled: [] });
        const mine = (await store.listConversations()).find((c) => c.jid === bob.jid)!;
        const stored = (await allMessages(store, mine.id)).map((m) => m.body ?? '');
        expect(exactlyOnce(stored, expected)).toEqual({ missing: [], doubled: [] });
        console.log(`[chat] crash after queueing: ${leftover} of ${count} were still in the outbox after kill -9; all sent once on restart`);
      } finally {
        await chat.stop();
        await store.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a drop while the session is still being set up, then a resumed stream: set-up runs again and live messages arrive (review finding)', async () => {
    const carolJid = `carol@${server.domain}`;
    const toCarol = await bob.chat.openDirect(carolJid);
    await bob.chat.send({ conversationId: toCarol, body: 'setup-drop before sign-in', urgent: false });
    let carolSockets: { destroy(): void }[] = [];
    let dropped = false;
    // The link drops while carol's first archive page is being stored, and the server is slow to
    // answer the reconnect: set-up sees itself offline and stops; the stream then resumes.
    const dropDuringSetUp = (store: WardlineStore): WardlineStore =>
      Object.assign(Object.create(store) as WardlineStore, {
        async setSetting(key: string, value: string) {
          if (!dropped && key.startsWith('chat.archive-cursor.')) {
            dropped = true;
            carolSockets.at(-1)?.destroy();
            process.kill(server.pid, 'SIGSTOP');
            setTimeout(() => process.kill(server.pid, 'SIGCONT'), 1_000);
            await new Promise((resolve) => setTimeout(resolve, 300));
          }
          return store.setSetting(key, value);
        },
      });
    const carol = await openWorkstation(server, 'carol', {}, dropDuringSetUp);
    try {
      carolSockets = carol.sockets;
      await waitFor('carol resumed', () => (carol.logs.some((line) => line.startsWith('chat session-resumed')) ? true : undefined), 15_000);
      await waitReady(carol, 0, 20_000);
      expect(carol.logs).toContain('chat session-resumed setup=again');
      await bob.chat.send({ conversationId: toCarol, body: 'setup-drop live after resume', urgent: false });
      // Live: without presence the server would have filed it offline, out of carol's sight.
      await waitFor('the live message stored at carol', async () => ((await bodies(carol.store, bob.jid, 'in')).includes('setup-drop live after resume') ? true : undefined), 10_000);
      expect(exactlyOnce((await bodies(carol.store, bob.jid, 'in')).filter((b) => b.startsWith('setup-drop ')), ['setup-drop before sign-in', 'setup-drop live after resume'])).toEqual({ missing: [], doubled: [] });
    } finally {
      process.kill(server.pid, 'SIGCONT');
      await carol.close();
    }
  });

  it('receiver offline while 1,000 messages arrive: archive catch-up fills the gap exactly', async () => {
    const toBob = await alice.chat.openDirect(bob.jid);
    await bob.goOffline();
    const expected = Array.from({ length: 1000 }, (_, i) => `thousand ${i}`);
    for (const body of expected) await alice.chat.send({ conversationId: toBob, body, urgent: false });
    await waitFor('acked', async () => ((await alice.store.pendingOutbox()).length === 0 ? true : undefined), 60_000);
    const mark = bob.logs.length;
    const started = Date.now();
    await bob.comeOnline();
    await waitReady(bob, mark, 60_000);
    const elapsed = Date.now() - started;
    const got = (await bodies(bob.store, alice.jid, 'in')).filter((b) => b.startsWith('thousand '));
    expect(exactlyOnce(got, expected)).toEqual({ missing: [], doubled: [] });
    console.log(`[chat] 1,000 offline messages caught up in ${elapsed} ms (${bob.logs.slice(mark).find((l) => l.startsWith('chat session-ready'))})`);
  });

  /** A store whose received-message inserts fail (disk full) while `failures.left` > 0, for bodies starting with `prefix`. */
  const failingInserts = (prefix: string, failures: { left: number }) => (store: WardlineStore): WardlineStore =>
    new Proxy(store, {
      get(target, property) {
        if (property === 'insertReceivedBatch') {
          return (rows: Parameters<WardlineStore['insertReceivedBatch']>[0]) => {
            if (failures.left > 0 && rows.some((r) => r.body?.startsWith(prefix))) {
              failures.left -= 1;
              return Promise.reject(new StoreError('io'));
            }
            return target.insertReceivedBatch(rows);
          };
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });

  /** The history states the service told the screen about while online, in order. */
  const historySeen = (workstation: Workstation) =>
    workstation.events.flatMap((event) => (event.type === 'connection' && event.state.kind === 'online' ? [event.state.history] : []));

  it('an archive page that could not be stored during set-up: rooms are still joined, and history is incomplete until a repair stores it', async () => {
    const carolJid = `carol@${server.domain}`;
    const room = `setup-fail-${Date.now()}@${server.mucDomain}`;
    const before = await openWorkstation(server, 'carol');
    await waitReady(before);
    await before.chat.joinRoom(room, 'Set-up failure ward');
    await before.chat.addRoomMembers(room, [bob.jid]);
    const bobRoom = await bob.chat.joinRoom(room);
    await before.close();
    const toCarol = await bob.chat.openDirect(carolJid);
    await bob.chat.send({ conversationId: toCarol, body: 'setup-store-fail bed 9', urgent: false });
    await waitFor('acked', async () => ((await bob.store.pendingOutbox()).length === 0 ? true : undefined));

    const carol = await openWorkstation(server, 'carol', { liveRepairDelaysMs: [300] }, failingInserts('setup-store-fail ', { left: 1 }));
    try {
      await waitReady(carol);
      expect(carol.logs.some((line) => line.startsWith('chat catch-up-failed archive=own error=io'))).toBe(true);
      expect(carol.logs.find((line) => line.startsWith('chat session-ready'))).toMatch(/ rooms=1 /);
      // The failed step did not skip the rooms: a room message arrives live.
      await bob.chat.send({ conversationId: bobRoom, body: 'after set-up, room live', urgent: false });
      await waitFor('the room message at carol', async () => ((await bodies(carol.store, room, 'in')).includes('after set-up, room live') ? true : undefined));
      await waitFor('stored by the repair', async () => ((await bodies(carol.store, bob.jid, 'in')).includes('setup-store-fail bed 9') ? true : undefined));
      await waitFor('history complete', () => (historySeen(carol).at(-1) === 'complete' ? true : undefined));
      expect(historySeen(carol)).toEqual(['catching-up', 'incomplete', 'complete']);
    } finally {
      await carol.close();
    }
  });

  it('a live message the store could not write (disk full) is fetched again from the archive, without a new session', async () => {
    const failures = { left: 0 };
    const carol = await openWorkstation(server, 'carol', { liveRepairDelaysMs: [200, 400] }, failingInserts('disk-full ', failures));
    try {
      await waitReady(carol);
      const toCarol = await bob.chat.openDirect(carol.jid);
      failures.left = 2; // the live write and the first repair both fail; the second repair stores it
      await bob.chat.send({ conversationId: toCarol, body: 'disk-full bed 6 ready', urgent: false });
      await waitFor('stored by the repair', async () => ((await bodies(carol.store, bob.jid, 'in')).includes('disk-full bed 6 ready') ? true : undefined));
      expect(carol.logs.some((line) => line.startsWith('chat store-failed stage=live'))).toBe(true);
      expect(carol.logs.some((line) => line.startsWith('chat live-repair failed attempt=1'))).toBe(true);
      // The repair logs once its catch-up has also gone through the rooms, just after the store.
      await waitFor('repair logged', () => (carol.logs.some((line) => line.startsWith('chat live-repair done attempts=2')) ? true : undefined));
      expect(carol.logs.filter((line) => line.startsWith('chat session-ready'))).toHaveLength(1); // no new session
      expect((await bodies(carol.store, bob.jid, 'in')).filter((b) => b === 'disk-full bed 6 ready')).toHaveLength(1);
      // What the screen was told: caught up, then something missing while the repair retried, then complete.
      expect(historySeen(carol)).toEqual(['catching-up', 'complete', 'incomplete', 'complete']);
      expect(carol.chat.connection()).toMatchObject({ kind: 'online', history: 'complete' });
    } finally {
      await carol.close();
    }
  });

  it('a message typed while the server is down is synced to disk before send() returns; one that leaves at once is not', async () => {
    // What the chat service asks of the store, recorded on the way through.
    const synced: Record<string, boolean> = {};
    const recording = (store: WardlineStore): WardlineStore =>
      new Proxy(store, {
        get(target, property) {
          if (property === 'queueOutgoing') {
            return (input: OutgoingMessageInput) => ((synced[input.body] = input.syncToDisk === true), target.queueOutgoing(input));
          }
          const value: unknown = Reflect.get(target, property);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const carol = await pool.open(server, 'carol', { resource: 'durability', storeSeenByChat: recording });
    const toBob = await carol.chat.openDirect(bob.jid);
    await carol.chat.send({ conversationId: toBob, body: 'durable online', urgent: false });
    await server.kill();
    await waitFor('carol offline', () => (carol.chat.connection().kind !== 'online' ? true : undefined));
    await carol.chat.send({ conversationId: toBob, body: 'durable offline', urgent: false });
    expect(synced).toEqual({ 'durable online': false, 'durable offline': true });
    await server.restart();
    await settle(carol, bob, ['durable online', 'durable offline'], 'durable ');
  });
});

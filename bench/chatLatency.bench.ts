/**
 * Message latency benchmark (issue 4, section 8): two real ChatServices, each over its own real
 * encrypted store, on a throwaway Prosody on loopback. One message in flight at a time; for each:
 *
 *   send() → the receiver has it STORED (its message-arrived event, emitted once the insert has
 *   committed; what it stored is read back after the round trip) → the receiver's receipt comes
 *   back and the sender's stored delivery state is 'delivered' (the sender's conversations-changed
 *   event, confirmed by reading its store).
 *
 * Baseline in the same run, on the same server: a bare stock @xmpp/client echo. Two stock clients
 * in one child Node; one sends the same kind of message (body, origin-id, receipt request,
 * markable, store hint), the other answers each with a XEP-0184 <received/> as soon as it parses
 * it (nothing stored), and the sender times send → that answer. Both stock clients disable Nagle
 * on their TCP socket at 'connect' (before STARTTLS wraps it; the TLS socket writes through the
 * same file descriptor), as ours does in login.ts; Prosody runs with nagle = false.
 */
import { randomBytes } from 'node:crypto';
import type { ChatService } from '../electron/core/chat/index.js';
import { RECEIVER, SENDER, withProsody, type ProsodyServer } from './benchProsody.js';
import { isDirectRun, percentile, round } from './benchStats.js';
import { allMessages, changedUntil, nextArrival, openBenchWorkstation, type BenchWorkstation } from './benchWorkstation.js';
import { runStockChild } from './stockXmppChild.js';

export interface ChatLatencyBenchOptions {
  /** Timed messages, one in flight at a time (default 1000). */
  messages?: number;
  /** Untimed messages first, on both sides (default 20). */
  warmup?: number;
}

/** Per-message wait before the run counts as failed. */
const MESSAGE_TIMEOUT_MS = 10_000;

export async function runChatLatencyBench(options: ChatLatencyBenchOptions = {}): Promise<Record<string, number>> {
  const messages = options.messages ?? 1000;
  const warmup = options.warmup ?? 20;
  return withProsody([SENDER, RECEIVER], async (server) => {
    const ours = await oursRun(server, warmup, messages);
    const bare = await bareRun(server, warmup, messages);
    const roundTripP50 = percentile(ours.roundTrip, 50);
    const bareP50 = percentile(bare.times, 50);
    return {
      messages,
      roundTripP50Ms: round(roundTripP50),
      roundTripP99Ms: round(percentile(ours.roundTrip, 99)),
      roundTripMaxMs: round(Math.max(...ours.roundTrip)),
      oneWayP50Ms: round(percentile(ours.oneWay, 50)),
      oneWayP99Ms: round(percentile(ours.oneWay, 99)),
      bareRoundTripP50Ms: round(bareP50),
      bareRoundTripP99Ms: round(percentile(bare.times, 99)),
      bareRoundTripMaxMs: round(Math.max(...bare.times)),
      roundTripP50OverBare: round(roundTripP50 / bareP50),
      bareNoDelaySockets: bare.noDelaySockets,
    };
  });
}

interface OursTimes {
  /** send() called → receiver's store has the message. */
  oneWay: number[];
  /** send() called → sender's store says 'delivered'. */
  roundTrip: number[];
}

async function oursRun(server: ProsodyServer, warmup: number, messages: number): Promise<OursTimes> {
  const stations: BenchWorkstation[] = [];
  try {
    const sender = await openBenchWorkstation(server, SENDER);
    stations.push(sender);
    const receiver = await openBenchWorkstation(server, RECEIVER);
    stations.push(receiver);
    const senderChat = sender.start();
    const receiverChat = receiver.start();
    await Promise.all([sender.ready(), receiver.ready()]);
    const conversationId = await senderChat.openDirect(receiver.jid);

    const times: OursTimes = { oneWay: [], roundTrip: [] };
    const tag = randomBytes(4).toString('hex');
    let receiverConversation: number | undefined;
    for (let i = 0; i < warmup + messages; i += 1) {
      const body = `Latency probe ${tag} ${i}: please review the bloods for bed 12 when you can.`;
      // The receiver's own signal that someone else's message was stored (one in flight at a time,
      // so it is this one). What it stored is checked after the round trip, so the check's store
      // reads do not run on the receiver's worker while the receipt is on its way.
      const stored = nextArrival(receiverChat, `message ${i} stored at the receiver`, MESSAGE_TIMEOUT_MS);
      // No receipt can exist before the receiver has stored the message (it leaves after the
      // insert commits), so the sender's changes before then (queued, server-acked) are not read
      // back: reading them put two measuring store calls on the path the benchmark times.
      let receiverStored = false;
      void stored.then(() => (receiverStored = true), () => undefined);
      const delivered = changedUntil(
        senderChat,
        async () => {
          if (!receiverStored) return false;
          const newest = (await sender.store.pageMessages(conversationId, null, 1)).messages.at(-1);
          return newest?.direction === 'out' && newest.body === body && (newest.deliveryState === 'delivered' || newest.deliveryState === 'read');
        },
        `message ${i} delivered at the sender`,
        MESSAGE_TIMEOUT_MS,
      );
      const started = performance.now();
      await send(senderChat, conversationId, body);
      const [storedAt, deliveredAt] = await Promise.all([stored, delivered]);
      receiverConversation ??= (await receiver.store.findConversationByJid(sender.jid))?.id;
      const newest = receiverConversation === undefined ? undefined : (await receiver.store.pageMessages(receiverConversation, null, 1)).messages.at(-1);
      if (newest?.direction !== 'in' || newest.body !== body) throw new Error(`The receiver signalled message ${i} but its newest message is not it.`);
      if (i < warmup) continue;
      times.oneWay.push(storedAt - started);
      times.roundTrip.push(deliveredAt - started);
    }
    await assertAllStored(sender, receiver, conversationId, receiverConversation, warmup + messages);
    return times;
  } finally {
    for (const station of stations.reverse()) await station.close();
  }
}

async function send(chat: ChatService, conversationId: number, body: string): Promise<void> {
  await chat.send({ conversationId, body, urgent: false });
}

/** Each side holds every probe exactly once, and every one the sender holds is delivered. */
async function assertAllStored(
  sender: BenchWorkstation,
  receiver: BenchWorkstation,
  senderConversation: number,
  receiverConversation: number | undefined,
  expected: number,
): Promise<void> {
  if (receiverConversation === undefined) throw new Error('The receiver never stored a conversation with the sender.');
  const incoming = (await allMessages(receiver.store, receiverConversation)).filter((m) => m.direction === 'in');
  const outgoing = (await allMessages(sender.store, senderConversation)).filter((m) => m.direction === 'out');
  const undelivered = outgoing.filter((m) => m.direction === 'out' && m.deliveryState !== 'delivered' && m.deliveryState !== 'read');
  const distinct = new Set(incoming.map((m) => m.body)).size;
  if (incoming.length !== expected || distinct !== expected || outgoing.length !== expected || undelivered.length > 0) {
    throw new Error(
      `Stored counts are wrong: receiver ${incoming.length} (${distinct} distinct), sender ${outgoing.length} (${undelivered.length} not delivered), expected ${expected}.`,
    );
  }
}

// Plain JS for `node --input-type=module`: two stock clients in one Node; prints { times, noDelaySockets }.
const STOCK_ECHO_SCRIPT = `
import { client, xml } from '@xmpp/client';
import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
const { host, port, domain, sender, receiver, warmup, samples, timeoutMs } = JSON.parse(process.argv[1]);
let noDelaySockets = 0;
function make(user, resource) {
  const xmpp = client({ service: 'xmpp://' + host + ':' + port, domain, username: user.username, password: user.password, resource });
  xmpp.on('error', () => {});
  xmpp.on('connect', () => {
    if (xmpp.socket instanceof Socket && !(xmpp.socket instanceof TLSSocket)) {
      xmpp.socket.setNoDelay(true);
      noDelaySockets += 1;
    }
  });
  return xmpp;
}
const echo = make(receiver, 'stock-echo');
echo.on('stanza', (stanza) => {
  if (!stanza.is('message') || stanza.getChild('body') === undefined) return;
  if (stanza.getChild('request', 'urn:xmpp:receipts') === undefined) return;
  echo.send(xml('message', { to: stanza.attrs.from, type: 'chat' }, xml('received', { xmlns: 'urn:xmpp:receipts', id: stanza.attrs.id })));
});
const probe = make(sender, 'stock-probe');
const waiting = new Map();
probe.on('stanza', (stanza) => {
  if (!stanza.is('message')) return;
  const id = stanza.getChild('received', 'urn:xmpp:receipts')?.attrs.id;
  const done = id === undefined ? undefined : waiting.get(id);
  if (done !== undefined) done(performance.now());
});
await echo.start();
await echo.send(xml('presence'));
await probe.start();
await probe.send(xml('presence'));
const to = receiver.username + '@' + domain;
const tag = Math.random().toString(16).slice(2, 10);
const times = [];
for (let i = 0; i < warmup + samples; i += 1) {
  const id = 'stock-' + tag + '-' + i;
  const answered = new Promise((resolve, reject) => {
    waiting.set(id, resolve);
    setTimeout(() => reject(new Error('no receipt for ' + id)), timeoutMs).unref();
  });
  const body = 'Latency probe ' + tag + ' ' + i + ': please review the bloods for bed 12 when you can.';
  const started = performance.now();
  await probe.send(xml('message', { to, type: 'chat', id },
    xml('body', {}, body),
    xml('origin-id', { xmlns: 'urn:xmpp:sid:0', id }),
    xml('request', { xmlns: 'urn:xmpp:receipts' }),
    xml('markable', { xmlns: 'urn:xmpp:chat-markers:0' }),
    xml('store', { xmlns: 'urn:xmpp:hints' })));
  const at = await answered;
  waiting.delete(id);
  if (i >= warmup) times.push(at - started);
}
await probe.stop();
await echo.stop();
process.stdout.write(JSON.stringify({ times, noDelaySockets }) + '\\n');
process.exit(0);
`;

async function bareRun(server: ProsodyServer, warmup: number, samples: number): Promise<{ times: number[]; noDelaySockets: number }> {
  const input = {
    host: server.host,
    port: server.c2sPort,
    domain: server.domain,
    sender: SENDER,
    receiver: RECEIVER,
    warmup,
    samples,
    timeoutMs: MESSAGE_TIMEOUT_MS,
  };
  const output = await runStockChild(STOCK_ECHO_SCRIPT, input, server.caCertPath, 60_000 + (warmup + samples) * 1_000);
  if (typeof output !== 'object' || output === null || !('times' in output) || !('noDelaySockets' in output)) {
    throw new Error(`The stock echo printed no timings: ${JSON.stringify(output)}`);
  }
  const { times, noDelaySockets } = output;
  if (!Array.isArray(times) || times.length !== samples || !times.every((time): time is number => typeof time === 'number')) {
    throw new Error(`The stock echo printed ${Array.isArray(times) ? times.length : 'no'} timings, expected ${samples}.`);
  }
  if (typeof noDelaySockets !== 'number') throw new Error('The stock echo did not report its sockets.');
  return { times, noDelaySockets };
}


// `npx tsx bench/chatLatency.bench.ts` runs this benchmark alone.
if (isDirectRun(import.meta.url)) {
  console.log(JSON.stringify(await runChatLatencyBench()));
}

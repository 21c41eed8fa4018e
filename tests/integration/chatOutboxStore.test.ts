// The store operations behind the messaging service, against real SQLCipher: the outbox is
// written with the message in one transaction, delivery state never goes backwards, our own
// messages coming back confirm them, and only a message's sender can retract it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyReceived, type IncomingDeps } from '../../electron/core/chat/incoming.js';
import { ConversationIds } from '../../electron/core/chat/conversationIds.js';
import { DeliveryFailures } from '../../electron/core/chat/deliveryFailures.js';
import { parseJid } from '../../electron/core/messaging/jid.js';
import type { IncomingMessage } from '../../electron/core/messaging/index.js';
import { openStore, type OutgoingMessageInput, type StoredMessage, type WardlineStore } from '../../electron/core/store/index.js';

let root: string;
let path: string;
const key = randomBytes(32).toString('hex');
let store: WardlineStore;
let direct: number;
let room: number;
const me = 'alice@trust.example';
const peer = 'bob@trust.example';

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'wardline-outbox-'));
  path = join(root, 'store.db');
  store = await openStore(path, key);
  direct = await store.upsertConversation({ jid: peer, kind: 'direct', title: 'Bob' });
  room = await store.upsertConversation({ jid: 'ward7@conference.trust.example', kind: 'room', title: 'Ward 7' });
});

afterAll(async () => {
  await store?.close();
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
function outgoing(conversationId: number, overrides: Partial<OutgoingMessageInput> = {}): OutgoingMessageInput {
  n += 1;
  return {
    conversationId,
    originId: `wl-test-${n}`,
    body: `Zanzibarine protocol step ${n}`,
    urgency: 'normal',
    sentAt: 1_700_000_000_000 + n * 1000,
    senderJid: me,
    senderName: 'Alice',
    senderRole: 'Nurse',
    patientIdentifier: false,
    ...overrides,
  };
}

async function message(conversationId: number, id: number): Promise<StoredMessage> {
  const found = (await store.pageMessages(conversationId, null, 500)).messages.find((m) => m.id === id);
  if (found === undefined) throw new Error(`message ${id} not found`);
  return found;
}

async function stateOf(conversationId: number, id: number): Promise<string> {
  const m = await message(conversationId, id);
  return m.direction === 'out' ? m.deliveryState : 'incoming';
}

describe('outbox and delivery state', () => {
  it('queues message and outbox row together; searchable; pending until the server acks', async () => {
    const id = await store.queueOutgoing(outgoing(direct, { body: 'Zanzibarine infusion now', urgency: 'urgent' }));
    expect(await message(direct, id)).toMatchObject({ direction: 'out', deliveryState: 'pending', urgency: 'urgent', senderJid: me });
    const pending = await store.pendingOutbox();
    expect(pending).toContainEqual(
      expect.objectContaining({ messageId: id, conversationJid: peer, conversationKind: 'direct', body: 'Zanzibarine infusion now', attempts: 0 }),
    );
    expect((await store.search('zanzibarine infusion', 5)).map((m) => m.id)).toContain(id);
    expect((await store.listConversations()).find((c) => c.id === direct)?.lastActivityAt).not.toBeNull();

    await store.recordSendAttempt(id, 'not-acked');
    expect((await store.pendingOutbox()).find((e) => e.messageId === id)?.attempts).toBe(1);
    expect(await store.markSent(id)).toBe(true);
    expect(await stateOf(direct, id)).toBe('sent');
    expect((await store.pendingOutbox()).map((e) => e.messageId)).not.toContain(id);
  });

  it('survives a reopen: the outbox is on disk, encrypted', async () => {
    const id = await store.queueOutgoing(outgoing(direct));
    await store.close();
    store = await openStore(path, key, { create: false });
    expect((await store.pendingOutbox()).map((e) => e.messageId)).toContain(id);
    await store.markSent(id);
  });

  it('never downgrades: read > delivered > sent > pending; a late ack does not undo a receipt', async () => {
    const id = await store.queueOutgoing(outgoing(direct));
    const { originId } = (await store.pendingOutbox()).find((e) => e.messageId === id)!;
    // The receipt overtook the server's ack: delivered, and out of the outbox.
    expect(await store.updateDeliveryByOriginId(direct, originId, 'delivered')).toBe(1);
    expect((await store.pendingOutbox()).map((e) => e.messageId)).not.toContain(id);
    expect(await store.markSent(id)).toBe(false);
    expect(await stateOf(direct, id)).toBe('delivered');
    expect(await store.updateDeliveryByOriginId(direct, originId, 'read')).toBeGreaterThanOrEqual(1);
    expect(await store.updateDeliveryByOriginId(direct, originId, 'delivered')).toBe(0);
    expect(await stateOf(direct, id)).toBe('read');
  });

  it('a displayed marker reads everything up to that message, not after it', async () => {
    const ids = [];
    for (let i = 0; i < 3; i += 1) ids.push(await store.queueOutgoing(outgoing(direct)));
    for (const id of ids) await store.markSent(id);
    const later = await store.queueOutgoing(outgoing(direct));
    await store.markSent(later);
    const pending = (await store.pendingOutbox()).map((e) => e.messageId);
    expect(pending).not.toContain(later);
    const middle = (await message(direct, ids[2]!)).originId!;
    await store.updateDeliveryByOriginId(direct, middle, 'read');
    for (const id of ids) expect(await stateOf(direct, id)).toBe('read');
    expect(await stateOf(direct, later)).toBe('sent');
  });

  it('our own message coming back (reflection, carbon, archive) confirms it once and records its archive id', async () => {
    const id = await store.queueOutgoing(outgoing(room));
    const { originId } = (await message(room, id)) as { originId: string };
    const dup = await store.insertReceivedBatch([
      { conversationId: room, originId, serverId: 'room-archive-1', senderJid: me, body: 'copy', sentAt: 1, receivedAt: 1, fromSelf: true },
    ]);
    expect(dup).toEqual({ inserted: 0, duplicates: 1 });
    expect(await store.confirmOwnMessages([{ conversationId: room, originId, serverId: 'room-archive-1', settlesOutbox: true }])).toBe(1);
    expect(await message(room, id)).toMatchObject({ deliveryState: 'sent', serverId: 'room-archive-1' });
    expect((await store.pendingOutbox()).map((e) => e.messageId)).not.toContain(id);
    // Room markers quote the room's stanza-id.
    expect(await store.updateDeliveryByServerId(room, 'room-archive-1', 'read')).toBe(1);
  });

  it('a 1:1 archive copy of our message records its id but leaves it in the outbox (only an ack settles it)', async () => {
    const id = await store.queueOutgoing(outgoing(direct));
    const { originId } = (await message(direct, id)) as { originId: string };
    expect(await store.confirmOwnMessages([{ conversationId: direct, originId, serverId: 'own-archive-7', settlesOutbox: false }])).toBe(0);
    expect(await message(direct, id)).toMatchObject({ deliveryState: 'pending', serverId: 'own-archive-7' });
    expect((await store.pendingOutbox()).map((e) => e.messageId)).toContain(id);
    await store.markSent(id);
  });

  it('retraction: only the original sender, body and index entry gone, unread count fixed', async () => {
    await store.insertReceivedBatch([
      { conversationId: direct, originId: 'peer-1', serverId: 's-peer-1', senderJid: peer, body: 'Quillbrook dose 5mg', sentAt: 5, receivedAt: 5, urgency: 'urgent' },
    ]);
    const before = await store.unreadCounts();
    expect(await store.applyRetraction({ conversationId: direct, senderJid: 'mallory@trust.example', targetId: 'peer-1', by: 'origin-id', at: 9 })).toBeNull();
    const id = await store.applyRetraction({ conversationId: direct, senderJid: peer, targetId: 'peer-1', by: 'origin-id', at: 9 });
    expect(id).not.toBeNull();
    expect(await message(direct, id!)).toMatchObject({ body: null, retraction: { at: 9, by: peer } });
    expect(await store.search('quillbrook', 5)).toEqual([]);
    const after = await store.unreadCounts();
    expect(after).toEqual({ unread: before.unread - 1, urgent: before.urgent - 1 });
  });

  it('finds conversations, the marker target and urgent counts', async () => {
    expect(await store.findConversationByJid(peer)).toEqual({ id: direct, jid: peer, kind: 'direct', title: 'Bob' });
    expect(await store.findConversationByJid('nobody@trust.example')).toBeNull();
    expect(await store.findConversationById(room)).toMatchObject({ kind: 'room' });
    await store.insertReceivedBatch([
      { conversationId: direct, originId: 'peer-2', serverId: 's-peer-2', senderJid: peer, body: 'Urgent review', sentAt: 10_000_000_000_000, receivedAt: 6, urgency: 'urgent' },
    ]);
    expect(await store.latestIncoming(direct)).toMatchObject({ originId: 'peer-2', serverId: 's-peer-2', senderJid: peer });
    expect(await store.unreadUrgent()).toContainEqual({ conversationId: direct, unreadUrgent: 1 });
    await store.markConversationRead(direct);
    expect(await store.unreadUrgent()).toEqual([]);
  });
});

describe('bounced messages (failed) and retry', () => {
  const undelivered = async (conversationId: number): Promise<number> =>
    (await store.listConversations()).find((c) => c.id === conversationId)?.undelivered ?? -1;

  it('a bounce after the ack: failed, text kept, reason shown, parked out of the flush, counted in the list', async () => {
    const id = await store.queueOutgoing(outgoing(direct, { body: 'Bounced zanzibarine text' }));
    await store.markSent(id);
    const target = await store.findOutgoing(direct, `wl-test-${n}`);
    expect(target).toEqual({ messageId: id, deliveryState: 'sent' });
    expect(await store.markFailed(id, 'no-such-address')).toBe(true);
    expect(await message(direct, id)).toMatchObject({ deliveryState: 'failed', failureReason: 'no-such-address', body: 'Bounced zanzibarine text' });
    expect((await store.pendingOutbox()).map((e) => e.messageId)).not.toContain(id);
    expect(await undelivered(direct)).toBe(1);
    expect((await store.search('bounced zanzibarine', 10)).map((m) => m.id)).toEqual([id]);
  });

  it('a bounce before the ack: the late ack and a lost-connection note leave it failed with its reason', async () => {
    const id = await store.queueOutgoing(outgoing(direct));
    expect(await store.markFailed(id, 'refused')).toBe(true);
    await store.recordSendAttempt(id, 'not-acked');
    expect(await store.markSent(id)).toBe(false);
    expect(await message(direct, id)).toMatchObject({ deliveryState: 'failed', failureReason: 'refused' });
  });

  it('never lowers delivered or read, and a second bounce changes nothing', async () => {
    const id = await store.queueOutgoing(outgoing(direct));
    await store.markSent(id);
    await store.updateDeliveryByOriginId(direct, `wl-test-${n}`, 'delivered');
    expect(await store.markFailed(id, 'no-such-address')).toBe(false);
    expect(await message(direct, id)).toMatchObject({ deliveryState: 'delivered', failureReason: null });
    const other = await store.queueOutgoing(outgoing(direct));
    expect(await store.markFailed(other, 'refused')).toBe(true);
    expect(await store.markFailed(other, 'server-busy')).toBe(false);
    expect(await message(direct, other)).toMatchObject({ failureReason: 'refused' });
  });

  it('retry: back to pending in the flush with the same origin-id, reason cleared; only failed messages', async () => {
    const id = await store.queueOutgoing(outgoing(room, { body: 'Retry me' }));
    const originId = `wl-test-${n}`;
    await store.markSent(id);
    expect(await store.requeueFailed(id)).toBeNull(); // sent, not failed
    await store.markFailed(id, 'not-allowed-in-room');
    const before = await undelivered(room);
    const entry = await store.requeueFailed(id);
    expect(entry).toMatchObject({ messageId: id, conversationId: room, conversationKind: 'room', originId, body: 'Retry me' });
    expect(await message(room, id)).toMatchObject({ deliveryState: 'pending', failureReason: null });
    expect((await store.pendingOutbox()).map((e) => e.messageId)).toContain(id);
    expect(await undelivered(room)).toBe(before - 1);
    expect(await store.requeueFailed(id)).toBeNull(); // already pending
    expect(await store.markSent(id)).toBe(true);
    expect((await store.pendingOutbox()).map((e) => e.messageId)).not.toContain(id);
  });

  it('a failed message that was then removed cannot be retried and is no longer counted as undelivered', async () => {
    const id = await store.queueOutgoing(outgoing(direct));
    const originId = `wl-test-${n}`;
    await store.markFailed(id, 'no-such-address');
    const before = await undelivered(direct);
    // Withdrawn (from another of our devices, say): only a tombstone is left.
    expect(await store.applyRetraction({ conversationId: direct, senderJid: me, targetId: originId, by: 'origin-id', at: 1_700_000_100_000 })).toBe(id);
    expect(await store.requeueFailed(id)).toBeNull();
    expect((await store.pendingOutbox()).map((e) => e.messageId)).not.toContain(id);
    expect(await undelivered(direct)).toBe(before - 1);
  });

  it('a receipt for a failed message proves it arrived: delivered, and out of the outbox', async () => {
    const id = await store.queueOutgoing(outgoing(direct));
    await store.markFailed(id, 'server-busy');
    expect(await store.updateDeliveryByOriginId(direct, `wl-test-${n}`, 'delivered')).toBe(1);
    expect(await message(direct, id)).toMatchObject({ deliveryState: 'delivered', failureReason: null });
  });
});

describe('a wall clock set back (ordering and read markers)', () => {
  const colleague = 'carol@trust.example';
  const T = 1_800_000_000_000;
  const HOUR = 3_600_000;

  /** A live message from Carol with no trusted stamp: parseIncoming dated it by our clock. */
  async function receiveLive(conversations: ConversationIds, body: string, sentAt: number): Promise<void> {
    const event: IncomingMessage = {
      kind: 'message', source: 'live', direction: 'in', type: 'chat', from: `${colleague}/desk`, conversation: colleague, author: null,
      to: `${me}/pc`, nick: null, messageId: `m-${body}`, originId: `o-${body}`, stanzaId: `s-${body}`, body, truncated: false,
      urgency: 'normal', receiptRequested: false, markable: true, patientIdentifier: false, sentAt, datedLocally: true, untrusted: false,
      archiveQueryId: null,
    };
    const deps = {
      store, conversations, ownBare: me, titleFor: () => 'Carol', send: () => undefined, now: () => sentAt, log: () => undefined,
      changed: () => undefined, urgentArrived: () => undefined, mentionsYou: () => false, hold: () => undefined, isAccepted: () => true, isTrustedAddress: () => true,
    } satisfies IncomingDeps;
    expect(await applyReceived(deps, [{ event, card: null }])).toEqual({ inserted: 1, duplicates: 0 });
  }

  it('files what we send and undated live messages after the newest, and a marker on an older message does not read a later one', async () => {
    const conversations = new ConversationIds(store);
    const carol = (await conversations.resolve(colleague, 'direct', 'Carol'))!;
    const first = await store.queueOutgoing(outgoing(carol, { body: 'Bed 9 needs a porter', sentAt: T }));
    await store.markSent(first);
    await receiveLive(conversations, 'On my way', T + 60_000);

    // The clock is set back an hour (a bad time server), then we send, and Carol answers.
    const second = await store.queueOutgoing(outgoing(carol, { body: 'Also bed 10', sentAt: T - HOUR }));
    await store.markSent(second);
    await receiveLive(conversations, 'Bed 10 done', T - HOUR + 30_000);

    const thread = (await store.pageMessages(carol, null, 50)).messages;
    expect(thread.map((m) => m.body)).toEqual(['Bed 9 needs a porter', 'On my way', 'Also bed 10', 'Bed 10 done']);
    expect(thread[2]!.sentAt).toBeGreaterThanOrEqual(T + 60_000);
    // The read marker we send quotes the message really received last.
    expect(await store.latestIncoming(carol)).toMatchObject({ originId: 'o-Bed 10 done' });

    // Carol has read only the first message: the one sent after it is not "Read".
    const { originId } = (await message(carol, first)) as { originId: string };
    await store.updateDeliveryByOriginId(carol, originId, 'read');
    expect(await stateOf(carol, first)).toBe('read');
    expect(await stateOf(carol, second)).toBe('sent');
  });

  it('a message dated by a clock that was a year ahead does not drag later ones there once the clock is put right', async () => {
    const erin = await store.upsertConversation({ jid: 'erin@trust.example', kind: 'direct', title: 'Erin' });
    const YEAR = 365 * 24 * HOUR;
    await store.queueOutgoing(outgoing(erin, { body: 'Sent with the clock a year ahead', sentAt: T + YEAR }));
    // Corrected: later messages carry the real time again, not the bogus year.
    const mine = await store.queueOutgoing(outgoing(erin, { body: 'Sent after the correction', sentAt: T }));
    await store.insertReceivedBatch([{ conversationId: erin, originId: 'o-erin-1', senderJid: 'erin@trust.example', body: 'Live, undated', sentAt: T + 5_000, receivedAt: T + 5_000, datedLocally: true }]);
    const thread = (await store.pageMessages(erin, null, 10)).messages;
    expect(thread.find((m) => m.id === mine)?.sentAt).toBe(T);
    expect(thread.find((m) => m.body === 'Live, undated')?.sentAt).toBe(T + 5_000);
  });

  it('a read marker covers our earlier messages in the thread, including one from another workstation stored later', async () => {
    const dave = await store.upsertConversation({ jid: 'dave@trust.example', kind: 'direct', title: 'Dave' });
    const marked = await store.queueOutgoing(outgoing(dave, { sentAt: T }));
    await store.markSent(marked);
    // Stored after it, from the archive: our message sent an hour earlier at another workstation.
    await store.insertReceivedBatch([
      { conversationId: dave, originId: 'wl-ward-pc-1', senderJid: me, body: 'From the ward PC', sentAt: T - HOUR, receivedAt: T + 1, fromSelf: true },
    ]);
    const other = (await store.pageMessages(dave, null, 10)).messages.find((m) => m.originId === 'wl-ward-pc-1')!;
    const { originId } = (await message(dave, marked)) as { originId: string };
    await store.updateDeliveryByOriginId(dave, originId, 'read');
    expect(await stateOf(dave, marked)).toBe('read');
    // Dave read up to the later message, so he has read the earlier one too (review finding).
    expect(await stateOf(dave, other.id)).toBe('read');
  });
});

describe('a refusal from our own server after a restart', () => {
  it('finds the message in whichever conversation holds it (from = our domain, not a conversation), and no other sender can (review finding)', async () => {
    const id = await store.queueOutgoing(outgoing(room, { body: 'Porter to bay 3' }));
    expect(await store.markSent(id)).toBe(true);
    const { originId } = await message(room, id);
    const failures = new DeliveryFailures({
      store,
      ownDomain: 'trust.example',
      // A restart: nothing was sent in this run.
      sentRecently: () => undefined,
      resend: () => undefined,
      changed: () => undefined,
      failedForGood: () => undefined,
      log: () => undefined,
      roomShut: () => false,
      timers: { setTimeout: () => 0, clearTimeout: () => undefined },
    });
    const refusal = (from: string) => ({ id: originId!, from: parseJid(from)!, errorType: 'cancel' as const, condition: 'policy-violation', archiveId: null });
    // Anyone else's refusal concerns only their own conversation: a stranger cannot fail this one.
    await failures.bounced(refusal('mallory@trust.example'));
    expect(await stateOf(room, id)).toBe('sent');
    await failures.bounced(refusal('trust.example'));
    expect(await stateOf(room, id)).toBe('failed');
  });
});

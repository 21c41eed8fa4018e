// Bounced messages against a real Prosody: a message to an address with no account comes back as
// <message type='error'/>; it must be shown as failed (never stuck at 'sent'), keep its text, and
// a retry once the account exists must arrive exactly once. A forged bounce from another account
// must change nothing; a temporary ('wait') refusal is resent automatically, with the same id.
// A room that removed us (or refuses our rejoin) fails what is queued for it at once, text kept.
// A refusal that reached us while we were offline (kept in our archive) fails the message too, at
// the next sign-in; a forged one kept there changes nothing, as live.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xml, type XmlElement, type XmppConnection } from '../../electron/core/xmpp/index.js';
import { type ProsodyServer, startProsody } from '../fixtures/prosody.js';
import {
  allMessages,
  bodies,
  cleanUpStores,
  connectBareClient,
  conversationOf,
  exactlyOnce,
  LATE_USER,
  PASSWORDS,
  users,
  waitFor,
  waitReady,
  type Workstation,
  WorkstationPool,
} from './chatHarness.js';

const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
let server: ProsodyServer;
// One quick automatic resend after a temporary refusal, so the test need not wait 5 s.
const pool = new WorkstationPool({ bounceRetry: { delaysMs: [300] } });
const raw: XmppConnection[] = [];

beforeAll(async () => {
  server = await startProsody({ users });
});

afterAll(async () => {
  await Promise.all(raw.splice(0).map((c) => c.close().catch(() => undefined)));
  await pool.closeAll();
  await server?.stop();
  cleanUpStores();
});

const workstation = (user: string): Promise<Workstation> => pool.open(server, user);

/** A bare XMPP client (no Wardline): what an attacker or another client can send. */
async function bareClient(user: string, stanzas: XmlElement[] = []): Promise<XmppConnection> {
  const connection = await connectBareClient(server, user);
  raw.push(connection);
  connection.on('stanza', (stanza) => stanzas.push(stanza));
  return connection;
}

/**
 * Returns once the server has handled everything `connection` sent before it: a ping answered by
 * the server itself (XEP-0199), on the same stream. Prosody handles one session's stanzas in order,
 * each to the end (routing, archiving) before the next, so an earlier message is in the archive by
 * the time the answer comes.
 */
async function serverHasHandled(connection: XmppConnection): Promise<void> {
  const answer = await connection.iq(xml('iq', { type: 'get', to: server.domain }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
  expect(answer.attrs['type']).toBe('result');
}

/** A fresh members-only room owned by carol, with mallory as a member who has joined it. */
async function roomWithMember(name: string, title: string): Promise<{ room: string; owner: Workstation; member: Workstation; memberRoom: number }> {
  const room = `${name}-${Date.now()}@${server.mucDomain}`;
  const owner = await workstation('carol');
  await owner.chat.joinRoom(room, title);
  const member = await workstation('mallory');
  await owner.chat.addRoomMembers(room, [member.jid]);
  return { room, owner, member, memberRoom: await member.chat.joinRoom(room) };
}

/** The room's owner, on another device, takes someone's membership away (a members-only room then removes them). */
async function revokeMembership(room: string, jid: string): Promise<void> {
  const owner = await bareClient('carol');
  await owner.iq(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: 'http://jabber.org/protocol/muc#admin' }, xml('item', { affiliation: 'none', jid }))));
}

/** What a recipient's client sends back to refuse `message`: an error of the given type and condition, same id. */
function refusalOf(message: XmlElement, type: 'wait' | 'cancel', condition: string): XmlElement {
  return xml('message', { to: String(message.attrs['from']), type: 'error', id: String(message.attrs['id']) }, xml('error', { type }, xml(condition, { xmlns: STANZAS })));
}

async function outgoing(w: Workstation, conversationId: number, messageId: number) {
  const message = (await allMessages(w.store, conversationId)).find((m) => m.id === messageId);
  if (message?.direction !== 'out') throw new Error(`no outgoing message ${messageId}`);
  return message;
}

describe('bounced messages', () => {
  let alice: Workstation;

  beforeAll(async () => {
    alice = await workstation('alice');
  });

  it('to an address with no account: failed with the reason, text kept; retried after the account exists, it arrives exactly once', async () => {
    const newcomer = `${LATE_USER}@${server.domain}`;
    const conversation = await alice.chat.openDirect(newcomer);
    const eventsBefore = alice.events.length;
    const { messageId } = await alice.chat.send({ conversationId: conversation, body: 'Obs for bed 9 due at 14:00', urgent: false });

    await waitFor('failed', async () => ((await outgoing(alice, conversation, messageId)).deliveryState === 'failed' ? true : undefined));
    // Stays failed: the server's acknowledgement of the same stanza must not turn it back into a tick.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await outgoing(alice, conversation, messageId)).toMatchObject({
      deliveryState: 'failed',
      failureReason: 'no-such-address',
      body: 'Obs for bed 9 due at 14:00',
    });
    expect((await alice.store.listConversations()).find((c) => c.id === conversation)?.undelivered).toBe(1);
    expect(alice.events.slice(eventsBefore)).toContainEqual({ type: 'conversations-changed', conversationIds: [conversation] });
    expect(alice.logs.some((l) => l.startsWith(`chat bounced message=${messageId} condition=service-unavailable type=cancel reason=no-such-address`))).toBe(true);
    expect(alice.logs.join('\n')).not.toContain('bed 9');
    // Not resent by itself (only 'wait' errors are), nor by the next flush.
    expect((await alice.store.pendingOutbox()).map((e) => e.messageId)).not.toContain(messageId);

    await server.register(LATE_USER, PASSWORDS[LATE_USER]!);
    const receiver = await workstation(LATE_USER);
    await alice.chat.retry(messageId);
    await expect(alice.chat.retry(messageId)).rejects.toMatchObject({ reason: 'not-failed' });

    await waitFor('delivered after the retry', async () => ((await outgoing(alice, conversation, messageId)).deliveryState === 'delivered' ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(exactlyOnce(await bodies(receiver.store, alice.jid), ['Obs for bed 9 due at 14:00'])).toEqual({ missing: [], doubled: [] });
    expect(await bodies(receiver.store, alice.jid)).toHaveLength(1);
    expect((await alice.store.listConversations()).find((c) => c.id === conversation)?.undelivered).toBe(0);
  });

  it('a forged bounce from another account marks nothing failed (logged without content)', async () => {
    // Carol never signs in, so the message waits on the server and stays 'sent'.
    const toCarol = await alice.chat.openDirect(`carol@${server.domain}`);
    const { messageId } = await alice.chat.send({ conversationId: toCarol, body: 'Carol please review the drug chart', urgent: false });
    await waitFor('sent', async () => ((await outgoing(alice, toCarol, messageId)).deliveryState === 'sent' ? true : undefined));
    const originId = (await outgoing(alice, toCarol, messageId)).originId!;

    // Prosody drops errors addressed to a bare JID, as real bounces go to the sending resource:
    // the forger must know (as a subscribed contact would, from presence) alice's full JID.
    const signedIn = alice.events.findLast((e) => e.type === 'signed-in');
    const aliceFull = signedIn?.type === 'signed-in' ? signedIn.jid : alice.jid;
    expect(aliceFull).toContain('/');
    const mallory = await bareClient('mallory');
    await mallory.send(
      xml('message', { to: aliceFull, type: 'error', id: originId }, xml('error', { type: 'cancel' }, xml('item-not-found', { xmlns: STANZAS }))),
    );
    await waitFor('spoof rejected', () =>
      alice.logs.some((l) => l.startsWith(`chat rejected reason=spoofed-bounce from=mallory@${server.domain}`)) ? true : undefined,
    );
    expect(await outgoing(alice, toCarol, messageId)).toMatchObject({ deliveryState: 'sent', failureReason: null });
    expect((await alice.store.listConversations()).find((c) => c.id === toCarol)?.undelivered).toBe(0);
    expect(alice.logs.join('\n')).not.toContain('drug chart');
  });

  it('to a room that has removed us: failed at once with the reason, text kept, retry refused until we are back; then it arrives exactly once', async () => {
    const { room, owner, member, memberRoom } = await roomWithMember('bed-management', 'Bed management');
    await revokeMembership(room, member.jid);
    await waitFor('removed from the room', () => (member.logs.includes(`chat room-left room=${room}`) ? true : undefined));

    const { messageId } = await member.chat.send({ conversationId: memberRoom, body: 'Two beds free on ward 9', urgent: false });
    await waitFor('failed', async () => ((await outgoing(member, memberRoom, messageId)).deliveryState === 'failed' ? true : undefined));
    expect(await outgoing(member, memberRoom, messageId)).toMatchObject({ failureReason: 'not-allowed-in-room', body: 'Two beds free on ward 9' });
    expect(member.events).toContainEqual({ type: 'delivery-failed', conversationId: memberRoom });
    await expect(member.chat.retry(messageId)).rejects.toMatchObject({ reason: 'not-in-room' });
    expect(await outgoing(member, memberRoom, messageId)).toMatchObject({ deliveryState: 'failed' });
    expect(member.logs.join('\n')).not.toContain('beds free');

    await owner.chat.addRoomMembers(room, [member.jid]);
    await member.chat.joinRoom(room);
    await member.chat.retry(messageId);
    await waitFor('the owner has it', async () => ((await bodies(owner.store, room)).includes('Two beds free on ward 9') ? true : undefined));
    await waitFor('sent', async () => ((await outgoing(member, memberRoom, messageId)).deliveryState !== 'pending' ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(exactlyOnce(await bodies(owner.store, room), ['Two beds free on ward 9'])).toEqual({ missing: [], doubled: [] });
    expect(await outgoing(member, memberRoom, messageId)).toMatchObject({ deliveryState: expect.stringMatching(/^(sent|delivered|read)$/), failureReason: null });
    await Promise.all([member.close(), owner.close()]);
  });

  it('queued for a room that refuses us when Wardline starts again: failed, not left waiting', async () => {
    const { room, owner, member, memberRoom } = await roomWithMember('site-team', 'Site team');
    // The app closes with a message still in the outbox (as send() leaves it while offline); meanwhile
    // the owner removes the member. At the next start the bookmarked room refuses the rejoin.
    await member.goOffline();
    const messageId = await member.store.queueOutgoing({
      conversationId: memberRoom,
      originId: `wl-offline-${Date.now()}`,
      body: 'Porter for bed 3',
      urgency: 'normal',
      sentAt: Date.now(),
      senderJid: member.jid,
      senderName: 'Name of mallory',
      senderRole: 'Staff nurse',
      patientIdentifier: false,
    });
    await revokeMembership(room, member.jid);
    await member.comeOnline();
    await waitFor('failed after the refused rejoin', async () => ((await outgoing(member, memberRoom, messageId)).deliveryState === 'failed' ? true : undefined));
    expect(await outgoing(member, memberRoom, messageId)).toMatchObject({ failureReason: 'not-allowed-in-room', body: 'Porter for bed 3' });
    expect(member.logs.some((line) => line.startsWith(`chat room-join-failed room=${room}`))).toBe(true);
    expect(member.logs).toContain(`chat room-closed room=${room} failed=1`);
    expect(await bodies(owner.store, room)).not.toContain('Porter for bed 3');
    await Promise.all([member.close(), owner.close()]);
  });

  it("a temporary ('wait') refusal from the recipient is resent automatically with the same id, once", async () => {
    const seen: XmlElement[] = [];
    const bob = await bareClient('bob', seen);
    await bob.send(xml('presence'));
    const toBob = await alice.chat.openDirect(`bob@${server.domain}`);
    const { messageId } = await alice.chat.send({ conversationId: toBob, body: 'Porter needed on ward 7', urgent: false });
    const bodiesSeen = (): XmlElement[] => seen.filter((s) => s.name === 'message' && s.getChild('body') !== undefined);

    await waitFor('bob gets it', () => (bodiesSeen().length >= 1 ? true : undefined));
    const first = bodiesSeen()[0]!;
    await bob.send(refusalOf(first, 'wait', 'resource-constraint'));
    await waitFor('resent', () => (bodiesSeen().length >= 2 ? true : undefined));
    expect(bodiesSeen()[1]!.attrs['id']).toBe(first.attrs['id']);
    await waitFor('sent again', async () => ((await outgoing(alice, toBob, messageId)).deliveryState === 'sent' ? true : undefined));
    expect(alice.logs.some((l) => l.startsWith(`chat retry message=${messageId} by=automatic attempt=1`))).toBe(true);

    // A second temporary refusal exhausts the (one-step) schedule: failed, waiting for the person.
    await bob.send(refusalOf(first, 'wait', 'resource-constraint'));
    await waitFor('failed for good', async () => ((await outgoing(alice, toBob, messageId)).deliveryState === 'failed' ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(bodiesSeen()).toHaveLength(2);
    expect(await outgoing(alice, toBob, messageId)).toMatchObject({ deliveryState: 'failed', failureReason: 'server-busy' });
    expect(await conversationOf(alice.store, `bob@${server.domain}`)).toBe(toBob);
  });
  it("a temporary refusal, then Wardline locks before the automatic resend: the next session sends it (review finding)", async () => {
    const patient = new WorkstationPool({ bounceRetry: { delaysMs: [60_000] } });
    try {
      const carol = await patient.open(server, 'carol', { resource: 'lock-test' });
      const seen: XmlElement[] = [];
      const bob = await bareClient('bob', seen);
      await bob.send(xml('presence'));
      const toBob = await carol.chat.openDirect(`bob@${server.domain}`);
      const { messageId } = await carol.chat.send({ conversationId: toBob, body: 'Bloods for bed 6 are back', urgent: false });
      const bodiesSeen = (): XmlElement[] => seen.filter((s) => s.name === 'message' && s.getChildText('body') === 'Bloods for bed 6 are back');
      const first = await waitFor('bob gets it', () => bodiesSeen()[0]);
      await bob.send(refusalOf(first, 'wait', 'resource-constraint'));
      await waitFor('failed for now', async () => ((await outgoing(carol, toBob, messageId)).deliveryState === 'failed' ? true : undefined));
      // The lock stops the session (and its resend timer) long before the minute is up.
      await carol.goOffline();
      expect((await carol.store.pendingOutbox()).map((entry) => entry.messageId)).toEqual([messageId]);
      const mark = carol.logs.length;
      await carol.comeOnline();
      await waitReady(carol, mark);
      await waitFor('bob gets it again, same id', () => (bodiesSeen().length >= 2 ? true : undefined));
      expect(bodiesSeen()[1]!.attrs['id']).toBe(first.attrs['id']);
      await waitFor('sent', async () => ((await outgoing(carol, toBob, messageId)).deliveryState === 'sent' ? true : undefined));
    } finally {
      await patient.closeAll();
    }
  });

  it('a refusal that arrives while we are offline fails the message at the next sign-in (from our archive)', async () => {
    const seen: XmlElement[] = [];
    const bob = await bareClient('bob', seen);
    await bob.send(xml('presence'));
    const toBob = await alice.chat.openDirect(`bob@${server.domain}`);
    const { messageId } = await alice.chat.send({ conversationId: toBob, body: 'Can you take the handover for bay 2', urgent: false });
    const got = await waitFor('bob gets it', () => seen.find((s) => s.name === 'message' && s.getChild('body') !== undefined && s.attrs['id'] !== undefined));
    await waitFor('sent', async () => ((await outgoing(alice, toBob, messageId)).deliveryState === 'sent' ? true : undefined));

    await alice.goOffline();
    // Bob's client refuses it after alice has gone: the error goes to the full JID that sent it,
    // and Prosody keeps it in alice's archive.
    await bob.send(refusalOf(got, 'cancel', 'not-acceptable'));
    await serverHasHandled(bob);
    const mark = alice.logs.length;
    const eventsBefore = alice.events.length;
    await alice.comeOnline();
    await waitReady(alice, mark);

    // Applied by the catch-up, before set-up says it is ready.
    expect(await outgoing(alice, toBob, messageId)).toMatchObject({ deliveryState: 'failed', failureReason: 'refused', body: 'Can you take the handover for bay 2' });
    expect(alice.logs.slice(mark).some((l) => l.startsWith(`chat bounced message=${messageId} condition=not-acceptable type=cancel reason=refused`))).toBe(true);
    expect(alice.events.slice(eventsBefore)).toContainEqual({ type: 'delivery-failed', conversationId: toBob });
    expect(alice.logs.join('\n')).not.toContain('bay 2');

    // Alice sends it again and it goes. Read again from the archive (here: its position forgotten,
    // so the catch-up starts over), the old refusal must not fail it a second time.
    await alice.chat.retry(messageId);
    await waitFor('sent again', async () => ((await outgoing(alice, toBob, messageId)).deliveryState === 'sent' ? true : undefined));
    await alice.goOffline();
    await alice.store.setSetting(`chat.archive-cursor.${alice.jid}`, '');
    const again = alice.logs.length;
    await alice.comeOnline();
    await waitReady(alice, again);
    expect((await outgoing(alice, toBob, messageId)).deliveryState).toBe('sent');
    expect(alice.logs.slice(again)).toContain('chat bounce-already-applied condition=not-acceptable');

    // But a new refusal of the retry, from the same person for the same reason, is a new refusal
    // (it used to look like the first and was skipped: a tick on a message never delivered).
    await alice.goOffline();
    await bob.send(refusalOf(got, 'cancel', 'not-acceptable'));
    await serverHasHandled(bob);
    const third = alice.logs.length;
    await alice.comeOnline();
    await waitReady(alice, third);
    expect(await outgoing(alice, toBob, messageId)).toMatchObject({ deliveryState: 'failed', failureReason: 'refused' });
    expect(alice.logs.slice(third).filter((l) => l.startsWith(`chat bounced message=${messageId}`))).toHaveLength(1);
  });

  it('a refusal handled live is known again when read back from the archive, by the id the server archived it under', async () => {
    const seen: XmlElement[] = [];
    const bob = await bareClient('bob', seen);
    await bob.send(xml('presence'));
    const toBob = await alice.chat.openDirect(`bob@${server.domain}`);
    const { messageId } = await alice.chat.send({ conversationId: toBob, body: 'Bay 5 needs a porter', urgent: false });
    const got = await waitFor('bob gets it', () => seen.find((s) => s.name === 'message' && s.getChildText('body') === 'Bay 5 needs a porter'));
    await bob.send(refusalOf(got, 'cancel', 'not-acceptable'));
    await waitFor('failed live', async () => ((await outgoing(alice, toBob, messageId)).deliveryState === 'failed' ? true : undefined));
    await alice.chat.retry(messageId);
    await waitFor('sent again', async () => ((await outgoing(alice, toBob, messageId)).deliveryState === 'sent' ? true : undefined));
    await alice.goOffline();
    await alice.store.setSetting(`chat.archive-cursor.${alice.jid}`, '');
    const mark = alice.logs.length;
    await alice.comeOnline();
    await waitReady(alice, mark);
    expect((await outgoing(alice, toBob, messageId)).deliveryState).toBe('sent');
    expect(alice.logs.slice(mark).filter((l) => l.startsWith('chat bounce-already-applied'))).not.toHaveLength(0);
    expect(alice.logs.slice(mark).some((l) => l.startsWith(`chat bounced message=${messageId}`))).toBe(false);
  });

  it('a forged refusal kept in our archive while we were offline marks nothing failed', async () => {
    // Alice and mallory have a conversation: the forger's own, the only one a bounce from it can concern.
    await alice.chat.openDirect(`mallory@${server.domain}`);
    const toCarol = await alice.chat.openDirect(`carol@${server.domain}`);
    const { messageId } = await alice.chat.send({ conversationId: toCarol, body: 'Carol the syringe driver is free', urgent: false });
    await waitFor('sent', async () => ((await outgoing(alice, toCarol, messageId)).deliveryState === 'sent' ? true : undefined));
    const originId = (await outgoing(alice, toCarol, messageId)).originId!;
    const signedIn = alice.events.findLast((e) => e.type === 'signed-in');
    const aliceFull = signedIn?.type === 'signed-in' ? signedIn.jid : alice.jid;
    expect(aliceFull).toContain('/');

    await alice.goOffline();
    const mallory = await bareClient('mallory');
    await mallory.send(
      xml('message', { to: aliceFull, type: 'error', id: originId }, xml('error', { type: 'cancel' }, xml('item-not-found', { xmlns: STANZAS }))),
    );
    await serverHasHandled(mallory);
    const mark = alice.logs.length;
    await alice.comeOnline();
    await waitReady(alice, mark);

    // Read from the archive (so this test would notice if it were not) and matched to none of
    // alice's messages: after a restart a bounce is looked for only among those sent to its sender.
    expect(alice.logs.slice(mark).some((l) => l.startsWith(`chat bounce-unmatched condition=item-not-found from=mallory@${server.domain}`))).toBe(true);
    expect(await outgoing(alice, toCarol, messageId)).toMatchObject({ deliveryState: 'sent', failureReason: null });
    expect(alice.logs.join('\n')).not.toContain('syringe');
  });
});

// Who wrote a room message, against a real Prosody. A room nick is only held while its owner is in
// the room: while Alice is away, another member may join as "alice" and write. Her workstation's
// catch-up must not file that as her own message ("You"), which the nick alone would say; the
// room's archive records the writer's real address, and that decides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WardlineStore } from '../../electron/core/store/index.js';
import { xml, type XmppConnection } from '../../electron/core/xmpp/index.js';
import { type ProsodyServer, startProsody } from '../fixtures/prosody.js';
import { allMessages, cleanUpStores, connectBareClient, users, waitFor, waitReady, type Workstation, WorkstationPool } from './chatHarness.js';

let server: ProsodyServer;
const pool = new WorkstationPool();
/** Repairs a missing history a second after it is noticed. */
const repairing = new WorkstationPool({ liveRepairDelaysMs: [1_000] });
const raw: XmppConnection[] = [];

beforeAll(async () => {
  server = await startProsody({ users });
});

afterAll(async () => {
  await Promise.all(raw.splice(0).map((c) => c.close().catch(() => undefined)));
  await pool.closeAll();
  await repairing.closeAll();
  await server?.stop();
  cleanUpStores();
});

/** A bare client (no Wardline) in `room` as `nick`: what any member can do. */
async function memberAs(user: string, room: string, nick: string): Promise<XmppConnection> {
  const connection = await connectBareClient(server, user);
  raw.push(connection);
  let inRoom = false;
  let refused = false;
  connection.on('stanza', (stanza) => {
    if (!stanza.is('presence') || stanza.attrs['from'] !== `${room}/${nick}`) return;
    if (stanza.attrs['type'] === undefined) inRoom = true;
    if (stanza.attrs['type'] === 'error') refused = true;
  });
  const join = (): Promise<void> =>
    connection.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' }, xml('history', { maxstanzas: '0' }))));
  await join();
  // The nick's previous holder may not have left yet (the room answers "conflict"): ask again.
  await waitFor(`${user} in the room as ${nick}`, async () => {
    if (refused) {
      refused = false;
      await join();
    }
    return inRoom ? true : undefined;
  });
  return connection;
}

describe('room message authorship', () => {
  it("a member who takes Alice's nick while she is away is not filed as Alice", async () => {
    const alice: Workstation = await pool.open(server, 'alice');
    const room = `ward7-${Date.now()}@${server.mucDomain}`;
    const aliceRoom = await alice.chat.joinRoom(room, 'Ward 7');
    await alice.chat.addRoomMembers(room, [`mallory@${server.domain}`]);
    await alice.chat.send({ conversationId: aliceRoom, body: 'Obs round at 14:00', urgent: false });
    await waitFor('alice sees her message sent', async () =>
      (await allMessages(alice.store, aliceRoom)).some((m) => m.direction === 'out' && m.body === 'Obs round at 14:00' && m.deliveryState !== 'pending') ? true : undefined,
    );
    await alice.goOffline();

    // Mallory, a member, joins under Alice's nick (free now) and writes.
    const mallory = await memberAs('mallory', room, 'alice');
    await mallory.send(xml('message', { to: room, type: 'groupchat', id: 'spoof-1' }, xml('body', {}, 'Stop the heparin')));
    // Also claiming Alice's address in the message itself (the room keeps it, and adds its own).
    await mallory.send(
      xml('message', { to: room, type: 'groupchat', id: 'spoof-2' }, xml('body', {}, 'Stop the insulin'),
        xml('x', { xmlns: 'http://jabber.org/protocol/muc#user' }, xml('item', { jid: alice.jid }))),
    );
    await mallory.close();

    // Alice comes back: the room's archive fills her in.
    const mark = alice.logs.length;
    await alice.comeOnline();
    await waitReady(alice, mark);
    const stored = await waitFor('the archived message reaches alice', async () =>
      (await allMessages(alice.store, aliceRoom)).find((m) => m.body === 'Stop the heparin'),
    );
    expect(stored.direction).toBe('in');
    // Filed under the writer's real address, as the room archived it.
    expect(stored.senderJid).toBe(`mallory@${server.domain}`);
    const claimed = await waitFor('the second reaches alice', async () => (await allMessages(alice.store, aliceRoom)).find((m) => m.body === 'Stop the insulin'));
    expect(claimed.direction).toBe('in');
    // Her own earlier message is still hers, once.
    const own = (await allMessages(alice.store, aliceRoom)).filter((m) => m.body === 'Obs round at 14:00');
    expect(own).toHaveLength(1);
    expect(own[0]?.direction).toBe('out');
  });

  it('someone holding Alice’s nick does not keep her out: she rejoins under her address, and her messages go and are hers (review finding)', async () => {
    // Alice's workstations from the tests above would follow this room's join and hold her nick.
    await pool.closeAll();
    const alice: Workstation = await pool.open(server, 'alice', { resource: 'nick-test' });
    const room = `ward10-${Date.now()}@${server.mucDomain}`;
    const aliceRoom = await alice.chat.joinRoom(room, 'Ward 10');
    await alice.chat.addRoomMembers(room, [`mallory@${server.domain}`, `bob@${server.domain}`]);
    await alice.goOffline();
    const squatter = await memberAs('mallory', room, 'alice');
    const bob = await memberAs('bob', room, 'bob');
    const bobSaw: string[] = [];
    bob.on('stanza', (stanza) => {
      if (stanza.is('message') && stanza.attrs['type'] === 'groupchat') bobSaw.push(`${stanza.attrs['from']}: ${stanza.getChildText('body')}`);
    });

    const mark = alice.logs.length;
    await alice.comeOnline();
    await waitReady(alice, mark);
    expect(alice.logs.slice(mark)).toContain(`chat room-nick-taken room=${room}`);
    const { messageId } = await alice.chat.send({ conversationId: aliceRoom, body: 'Theatre 2 ready', urgent: false });
    await waitFor('bob has it', () => (bobSaw.includes(`${room}/alice@${server.domain}: Theatre 2 ready`) ? true : undefined));
    const mine = await waitFor('sent', async () => (await allMessages(alice.store, aliceRoom)).find((m) => m.id === messageId && m.direction === 'out' && m.deliveryState !== 'pending'));
    expect(mine.direction).toBe('out');
    // The room's copy of it is recognised as hers: stored once.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await allMessages(alice.store, aliceRoom)).filter((m) => m.body === 'Theatre 2 ready')).toHaveLength(1);
    await squatter.close();
    await bob.close();
  });

  // A private message through the room reaches Alice live (and is ignored there: private messages
  // are not supported), but her server also archives it; her next catch-up reads her own archive
  // before rejoining any room, and must not file it as the room speaking, or as a person's chat.
  it("an occupant's private message, read back from Alice's own archive, is filed nowhere", async () => {
    const alice: Workstation = await pool.open(server, 'alice', { resource: 'pm-test' });
    const room = `ward8-${Date.now()}@${server.mucDomain}`;
    const aliceRoom = await alice.chat.joinRoom(room, 'Ward 8');
    await alice.chat.addRoomMembers(room, [`mallory@${server.domain}`]);
    const mallory = await memberAs('mallory', room, 'mal');
    const mark = alice.logs.length;
    await mallory.send(xml('message', { to: `${room}/alice`, type: 'chat', id: 'pm-1' }, xml('body', {}, 'Signed, Dr Jane Smith: discharge bed 4')));
    await waitFor('alice ignores it live', () => (alice.logs.slice(mark).some((l) => l.includes('muc-private-message')) ? true : undefined));
    await alice.goOffline();
    const again = alice.logs.length;
    await alice.comeOnline();
    await waitReady(alice, again);
    const everywhere = await Promise.all((await alice.store.listConversations()).map((c) => allMessages(alice.store, c.id)));
    expect(everywhere.flat().filter((m) => m.body?.includes('discharge bed 4'))).toEqual([]);
    expect((await allMessages(alice.store, aliceRoom)).length).toBe(0);
    await mallory.close();
  });

  // Retractions in rooms match the writer's real address: after Bob leaves, a member who joins as
  // "bob" cannot withdraw what Bob wrote; Bob himself still can.
  it('only the writer can withdraw a room message, not whoever holds their nick later', async () => {
    const alice: Workstation = await pool.open(server, 'alice', { resource: 'retract-test' });
    const room = `ward9-${Date.now()}@${server.mucDomain}`;
    const aliceRoom = await alice.chat.joinRoom(room, 'Ward 9');
    // Both at once: each must become a member (Prosody applies only the first item of a request).
    await alice.chat.addRoomMembers(room, [`bob@${server.domain}`, `mallory@${server.domain}`]);

    const bob = await memberAs('bob', room, 'bob');
    await bob.send(xml('message', { to: room, type: 'groupchat', id: 'b-1' }, xml('body', {}, 'Bed 3 for discharge'), xml('origin-id', { xmlns: 'urn:xmpp:sid:0', id: 'b-1' })));
    const written = await waitFor('alice has bob\'s message', async () => (await allMessages(alice.store, aliceRoom)).find((m) => m.body === 'Bed 3 for discharge'));
    expect(written.senderJid).toBe(`bob@${server.domain}`);
    expect(written.serverId).not.toBeNull();
    await bob.send(xml('presence', { to: `${room}/bob`, type: 'unavailable' }));
    await bob.close();

    const retract = (id: string): ReturnType<typeof xml> =>
      xml('message', { to: room, type: 'groupchat', id: `r-${Date.now()}` }, xml('retract', { xmlns: 'urn:xmpp:message-retract:1', id }), xml('body', {}, 'retracted'));
    const impostor = await memberAs('mallory', room, 'bob');
    const mark = alice.logs.length;
    await impostor.send(retract(written.serverId!));
    await waitFor('alice turns the impostor\'s retraction down', () => (alice.logs.slice(mark).some((l) => l.includes('retraction-ignored')) ? true : undefined));
    expect((await allMessages(alice.store, aliceRoom)).find((m) => m.id === written.id)?.retraction).toBeNull();
    await impostor.close();

    const bobAgain = await memberAs('bob', room, 'bob');
    await bobAgain.send(retract(written.serverId!));
    await waitFor('bob\'s own retraction is honoured', async () => ((await allMessages(alice.store, aliceRoom)).find((m) => m.id === written.id)?.retraction != null ? true : undefined));
    await bobAgain.close();
  });

  // The writer is whoever held the nick when the message arrived, not when it was stored: Bob
  // writes and leaves at once, and Mallory takes "bob" straight after.
  it('a message is credited to whoever held the nick as it arrived', async () => {
    // Alice's store takes its time with the first thing that arrives, so by the time Bob's message
    // (queued behind it) is stored, Bob has left and Mallory holds "bob".
    let slow = false;
    let storing = false;
    const slowOnce = (store: WardlineStore): WardlineStore =>
      Object.assign(Object.create(store) as WardlineStore, {
        insertReceivedBatch: async (rows: Parameters<WardlineStore['insertReceivedBatch']>[0]) => {
          if (slow) {
            slow = false;
            storing = true;
            await new Promise((resolve) => setTimeout(resolve, 1_500));
          }
          return store.insertReceivedBatch(rows);
        },
      });
    const alice: Workstation = await pool.open(server, 'alice', { resource: 'arrival-test', storeSeenByChat: slowOnce });
    const room = `ward10-${Date.now()}@${server.mucDomain}`;
    const aliceRoom = await alice.chat.joinRoom(room, 'Ward 10');
    await alice.chat.addRoomMembers(room, [`bob@${server.domain}`, `mallory@${server.domain}`]);
    const bob = await memberAs('bob', room, 'bob');
    const mal = await memberAs('mallory', room, 'mal');
    // Something arrives first and takes its time to store: Bob's message waits behind it.
    slow = true;
    await mal.send(xml('message', { to: room, type: 'groupchat', id: 'm-1' }, xml('body', {}, 'Trolley to bay 2')));
    await waitFor('alice is storing the first', () => (storing ? true : undefined));
    await bob.send(xml('message', { to: room, type: 'groupchat', id: 'b-2' }, xml('body', {}, 'Bed 5 NBM from midnight')));
    await bob.send(xml('presence', { to: `${room}/bob`, type: 'unavailable' }));
    await bob.close();
    const impostor = await memberAs('mallory', room, 'bob');
    const written = await waitFor('alice has it', async () => (await allMessages(alice.store, aliceRoom)).find((m) => m.body === 'Bed 5 NBM from midnight'));
    expect(written.senderJid).toBe(`bob@${server.domain}`);
    await impostor.close();
    await mal.close();
  });

  it('a room the sign-in could not get back into: what Alice writes there meanwhile goes once the automatic repair rejoins it (review finding)', async () => {
    await pool.closeAll();
    const alice = await repairing.open(server, 'alice', { resource: 'repair-test' });
    const carol = await repairing.open(server, 'carol', { resource: 'repair-test' });
    const room = `ward11-${Date.now()}@${server.mucDomain}`;
    const aliceRoom = await alice.chat.joinRoom(room, 'Ward 11');
    await alice.chat.addRoomMembers(room, [carol.jid, `mallory@${server.domain}`, `bob@${server.domain}`]);
    const carolsRoom = await carol.chat.joinRoom(room);
    await alice.goOffline();
    // Namesakes hold both of Alice's nicks while she signs in: the join fails (conflict).
    const squatters = [await memberAs('mallory', room, 'alice'), await memberAs('bob', room, `alice@${server.domain}`)];
    const mark = alice.logs.length;
    await alice.comeOnline();
    await waitReady(alice, mark);
    expect(alice.logs.slice(mark).some((line) => line.startsWith(`chat room-join-failed room=${room}`))).toBe(true);
    await alice.chat.send({ conversationId: aliceRoom, body: 'Crash call bay 3', urgent: false });
    for (const squatter of squatters) await squatter.close();
    await waitFor('the repair ran', () => (alice.logs.slice(mark).some((line) => line.startsWith('chat live-repair done')) ? true : undefined));
    await waitFor('carol has it', async () => ((await allMessages(carol.store, carolsRoom)).some((m) => m.body === 'Crash call bay 3') ? true : undefined), 10_000);
    expect(await alice.store.pendingOutbox()).toEqual([]);
  });

  it('a nick made to look like someone else with blank letters is shown with them removed, not as a look-alike', async () => {
    await pool.closeAll();
    const alice = await pool.open(server, 'alice', { resource: 'nick-blank' });
    const room = `ward12-${Date.now()}@${server.mucDomain}`;
    const aliceRoom = await alice.chat.joinRoom(room, 'Ward 12');
    await alice.chat.addRoomMembers(room, [`mallory@${server.domain}`]);
    // Prosody takes a Hangul filler in a nick (stringprep leaves U+1160 as it is); it shows as a space.
    const mallory = await memberAs('mallory', room, 'Dr\u1160A Smith');
    await mallory.send(xml('message', { to: room, type: 'groupchat', id: 'blank-1' }, xml('body', {}, 'Discharge bed 4')));
    const stored = await waitFor('alice has it', async () => (await allMessages(alice.store, aliceRoom)).find((m) => m.body === 'Discharge bed 4'));
    expect(stored.senderName).toBe('DrA Smith');
    expect(stored.senderJid).toBe(`mallory@${server.domain}`);
  });
});

// The messaging service end to end against a real Prosody: real accounts, each workstation with
// its own encrypted store. What one person sends, the other has on disk, with delivery and read
// states flowing back; rooms, carbons, archive catch-up, the offline outbox and spoofed carbons.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectXmpp, xml } from '../../electron/core/xmpp/index.js';
import type { WardlineStore } from '../../electron/core/store/index.js';
import { type ProsodyServer, startProsody } from '../fixtures/prosody.js';
import {
  allMessages,
  bodies,
  cleanUpStores,
  conversationOf,
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

const workstation = (user: string, resource?: string): Promise<Workstation> => pool.open(server, user, { resource });

/** The store as the chat service sees it, with one method failing ('store closed') while `when` says so. */
function failing(method: keyof WardlineStore, when: (...args: unknown[]) => boolean): (store: WardlineStore) => WardlineStore {
  return (store) =>
    new Proxy(store, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function') return value;
        const call = (...args: unknown[]): unknown => (value as (...a: unknown[]) => unknown).apply(target, args);
        return key === method ? (...args: unknown[]) => (when(...args) ? Promise.reject(new Error('store closed')) : call(...args)) : call;
      },
    });
}

describe('chat service', () => {
  let alice: Workstation;
  let bob: Workstation;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([workstation('alice'), workstation('bob')]);
  });

  it('exchanges 1:1 messages both ways: sent → delivered (receipt) → read (displayed marker)', async () => {
    const toBob = await alice.chat.openDirect(bob.jid);
    const titleOf = async (w: Workstation, id: number): Promise<string | undefined> => (await w.store.listConversations()).find((c) => c.id === id)?.title;
    // Nobody has told Alice's workstation Bob's name yet (the test roster has none).
    expect(await titleOf(alice, toBob)).toBe('bob');
    // The screen's list is told at once, before anyone has written in it.
    expect(alice.events).toContainEqual({ type: 'conversations-changed', conversationIds: [toBob] });
    const { messageId } = await alice.chat.send({ conversationId: toBob, body: 'Bed 4 obs due <b>now</b>', urgent: false });

    // Bob has it stored, with who wrote it.
    await waitFor('bob stores it', async () => ((await bodies(bob.store, alice.jid)).includes('Bed 4 obs due <b>now</b>') ? true : undefined));
    const bobConversation = (await conversationOf(bob.store, alice.jid))!;
    expect(await titleOf(bob, bobConversation)).toBe('Name of alice');
    const [received] = await allMessages(bob.store, bobConversation);
    expect(received).toMatchObject({ direction: 'in', senderJid: alice.jid, senderName: 'Name of alice', senderRole: 'Staff nurse', readAt: null });

    // Alice sees it delivered (bob's receipt), then read once bob marks the conversation read.
    const stateOf = async (): Promise<string | undefined> => {
      const message = (await allMessages(alice.store, toBob)).find((m) => m.id === messageId);
      return message?.direction === 'out' ? message.deliveryState : undefined;
    };
    await waitFor('delivered', async () => ((await stateOf()) === 'delivered' ? true : undefined));
    await bob.chat.markRead(bobConversation);
    await waitFor('read', async () => ((await stateOf()) === 'read' ? true : undefined));
    expect((await bob.store.unreadCounts()).unread).toBe(0);

    // And back the other way.
    const { messageId: replyId } = await bob.chat.send({ conversationId: bobConversation, body: 'On it', urgent: false });
    await waitFor('alice stores the reply', async () => ((await bodies(alice.store, bob.jid, 'in')).includes('On it') ? true : undefined));
    // Bob's reply carried the name he signs with: it replaces the placeholder title.
    await waitFor('the conversation takes Bob\'s name', async () => ((await titleOf(alice, toBob)) === 'Name of bob' ? true : undefined));
    await alice.chat.markRead(toBob);
    await waitFor('reply read', async () => {
      const reply = (await allMessages(bob.store, bobConversation)).find((m) => m.id === replyId);
      return reply?.direction === 'out' && reply.deliveryState === 'read' ? true : undefined;
    });
    expect(alice.logs.join('\n')).not.toContain('Bed 4');
    expect(bob.logs.join('\n')).not.toContain('Bed 4');
  });

  it('flags urgent messages and re-notifies until read', async () => {
    const toBob = await alice.chat.openDirect(bob.jid);
    const before = bob.events.length;
    await alice.chat.send({ conversationId: toBob, body: 'Crash call ward 7', urgent: true });
    const event = await waitFor('urgent-pending', () =>
      bob.events.slice(before).find((e) => e.type === 'urgent-pending'),
    );
    expect(event).toMatchObject({ type: 'urgent-pending', unreadUrgent: 1 });
    const bobConversation = (await conversationOf(bob.store, alice.jid))!;
    const stored = (await allMessages(bob.store, bobConversation)).find((m) => m.body === 'Crash call ward 7');
    expect(stored?.urgency).toBe('urgent');
    await bob.chat.markRead(bobConversation);
    expect((await bob.store.unreadCounts()).urgent).toBe(0);
  });

  it('room: created members-only, a member joins, both see each other’s messages once', async () => {
    const room = `ward7@${server.mucDomain}`;
    const aliceRoom = await alice.chat.joinRoom(room, 'Ward 7 nursing');
    await alice.chat.addRoomMembers(room, [bob.jid]);
    const bobRoom = await bob.chat.joinRoom(room);
    await alice.chat.send({ conversationId: aliceRoom, body: 'Handover at 19:00', urgent: false });
    await bob.chat.send({ conversationId: bobRoom, body: 'Noted', urgent: false });
    for (const w of [alice, bob]) {
      await waitFor(`${w.user} room messages`, async () => {
        const got = await bodies(w.store, room);
        return got.includes('Handover at 19:00') && got.includes('Noted') ? got : undefined;
      });
    }
    // Our own message came back as a reflection: stored once, as ours.
    const aliceSide = await allMessages(alice.store, aliceRoom);
    expect(aliceSide.filter((m) => m.body === 'Handover at 19:00')).toMatchObject([{ direction: 'out', senderJid: alice.jid }]);
    expect(aliceSide.filter((m) => m.body === 'Noted')).toMatchObject([{ direction: 'in', senderName: 'Name of bob' }]);
    const bobSide = await allMessages(bob.store, bobRoom);
    expect(bobSide.filter((m) => m.body === 'Handover at 19:00')).toHaveLength(1);
    // The room is in the directory (bookmarked).
    expect(await alice.chat.directory()).toContainEqual(expect.objectContaining({ jid: room, kind: 'room', name: 'Ward 7 nursing' }));
    // Each sees the other in the room (by the address the room reveals), never themselves.
    expect(alice.chat.roomPresent(room).map((p) => p.jid)).toEqual([bob.jid]);
    expect(bob.chat.roomPresent(room).map((p) => p.jid)).toEqual([alice.jid]);

    // A non-member cannot get in: the room is members-only.
    const carol = await workstation('carol');
    await expect(carol.chat.joinRoom(room)).rejects.toMatchObject({ condition: expect.stringMatching(/^(registration-required|forbidden)$/) });
  });

  it('carbons: the same person on a second workstation sees what the first sent, as outgoing', async () => {
    const alice2 = await workstation('alice', 'second-pc');
    const toBob = await alice.chat.openDirect(bob.jid);
    await alice.chat.send({ conversationId: toBob, body: 'Sent from the first PC', urgent: false });
    await waitFor('carbon stored', async () => ((await bodies(alice2.store, bob.jid, 'out')).includes('Sent from the first PC') ? true : undefined));
    const conversation = (await conversationOf(alice2.store, bob.jid))!;
    const copy = (await allMessages(alice2.store, conversation)).filter((m) => m.body === 'Sent from the first PC');
    expect(copy).toMatchObject([{ direction: 'out', senderJid: alice.jid }]);
    // Bob's receipt is carbon-copied too, so this workstation may already show it delivered.
    expect(['sent', 'delivered']).toContain(copy[0]?.direction === 'out' ? copy[0].deliveryState : null);
    // Bob's reply reaches both of alice's workstations.
    const bobConversation = (await conversationOf(bob.store, alice.jid))!;
    await bob.chat.send({ conversationId: bobConversation, body: 'Reply to both', urgent: false });
    for (const w of [alice, alice2]) {
      await waitFor(`${w.user} reply`, async () => ((await bodies(w.store, bob.jid, 'in')).includes('Reply to both') ? true : undefined));
    }
    await alice2.close();
  });

  it('presence: busy and off duty show in a colleague’s directory', async () => {
    await alice.chat.openDirect(bob.jid);
    await bob.chat.openDirect(alice.jid);
    await bob.chat.setPresence('busy');
    await waitFor('busy', async () =>
      (await alice.chat.directory()).find((e) => e.jid === bob.jid && e.presence === 'busy'),
    );
    await bob.chat.setPresence('off-duty');
    await waitFor('off duty', async () =>
      (await alice.chat.directory()).find((e) => e.jid === bob.jid && e.presence === 'off-duty'),
    );
    await bob.chat.setPresence('available');
  });

  it('receiver offline: 300 messages caught up from the archive, none missing, none doubled', async () => {
    const toBob = await alice.chat.openDirect(bob.jid);
    await bob.goOffline();
    const expected = Array.from({ length: 300 }, (_, i) => `offline batch message ${i}`);
    for (const body of expected) await alice.chat.send({ conversationId: toBob, body, urgent: false });
    await waitFor('all acked', async () => {
      const mine = await allMessages(alice.store, toBob);
      return mine.every((m) => m.direction !== 'out' || m.deliveryState !== 'pending') ? true : undefined;
    });
    const logMark = bob.logs.length;
    const started = Date.now();
    await bob.comeOnline();
    await waitReady(bob, logMark);
    const elapsed = Date.now() - started;
    const got = (await bodies(bob.store, alice.jid, 'in')).filter((b) => b.startsWith('offline batch'));
    expect(exactlyOnce(got, expected)).toEqual({ missing: [], doubled: [] });
    expect(got).toHaveLength(300);
    console.log(`[chat] 300 offline messages caught up in ${elapsed} ms (sign-in, archive, store)`);
  });

  it('a message written while offline is sent once the connection is back, exactly once', async () => {
    const toBob = await alice.chat.openDirect(bob.jid);
    await alice.goOffline();
    await alice.comeOnline();
    // Queued before the session is set up: it waits in the outbox, then goes out once.
    const { messageId } = await alice.chat.send({ conversationId: toBob, body: 'Typed while offline', urgent: false });
    await waitFor('bob got it', async () => ((await bodies(bob.store, alice.jid)).includes('Typed while offline') ? true : undefined));
    await waitFor('acked', async () => {
      const m = (await allMessages(alice.store, toBob)).find((x) => x.id === messageId);
      return m?.direction === 'out' && m.deliveryState !== 'pending' ? true : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await bodies(bob.store, alice.jid)).filter((b) => b === 'Typed while offline')).toHaveLength(1);
    expect(await alice.store.pendingOutbox()).toEqual([]);
  });

  it('rejects a spoofed carbon from another account and stores nothing of it', async () => {
    const mallory = connectXmpp({
      jid: `mallory@${server.domain}`,
      password: PASSWORDS['mallory']!,
      host: server.host,
      port: server.c2sPort,
      adminCa: { paths: [server.caCertPath] },
    });
    try {
      await waitFor('mallory online', () => (mallory.state().kind === 'online' ? true : undefined));
      const forged = xml(
        'message',
        { to: alice.jid, type: 'chat' },
        xml(
          'received',
          { xmlns: 'urn:xmpp:carbons:2' },
          xml(
            'forwarded',
            { xmlns: 'urn:xmpp:forward:0' },
            xml('message', { xmlns: 'jabber:client', from: bob.jid + '/x', to: alice.jid, type: 'chat', id: 'forged-1' }, xml('body', {}, 'Forged: give 10x dose')),
          ),
        ),
      );
      await mallory.send(forged);
      await waitFor('rejection logged', () => (alice.logs.some((l) => l.startsWith('chat rejected reason=spoofed-carbon from=mallory@')) ? true : undefined));
      expect(await alice.store.search('forged', 10)).toEqual([]);
      expect(await bodies(alice.store, bob.jid)).not.toContain('Forged: give 10x dose');
      expect(alice.logs.join('\n')).not.toContain('10x');
    } finally {
      await mallory.close();
    }
  });

  it('room membership: every member sees who can read the room; the owner takes someone out, a member cannot', async () => {
    const room = `handover@${server.mucDomain}`;
    await alice.chat.joinRoom(room, 'Handover');
    await alice.chat.addRoomMembers(room, [bob.jid]);
    await bob.chat.joinRoom(room);
    await waitFor('bob in the room', async () => ((await alice.chat.roomMembers(room)).members.find((m) => m.jid === bob.jid)?.here ? true : undefined));
    // With each person's status from the directory: is Bob free to answer?
    await bob.chat.setPresence('busy');
    await waitFor('bob busy', async () => ((await alice.chat.roomMembers(room)).members.find((m) => m.jid === bob.jid)?.presence === 'busy' ? true : undefined));
    expect(await alice.chat.roomMembers(room)).toEqual({
      membersOnly: true,
      members: [
        { jid: alice.jid, name: 'Name of alice', affiliation: 'owner', here: true, you: true, presence: null },
        { jid: bob.jid, name: 'bob', affiliation: 'member', here: true, you: false, presence: 'busy' },
      ],
    });
    await bob.chat.setPresence('available');
    expect((await bob.chat.roomMembers(room)).members.map((m) => [m.jid, m.affiliation, m.you])).toEqual([
      [alice.jid, 'owner', false],
      [bob.jid, 'member', true],
    ]);
    await expect(bob.chat.removeRoomMember(room, alice.jid)).rejects.toThrow("Only the room's owners and admins can remove people");

    await alice.chat.removeRoomMember(room, bob.jid);
    expect((await alice.chat.roomMembers(room)).members.map((m) => m.jid)).toEqual([alice.jid]);
    // The server took Bob out of the room at once, and he can no longer see who is in it.
    await waitFor('bob out of the room', () => (alice.chat.roomPresent(room).length === 0 ? true : undefined));
    await expect(bob.chat.roomMembers(room)).rejects.toThrow('This room does not show its members to you.');
    await waitFor('bob told he is out', () => (bob.chat.closedRooms().has(room) ? true : undefined));
    await expect(bob.chat.joinRoom(room)).rejects.toMatchObject({
      condition: expect.stringMatching(/^(registration-required|forbidden)$/),
      message: expect.stringMatching(/^This room (lets in only its members|does not let you in)/),
    });
    // His room list still has it: another workstation of his signs in, is refused, says he is out of
    // it, and counts its history as complete (it kept "history incomplete: retrying" up for good).
    const elsewhere = await workstation('bob', 'after-removal');
    expect(elsewhere.chat.closedRooms().has(room)).toBe(true);
    expect(elsewhere.chat.connection()).toMatchObject({ kind: 'online', history: 'complete' });
    await elsewhere.close();

    // Added again, Bob joins again (under New): in the room, and no longer told he is out.
    await alice.chat.addRoomMembers(room, [bob.jid]);
    await bob.chat.joinRoom(room);
    expect(bob.chat.closedRooms().has(room)).toBe(false);
  });

  it('leaving a room: out at once, off every workstation and the next sign-in, history kept, not taken for a removal; joining again works', async () => {
    const room = `rota@${server.mucDomain}`;
    await alice.chat.joinRoom(room, 'Rota');
    await alice.chat.addRoomMembers(room, [bob.jid]);
    await bob.chat.joinRoom(room, 'Rota');
    const conversation = (await conversationOf(alice.store, room))!;
    await alice.chat.send({ conversationId: conversation, body: 'Rota swap for Saturday agreed', urgent: false });
    const bobsRoom = (await conversationOf(bob.store, room))!;
    await waitFor('bob has it', async () => ((await allMessages(bob.store, bobsRoom)).some((m) => m.body === 'Rota swap for Saturday agreed') ? true : undefined));
    await waitFor('alice sees bob', () => (alice.chat.roomPresent(room).some((p) => p.jid === bob.jid) ? true : undefined));

    await bob.chat.leaveRoom(room);
    await waitFor('bob gone from the room', () => (alice.chat.roomPresent(room).some((p) => p.jid === bob.jid) ? undefined : true));
    const listed = (await bob.store.listConversations()).find((c) => c.id === bobsRoom);
    expect(listed?.leftAt).not.toBeNull();
    expect((await allMessages(bob.store, bobsRoom)).map((m) => m.body)).toContain('Rota swap for Saturday agreed');
    await waitFor('the room said goodbye', () => (bob.logs.some((line) => line.includes('room-left') && line.includes('reason=left')) ? true : undefined));
    expect(bob.chat.closedRooms().has(room)).toBe(false);
    await expect(bob.chat.send({ conversationId: bobsRoom, body: 'Still here?', urgent: false })).rejects.toThrow('You left this room. Join it again to write in it.');
    // Still a member: leaving is the person's own step, not the owner's list.
    expect((await alice.chat.roomMembers(room)).members.map((m) => m.jid)).toContain(bob.jid);

    // The bookmark went too: Bob's other workstation signs in and joins no room.
    const bobElsewhere = await workstation('bob', 'ward-office');
    // Alice is in the room: had it joined, it would see her there.
    expect(bobElsewhere.chat.roomPresent(room)).toEqual([]);
    expect(alice.chat.roomPresent(room).some((p) => p.jid === bob.jid)).toBe(false);
    await bobElsewhere.close();

    // Joining again: in the room, able to write, no longer marked left.
    await bob.chat.joinRoom(room, 'Rota');
    expect((await bob.store.listConversations()).find((c) => c.id === bobsRoom)?.leftAt).toBeNull();
    await bob.chat.send({ conversationId: bobsRoom, body: 'Back in: I will take Saturday', urgent: false });
    await waitFor('alice has it', async () => ((await allMessages(alice.store, conversation)).some((m) => m.body === 'Back in: I will take Saturday') ? true : undefined));
    await expect(bob.chat.leaveRoom(`nobody@${server.domain}`)).rejects.toThrow('That is not one of your team rooms.');
  });

  it('left on one workstation: the other stops at its next session, what it queued fails visibly, and a join again there is not undone (review findings)', async () => {
    const room = `porters@${server.mucDomain}`;
    await alice.chat.joinRoom(room, 'Porters');
    await alice.chat.addRoomMembers(room, [bob.jid]);
    await bob.chat.joinRoom(room, 'Porters');
    const aliceRoom = (await conversationOf(alice.store, room))!;
    await alice.chat.send({ conversationId: aliceRoom, body: 'Porters list open', urgent: false });
    // Bob's other workstation joins the room from his bookmarks and catches its history up.
    const other = await workstation('bob', 'porters-desk');
    const othersRoom = await waitFor('the other has the room', () => conversationOf(other.store, room));
    await waitFor('the other is in it with alice', () => (other.chat.roomPresent(room).some((p) => p.jid === alice.jid) ? true : undefined));

    await bob.chat.leaveRoom(room);
    await waitFor('the leave is told to the server', async () => ((await bob.store.getSetting('rooms.bookmarkRetractionsOwed')) === '[]' ? true : undefined));
    await other.goOffline();
    await alice.chat.send({ conversationId: aliceRoom, body: 'Porter needed at ward 9', urgent: false });
    // Its next session; something typed there for the room before it is set up waits in the outbox.
    const before = other.logs.length;
    await other.comeOnline();
    const { messageId } = await other.chat.send({ conversationId: othersRoom, body: 'Trolley 3 is free', urgent: false });
    await waitReady(other, before);
    // No bookmark to join it from: not in the room this session, and says so; nothing inferred or stored.
    expect(other.logs.slice(before).join('\n')).toContain(`chat room-absent room=${room} reason=no-bookmark`);
    expect(other.chat.closedRooms().has(room)).toBe(true);
    expect((await other.store.listConversations()).find((c) => c.id === othersRoom)?.leftAt).toBeNull();
    expect((await allMessages(other.store, othersRoom)).map((m) => m.body)).not.toContain('Porter needed at ward 9');
    const queued = await waitFor('the queued one failed', async () => {
      const m = (await allMessages(other.store, othersRoom)).find((x) => x.id === messageId);
      return m?.direction === 'out' && m.deliveryState === 'failed' ? m : undefined;
    });
    expect(queued.body).toBe('Trolley 3 is free');
    await expect(other.chat.retry(messageId)).rejects.toThrow('This room is not taking your messages');
    expect((await allMessages(alice.store, aliceRoom)).map((m) => m.body)).not.toContain('Trolley 3 is free');

    // Bob joins again there while the workstation where he left it is off; that one restarts: it
    // does not take the room away again, and follows the join (bookmarked again, nothing owed from here).
    await bob.goOffline();
    await other.chat.joinRoom(room, 'Porters');
    const restartAt = bob.logs.length;
    await bob.comeOnline();
    await waitReady(bob, restartAt);
    const otherRestart = other.logs.length;
    await other.goOffline();
    await other.comeOnline();
    await waitReady(other, otherRestart);
    expect(other.chat.closedRooms().has(room)).toBe(false);
    await waitFor('the other is back in with alice', () => (other.chat.roomPresent(room).some((p) => p.jid === alice.jid) ? true : undefined));
    expect(bob.logs.slice(restartAt)).toContain(`chat room-joined-elsewhere room=${room}`);
    expect((await bob.store.listConversations()).find((c) => c.jid === room)?.leftAt).toBeNull();
    await waitFor('bob is back in with alice', () => (bob.chat.roomPresent(room).some((p) => p.jid === alice.jid) ? true : undefined));
    expect(await bob.store.getSetting('rooms.bookmarkRetractionsOwed')).toBe('[]');
  });

  it('two workstations of one person follow each other live: a room left at one is left at the other, joined again or created at one is joined at the other; a forged bookmark change is refused', async () => {
    const room = `theatres@${server.mucDomain}`;
    await alice.chat.joinRoom(room, 'Theatres');
    await alice.chat.addRoomMembers(room, [bob.jid]);
    await bob.chat.joinRoom(room, 'Theatres');
    const desk = await workstation('bob', 'theatre-desk');
    const desksRoom = await waitFor('the desk has the room', () => conversationOf(desk.store, room));
    await waitFor('the desk is in it with alice', () => (desk.chat.roomPresent(room).some((p) => p.jid === alice.jid) ? true : undefined));

    // Left at the desk: Bob's first workstation is out of the room at once, nothing stored there.
    const bobsRoom = (await conversationOf(bob.store, room))!;
    await desk.chat.leaveRoom(room);
    // The log line is written once the leave is fully applied (after the room is closed): wait for it.
    await waitFor('bob follows the leave', () => (bob.logs.includes(`chat room-left-elsewhere room=${room}`) ? true : undefined));
    await waitFor('no workstation of bob is in the room', () => (alice.chat.roomPresent(room).some((p) => p.jid === bob.jid) ? undefined : true));
    expect((await bob.store.listConversations()).find((c) => c.id === bobsRoom)?.leftAt).toBeNull();
    expect(bob.chat.closedRooms().has(room)).toBe(true);
    // What Bob types there now cannot go, and says so.
    const { messageId } = await bob.chat.send({ conversationId: bobsRoom, body: 'Theatre 2 running late', urgent: false });
    await waitFor('it failed visibly', async () => {
      const m = (await allMessages(bob.store, bobsRoom)).find((x) => x.id === messageId);
      return m?.direction === 'out' && m.deliveryState === 'failed' ? true : undefined;
    });

    // Joined again at Bob's first workstation: the desk follows, and is no longer marked left.
    await bob.chat.joinRoom(room, 'Theatres');
    await waitFor('the desk follows the join', async () => ((await desk.store.listConversations()).find((c) => c.id === desksRoom)?.leftAt === null ? true : undefined));
    await waitFor('the desk is back in with alice', () => (desk.chat.roomPresent(room).some((p) => p.jid === alice.jid) ? true : undefined));
    expect(desk.logs).toContain(`chat room-joined-elsewhere room=${room}`);
    expect(await desk.store.getSetting('rooms.bookmarkRetractionsOwed')).toBe('[]');
    await desk.chat.send({ conversationId: desksRoom, body: 'Desk back on the theatre list', urgent: false });
    const alicesRoom = (await conversationOf(alice.store, room))!;
    await waitFor('alice has it', async () => ((await allMessages(alice.store, alicesRoom)).some((m) => m.body === 'Desk back on the theatre list') ? true : undefined));

    // A room created at the desk appears at Bob's first workstation, joined.
    const created = `recovery@${server.mucDomain}`;
    await desk.chat.joinRoom(created, 'Recovery');
    const followed = await waitFor('bob has the new room', () => conversationOf(bob.store, created));
    expect((await bob.store.listConversations()).find((c) => c.id === followed)?.title).toBe('Recovery');
    // In it: what Bob writes there reaches the desk through the room.
    await bob.chat.send({ conversationId: followed, body: 'Recovery bay 3 ready', urgent: false });
    const desksCreated = (await conversationOf(desk.store, created))!;
    await waitFor('the desk has it', async () => ((await allMessages(desk.store, desksCreated)).some((m) => m.body === 'Recovery bay 3 ready') ? true : undefined));
    expect(bob.logs.join('\n')).not.toMatch(/room-join-failed|room-follow-failed/);
    expect(await bob.chat.directory()).toContainEqual(expect.objectContaining({ jid: created, kind: 'room', name: 'Recovery' }));

    // Someone else sends Bob a bookmark change: refused and logged, Bob stays in the room.
    const forged = xml(
      'message',
      { to: bob.jid },
      xml('event', { xmlns: 'http://jabber.org/protocol/pubsub#event' }, xml('items', { node: 'urn:xmpp:bookmarks:1' }, xml('retract', { id: room }))),
    );
    await alice.chat.sendStanza(forged);
    await waitFor('the forgery is refused', () => (bob.logs.includes(`chat rejected reason=foreign-bookmarks from=${alice.jid}`) ? true : undefined));
    expect(bob.chat.closedRooms().has(room)).toBe(false);
    expect(bob.chat.roomPresent(room).some((p) => p.jid === alice.jid)).toBe(true);
    for (const w of [bob, desk]) expect(w.logs.join('\n')).not.toContain('Theatre 2');
  });

  it('a room a major incident uses stays, whatever another workstation does: its bookmark is put back for every later sign-in (review finding)', async () => {
    const room = `major-coord@${server.mucDomain}`;
    await alice.chat.joinRoom(room, 'Major incident coordination');
    await alice.chat.addRoomMembers(room, [bob.jid]);
    // Bob's ward workstation knows the incident; his desk does not (yet), and leaves the room.
    const ward = await openWorkstation(server, 'bob', { keptRooms: async () => new Set([room]), connection: { resource: 'incident-ward' } });
    try {
      await waitReady(ward);
      await ward.chat.joinRoom(room, 'Major incident coordination');
      const desk = await workstation('bob', 'incident-desk');
      await waitFor('the desk is in it', () => (desk.chat.roomPresent(room).some((p) => p.jid === alice.jid) ? true : undefined));
      await desk.chat.leaveRoom(room);
      await waitFor('the ward keeps it', () => (ward.logs.includes(`chat room-kept room=${room} reason=incident`) ? true : undefined));
      expect(ward.chat.closedRooms().has(room)).toBe(false);
      // The bookmark is back: a workstation signing in now joins the room, and so does the ward after a lock.
      const later = await workstation('bob', 'incident-later');
      await waitFor('a later sign-in is in it', () => (later.chat.roomPresent(room).some((p) => p.jid === alice.jid) ? true : undefined));
      const at = ward.logs.length;
      await ward.goOffline();
      await ward.comeOnline();
      await waitReady(ward, at);
      expect(ward.chat.closedRooms().has(room)).toBe(false);
      expect(ward.logs.slice(at).join('\n')).not.toContain('room-absent');
    } finally {
      await ward.close();
    }
  });

  it('a room closed while a member was away is not recreated by their next sign-in (with them as its owner): shown closed, and "Join again" says it is gone', async () => {
    const room = `theatre-list@${server.mucDomain}`;
    await alice.chat.joinRoom(room, 'Theatre list');
    await alice.chat.addRoomMembers(room, [bob.jid]);
    await bob.chat.joinRoom(room, 'Theatre list');
    await bob.goOffline();
    const owner = connectXmpp({ jid: alice.jid, password: PASSWORDS['alice']!, host: server.host, port: server.c2sPort, adminCa: { paths: [server.caCertPath] }, resource: 'it-console' });
    const roomInfo = () => owner.iq(xml('iq', { type: 'get', to: room }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    try {
      await waitFor('owner online', () => (owner.state().kind === 'online' ? true : undefined));
      await owner.iq(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: 'http://jabber.org/protocol/muc#owner' }, xml('destroy', {}, xml('reason', {}, 'List moved to the theatre system')))));
      await expect(roomInfo()).rejects.toMatchObject({ condition: 'gone' });

      const at = bob.logs.length;
      await bob.comeOnline();
      await waitReady(bob, at);
      expect(bob.logs.slice(at)).toContain(`chat room-join-failed room=${room} error=gone`);
      expect(bob.chat.closedRooms().has(room)).toBe(true);
      await expect(bob.chat.joinRoom(room, 'Theatre list', { existingOnly: true })).rejects.toThrow('This room has been closed.');
      // Still gone: neither the sign-in nor "Join again" made Bob the owner of a new, empty room.
      await expect(roomInfo()).rejects.toMatchObject({ condition: 'gone' });

      // Once no trace is left (Prosody forgets a closed room after a month; ejabberd keeps none), a
      // bookmark still names it: the next sign-in does not create it either.
      const forgotten = `handover-old@${server.mucDomain}`;
      await bob.goOffline();
      const bobsEditor = connectXmpp({ jid: bob.jid, password: PASSWORDS['bob']!, host: server.host, port: server.c2sPort, adminCa: { paths: [server.caCertPath] }, resource: 'bookmark-editor' });
      try {
        await waitFor('editor online', () => (bobsEditor.state().kind === 'online' ? true : undefined));
        const item = xml('item', { id: forgotten }, xml('conference', { xmlns: 'urn:xmpp:bookmarks:1', name: 'Old handover', autojoin: 'true' }, xml('nick', {}, 'bob')));
        await bobsEditor.iq(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: 'http://jabber.org/protocol/pubsub' }, xml('publish', { node: 'urn:xmpp:bookmarks:1' }, item))));
      } finally {
        await bobsEditor.close();
      }
      const again = bob.logs.length;
      await bob.comeOnline();
      await waitReady(bob, again);
      expect(bob.logs.slice(again)).toContain(`chat room-join-failed room=${forgotten} error=item-not-found`);
      await expect(owner.iq(xml('iq', { type: 'get', to: forgotten }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })))).rejects.toMatchObject({ condition: 'item-not-found' });
    } finally {
      await owner.close();
    }
  });

  it('a leave whose left mark cannot be stored is no leave either: its debt is dropped, so no sign-in leaves for the person (review finding)', async () => {
    const room = `dispensary@${server.mucDomain}`;
    await alice.chat.joinRoom(room, 'Dispensary');
    await alice.chat.addRoomMembers(room, [bob.jid]);
    let failMark = false;
    const counter = await pool.open(server, 'bob', { resource: 'counter', storeSeenByChat: failing('setRoomLeft', () => failMark) });
    await counter.chat.joinRoom(room, 'Dispensary');
    failMark = true;
    await expect(counter.chat.leaveRoom(room)).rejects.toThrow('store closed');
    failMark = false;
    expect(await counter.store.getSetting('rooms.bookmarkRetractionsOwed')).toBe('[]');
    const at = counter.logs.length;
    await counter.goOffline();
    await counter.comeOnline();
    await waitReady(counter, at);
    expect(counter.chat.closedRooms().has(room)).toBe(false);
    await waitFor('still in with alice', () => (counter.chat.roomPresent(room).some((p) => p.jid === alice.jid) ? true : undefined));
  });

  it('a leave whose debt to the server cannot be stored is no leave: it says so, and the next sign-in keeps the room (review finding)', async () => {
    const room = `pharmacy@${server.mucDomain}`;
    await alice.chat.joinRoom(room, 'Pharmacy');
    await alice.chat.addRoomMembers(room, [bob.jid]);
    let failOwed = false;
    const bedside = await pool.open(server, 'bob', { resource: 'bedside', storeSeenByChat: failing('setSetting', (key) => failOwed && key === 'rooms.bookmarkRetractionsOwed') });
    await bedside.chat.joinRoom(room, 'Pharmacy');
    failOwed = true;
    await expect(bedside.chat.leaveRoom(room)).rejects.toThrow('store closed');
    failOwed = false;
    expect((await bedside.store.listConversations()).find((c) => c.jid === room)?.leftAt).toBeNull();
    const at = bedside.logs.length;
    await bedside.goOffline();
    await bedside.comeOnline();
    await waitReady(bedside, at);
    expect(bedside.logs.slice(at).join('\n')).not.toContain('room-joined-elsewhere');
    expect((await bedside.store.listConversations()).find((c) => c.jid === room)?.leftAt).toBeNull();
    const id = (await conversationOf(bedside.store, room))!;
    await bedside.chat.send({ conversationId: id, body: 'Pharmacy: still here', urgent: false });
    const alicesRoom = (await conversationOf(alice.store, room))!;
    await waitFor('alice has it', async () => ((await allMessages(alice.store, alicesRoom)).some((m) => m.body === 'Pharmacy: still here') ? true : undefined));
  });
});

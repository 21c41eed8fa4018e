// The messaging service end to end against a real ejabberd (Debian's 23.01), configured as
// docs/DEPLOYMENT.md documents: verified TLS and SCRAM, 1:1 with receipts, a members-only team
// room remembered in bookmarks, archive catch-up, carbons and stream resumption after a dropped
// socket. The Prosody suites cover more; this proves the documented ejabberd path works.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectXmpp, xml, type XmppConnection, type XmppConnectionState } from '../../electron/core/xmpp/index.js';
import { type EjabberdServer, startEjabberd } from '../fixtures/ejabberd.js';
import { canConnect } from '../fixtures/serverProcess.js';
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
} from './chatHarness.js';

let server: EjabberdServer;
const open: Workstation[] = [];

beforeAll(async () => {
  server = await startEjabberd({ users });
});

afterAll(async () => {
  await Promise.all(open.splice(0).map((w) => w.close().catch(() => undefined)));
  await server?.stop();
  cleanUpStores();
});

async function workstation(user: string, resource?: string): Promise<Workstation> {
  const w = await openWorkstation(server, user, resource === undefined ? {} : { connection: { resource } });
  open.push(w);
  await waitReady(w);
  return w;
}

function accountOf(user: string): { jid: string; password: string; host: string; port: number } {
  return { jid: `${user}@${server.domain}`, password: PASSWORDS[user] ?? '', host: server.host, port: server.c2sPort };
}

/** The first state of `kind` the connection reaches (or is in). */
function stateOf<K extends XmppConnectionState['kind']>(connection: XmppConnection, kind: K): Promise<Extract<XmppConnectionState, { kind: K }>> {
  const isWanted = (state: XmppConnectionState): state is Extract<XmppConnectionState, { kind: K }> => state.kind === kind;
  return waitFor(`connection ${kind}`, () => {
    const state = connection.state();
    return isWanted(state) ? state : undefined;
  });
}

describe('chat service on ejabberd', () => {
  let alice: Workstation;
  let bob: Workstation;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([workstation('alice'), workstation('bob')]);
  });

  it('signs in over TLS verified against the hospital CA, with SCRAM-SHA-256; refuses the server without that CA', async () => {
    const account = accountOf('carol');
    const trusted = connectXmpp({ ...account, adminCa: { paths: [server.caCertPath] }, resource: 'probe' });
    const untrusted = connectXmpp({ ...account, resource: 'probe-untrusted' });
    try {
      expect((await stateOf(trusted, 'online')).mechanism).toBe('SCRAM-SHA-256');
      const refused = await stateOf(untrusted, 'offline');
      expect(refused.reason).toMatchObject({ kind: 'tls' });
    } finally {
      await Promise.all([trusted.close(), untrusted.close()]);
    }
  });

  it('exchanges 1:1 messages both ways, with delivery receipts', async () => {
    const toBob = await alice.chat.openDirect(bob.jid);
    const { messageId } = await alice.chat.send({ conversationId: toBob, body: 'Bed 4 obs due', urgent: false });
    await waitFor('bob stores it', async () => ((await bodies(bob.store, alice.jid, 'in')).includes('Bed 4 obs due') ? true : undefined));
    const bobConversation = (await conversationOf(bob.store, alice.jid))!;
    const received = (await allMessages(bob.store, bobConversation)).filter((m) => m.body === 'Bed 4 obs due');
    expect(received).toMatchObject([{ direction: 'in', senderJid: alice.jid, senderName: 'Name of alice', senderRole: 'Staff nurse' }]);

    const deliveryState = async (store: Workstation['store'], conversationId: number, id: number): Promise<string | undefined> => {
      const message = (await allMessages(store, conversationId)).find((m) => m.id === id);
      return message?.direction === 'out' ? message.deliveryState : undefined;
    };
    await waitFor('delivered at alice', async () => ((await deliveryState(alice.store, toBob, messageId)) === 'delivered' ? true : undefined));

    const { messageId: replyId } = await bob.chat.send({ conversationId: bobConversation, body: 'On it', urgent: false });
    await waitFor('alice stores the reply', async () => ((await bodies(alice.store, bob.jid, 'in')).includes('On it') ? true : undefined));
    await waitFor('delivered at bob', async () => ((await deliveryState(bob.store, bobConversation, replyId)) === 'delivered' ? true : undefined));
    // Read markers flow back too.
    await alice.chat.markRead(toBob);
    await waitFor('read at bob', async () => ((await deliveryState(bob.store, bobConversation, replyId)) === 'read' ? true : undefined));
    expect(await bodies(alice.store, bob.jid)).toEqual(['Bed 4 obs due', 'On it']);
  });

  it('team room: created members-only and persistent, both members see each other’s messages once, bookmarked', async () => {
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
    // Our own message came back as the room's reflection: stored once, as ours.
    const aliceSide = await allMessages(alice.store, aliceRoom);
    expect(aliceSide.filter((m) => m.body === 'Handover at 19:00')).toMatchObject([{ direction: 'out', senderJid: alice.jid }]);
    expect(aliceSide.filter((m) => m.body === 'Noted')).toMatchObject([{ direction: 'in', senderJid: `${room}/bob`, senderName: 'Name of bob' }]);
    const bobSide = await allMessages(bob.store, bobRoom);
    expect(bobSide.filter((m) => m.body === 'Handover at 19:00')).toMatchObject([{ direction: 'in', senderJid: `${room}/alice`, senderName: 'Name of alice' }]);
    expect(bobSide.filter((m) => m.body === 'Noted')).toMatchObject([{ direction: 'out' }]);
    expect(await alice.chat.directory()).toContainEqual(expect.objectContaining({ jid: room, kind: 'room', name: 'Ward 7 nursing' }));

    // What the server holds: members-only, persistent, hidden and archived.
    const probe = connectXmpp({ ...accountOf('carol'), adminCa: { paths: [server.caCertPath] }, resource: 'disco' });
    try {
      await stateOf(probe, 'online');
      const info = await probe.iq(xml('iq', { type: 'get', to: room }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
      const features = (info.getChild('query')?.getChildren('feature') ?? []).map((f) => f.attrs['var']);
      expect(features).toEqual(expect.arrayContaining(['muc_membersonly', 'muc_persistent', 'muc_hidden', 'urn:xmpp:mam:2']));
    } finally {
      await probe.close();
    }

    // A non-member cannot get in: the room is members-only.
    const carol = await workstation('carol');
    await expect(carol.chat.joinRoom(room)).rejects.toThrow(/registration-required|forbidden/);

    // Bookmarks live on the server (PEP), every one of them (a second room must not replace the
    // first): a workstation with an empty store rejoins both rooms.
    const second = `ward8@${server.mucDomain}`;
    await alice.chat.joinRoom(second, 'Ward 8 nursing');
    const fresh = await workstation('alice', 'bookmark-check');
    expect(fresh.logs.find((line) => line.startsWith('chat session-ready'))).toMatch(/ rooms=2 /);
    const rooms = (await fresh.chat.directory()).filter((entry) => entry.kind === 'room');
    expect(rooms.map(({ jid, name }) => ({ jid, name })).sort((x, y) => x.jid.localeCompare(y.jid))).toEqual([
      { jid: room, name: 'Ward 7 nursing' },
      { jid: second, name: 'Ward 8 nursing' },
    ]);
    // ...and has the room's history from the room archive (MUC MAM), each message once.
    expect(exactlyOnce(await bodies(fresh.store, room), ['Handover at 19:00', 'Noted'])).toEqual({ missing: [], doubled: [] });
    expect(fresh.logs.some((line) => line.startsWith('chat catch-up-failed'))).toBe(false);
    await fresh.close();
  });

  it('carbons: the same person on a second workstation sees what the first sent, as outgoing', async () => {
    const alice2 = await workstation('alice', 'second-pc');
    const toBob = await alice.chat.openDirect(bob.jid);
    await alice.chat.send({ conversationId: toBob, body: 'Sent from the first PC', urgent: false });
    await waitFor('carbon stored', async () => ((await bodies(alice2.store, bob.jid, 'out')).includes('Sent from the first PC') ? true : undefined));
    const conversation = (await conversationOf(alice2.store, bob.jid))!;
    expect((await allMessages(alice2.store, conversation)).filter((m) => m.body === 'Sent from the first PC')).toMatchObject([
      { direction: 'out', senderJid: alice.jid },
    ]);
    // Bob's reply reaches both of alice's workstations.
    const bobConversation = (await conversationOf(bob.store, alice.jid))!;
    await bob.chat.send({ conversationId: bobConversation, body: 'Reply to both', urgent: false });
    for (const w of [alice, alice2]) {
      await waitFor(`${w.user} reply`, async () => ((await bodies(w.store, bob.jid, 'in')).includes('Reply to both') ? true : undefined));
    }
    await alice2.close();
  });

  it('receiver offline: 50 messages caught up from the archive on reconnect, each exactly once', async () => {
    const toBob = await alice.chat.openDirect(bob.jid);
    await bob.goOffline();
    const expected = Array.from({ length: 50 }, (_, i) => `offline batch message ${i}`);
    for (const body of expected) await alice.chat.send({ conversationId: toBob, body, urgent: false });
    await waitFor('all acked by the server', async () => ((await alice.store.pendingOutbox()).length === 0 ? true : undefined));
    const mark = bob.logs.length;
    await bob.comeOnline();
    await waitReady(bob, mark);
    // Nothing more should trickle in (an offline-storage flood on top of the archive, say).
    await new Promise((resolve) => setTimeout(resolve, 500));
    const got = (await bodies(bob.store, alice.jid, 'in')).filter((b) => b.startsWith('offline batch'));
    expect(exactlyOnce(got, expected)).toEqual({ missing: [], doubled: [] });
    expect(got).toHaveLength(50);
    expect(bob.logs.slice(mark).find((line) => line.startsWith('chat session-ready'))).toMatch(/ archived=([5-9]\d|\d{3,}) /);
    // Not bounced while bob was away: every copy at alice is still 'sent' (receipts are only for
    // live deliveries, XEP-0184 §5.4, so archive copies are never acknowledged as delivered).
    const states = (await allMessages(alice.store, toBob)).flatMap((m) => (m.direction === 'out' && m.body?.startsWith('offline batch') ? [m.deliveryState] : []));
    expect(states).toEqual(Array.from({ length: 50 }, () => 'sent'));
  });

  it('dropped socket mid-burst: the stream resumes (XEP-0198) and every message arrives exactly once', async () => {
    const toBob = await alice.chat.openDirect(bob.jid);
    const aliceMark = alice.logs.length;
    const bobMark = bob.logs.length;
    const expected = Array.from({ length: 100 }, (_, i) => `drop-burst ${i}`);
    for (const [i, body] of expected.entries()) {
      await alice.chat.send({ conversationId: toBob, body, urgent: false });
      if (i === 40) alice.sockets.at(-1)?.destroy();
      if (i === 70) bob.sockets.at(-1)?.destroy();
    }
    const diagnose = async (error: unknown): Promise<never> => {
      const got = (await bodies(bob.store, alice.jid, 'in')).filter((b) => b.startsWith('drop-burst '));
      const quiet = (line: string): boolean => !line.includes('ECONNREFUSED');
      throw new Error(
        `${error instanceof Error ? error.message : String(error)}; pending=${(await alice.store.pendingOutbox()).length} ${JSON.stringify(exactlyOnce(got, expected))}\n` +
          `--- alice ---\n${alice.logs.slice(aliceMark).filter(quiet).join('\n')}\n--- bob ---\n${bob.logs.slice(bobMark).filter(quiet).join('\n')}\n` +
          `--- server ---\n${await server.logTail(60)}`,
        { cause: error },
      );
    };
    await waitFor('outbox drained', async () => ((await alice.store.pendingOutbox()).length === 0 ? true : undefined)).catch(diagnose);
    await waitFor('all received', async () => {
      const got = (await bodies(bob.store, alice.jid, 'in')).filter((b) => b.startsWith('drop-burst '));
      return exactlyOnce(got, expected).missing.length === 0 ? true : undefined;
    }).catch(diagnose);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const received = (await bodies(bob.store, alice.jid, 'in')).filter((b) => b.startsWith('drop-burst '));
    const sent = (await bodies(alice.store, bob.jid, 'out')).filter((b) => b.startsWith('drop-burst '));
    expect(exactlyOnce(received, expected)).toEqual({ missing: [], doubled: [] });
    expect(exactlyOnce(sent, expected)).toEqual({ missing: [], doubled: [] });
    // Resumed, not restarted: ejabberd kept both sessions.
    expect(alice.logs.slice(aliceMark).some((line) => line.startsWith('chat session-resumed'))).toBe(true);
    expect(bob.logs.slice(bobMark).some((line) => line.startsWith('chat session-resumed'))).toBe(true);
    expect([...alice.logs.slice(aliceMark), ...bob.logs.slice(bobMark)].some((line) => line.startsWith('chat session-restarted'))).toBe(false);
  });
});

describe('ejabberd fixture', () => {
  it('runs a second instance beside the first; accounts survive kill -9 + restart; stop() ends the VM and deletes its files', async () => {
    const other = await startEjabberd({ domain: 'other.test' });
    try {
      expect(other.c2sPort).not.toBe(server.c2sPort);
      await other.register('dana', 'dana long secret passphrase');
      // Mnesia writes behind: a kill -9 straight after the write loses it (see docs/DEPLOYMENT.md).
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const before = other.pid;
      await other.restart();
      expect(other.pid).not.toBe(before);
      expect(processExists(before)).toBe(false);
      const dana = connectXmpp({
        jid: `dana@${other.domain}`, password: 'dana long secret passphrase', host: other.host, port: other.c2sPort,
        adminCa: { paths: [other.caCertPath] },
      });
      try {
        const online = await stateOf(dana, 'online').catch(async (error: unknown) => {
          throw new Error(`${String(error)}; state ${JSON.stringify(dana.state())}\n${await other.logTail(20)}`, { cause: error });
        });
        expect(online.mechanism).toBe('SCRAM-SHA-256');
      } finally {
        await dana.close();
      }
    } finally {
      await other.stop();
    }
    expect(processExists(other.pid)).toBe(false);
    expect(await canConnect(other.c2sPort)).toBe(false);
    expect(existsSync(other.dir)).toBe(false);
    // The first instance is untouched.
    expect(await canConnect(server.c2sPort)).toBe(true);
  });
});

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

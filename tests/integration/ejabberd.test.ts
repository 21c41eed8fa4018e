// The messaging service end to end against a real ejabberd (Debian's 23.01), configured as
// docs/DEPLOYMENT.md documents: verified TLS and SCRAM, 1:1 with receipts, a members-only team
// room remembered in bookmarks, archive catch-up, carbons and stream resumption after a dropped
// socket. The Prosody suites cover more; this proves the documented ejabberd path works.
// With SQL storage (the production recommendation), the server is also killed with SIGKILL
// while messages wait in the archive for an offline person: none of those it acknowledged may go.
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectXmpp, xml, type XmppConnection, type XmppConnectionState } from '../../electron/core/xmpp/index.js';
import { type EjabberdServer, START_TIMEOUT_MS, startEjabberd } from '../fixtures/ejabberd.js';
import { canConnect } from '../fixtures/serverProcess.js';
import {
  allMessages,
  bodies,
  cleanUpStores,
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

let server: EjabberdServer;
const pool = new WorkstationPool();

/** A start (or restart) may take START_TIMEOUT_MS on a loaded machine: hooks and tests that do one get room for it. */
const STARTS = (n: number): number => n * START_TIMEOUT_MS + 60_000;

beforeAll(async () => {
  server = await startEjabberd({ users });
}, STARTS(1));

afterAll(async () => {
  await pool.closeAll();
  await server?.stop();
  cleanUpStores();
});

const workstation = (user: string, resource?: string): Promise<Workstation> => pool.open(server, user, { resource });

function accountOf(user: string, on: EjabberdServer = server): { jid: string; password: string; host: string; port: number } {
  return { jid: `${user}@${on.domain}`, password: PASSWORDS[user] ?? '', host: on.host, port: on.c2sPort };
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
    // ejabberd names its room service by disco too: a short name typed in New is made there.
    expect(await alice.chat.roomService()).toEqual({ kind: 'found', service: server.mucDomain });
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
    // A room's writer is their real address (the room shows it), not the nick anyone could take later.
    expect(aliceSide.filter((m) => m.body === 'Noted')).toMatchObject([{ direction: 'in', senderJid: bob.jid, senderName: 'Name of bob' }]);
    const bobSide = await allMessages(bob.store, bobRoom);
    expect(bobSide.filter((m) => m.body === 'Handover at 19:00')).toMatchObject([{ direction: 'in', senderJid: alice.jid, senderName: 'Name of alice' }]);
    expect(bobSide.filter((m) => m.body === 'Noted')).toMatchObject([{ direction: 'out' }]);
    expect(await alice.chat.directory()).toContainEqual(expect.objectContaining({ jid: room, kind: 'room', name: 'Ward 7 nursing' }));
    // Who can read it: ejabberd, like Prosody, shows a members-only room's lists to its members too.
    for (const w of [alice, bob]) {
      expect(await w.chat.roomMembers(room)).toMatchObject({
        membersOnly: true,
        members: [
          { jid: alice.jid, affiliation: 'owner', you: w === alice },
          { jid: bob.jid, affiliation: 'member', you: w === bob },
        ],
      });
    }

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
    await expect(carol.chat.joinRoom(room)).rejects.toMatchObject({ condition: expect.stringMatching(/^(registration-required|forbidden)$/) });

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

  it('Add people reaches a colleague who was signed out: ejabberd archives the invitation, and the room is in their list at sign-in with what was said meanwhile', async () => {
    const room = `theatres@${server.mucDomain}`;
    await bob.goOffline();
    const aliceRoom = await alice.chat.joinRoom(room, 'Theatres list');
    await alice.chat.addRoomMembers(room, [bob.jid]);
    await alice.chat.send({ conversationId: aliceRoom, body: 'List starts at 08:30', urgent: false });
    await waitFor('sent', async () => ((await alice.store.pendingOutbox()).length === 0 ? true : undefined));
    const mark = bob.logs.length;
    await bob.comeOnline();
    await waitReady(bob, mark);
    const line = await waitFor('the invitation acted on', () => bob.logs.slice(mark).find((l) => l.startsWith(`chat invitation room=${room} `)));
    expect(line).toMatch(/source=archive outcome=joined$/);
    expect((await bob.store.listConversations()).find((c) => c.jid === room)).toMatchObject({ kind: 'room', title: 'Theatres list' });
    await waitFor('the message from while he was away', async () => ((await bodies(bob.store, room)).includes('List starts at 08:30') ? true : undefined));
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

describe('chat service on ejabberd with SQL storage (SQLite): kill -9 loses no acknowledged message', () => {
  let sqlServer: EjabberdServer;
  let alice: Workstation;
  let bob: Workstation;
  // Closed before this server stops, so they do not keep dialling a dead port for the rest of the file.
  const sqlPool = new WorkstationPool();
  const onSql = (user: string): Promise<Workstation> => sqlPool.open(sqlServer, user);

  beforeAll(async () => {
    sqlServer = await startEjabberd({ storage: 'sql', users });
    [alice, bob] = await Promise.all([onSql('alice'), onSql('bob')]);
  }, STARTS(1));

  afterAll(async () => {
    await sqlPool.closeAll();
    await sqlServer?.stop();
  });

  it('receiver offline, server killed (SIGKILL) mid-burst of 300 and restarted: what it acknowledged was kept; every message arrives once, stored once on both sides', { timeout: STARTS(1) }, async () => {
    const toBob = await alice.chat.openDirect(bob.jid);
    await bob.goOffline();
    const expected = Array.from({ length: 300 }, (_, i) => `sql-kill-burst ${i}`);
    const killAt = 150;
    const ackedAtLeast = 100;
    const aliceMark = alice.logs.length;
    const started = Date.now();
    let ackedBeforeKill: string[] = [];
    let restarted: Promise<void> | undefined;
    for (const [i, body] of expected.entries()) {
      await alice.chat.send({ conversationId: toBob, body, urgent: false });
      if (i === killAt) {
        // SQL writes make the server trail a fast sender: kill it once it has acknowledged a good
        // share, with the rest of what was sent still in its hands.
        await waitFor(`${ackedAtLeast} acknowledged`, async () => {
          const pending = (await alice.store.pendingOutbox()).filter((entry) => entry.body.startsWith('sql-kill-burst ')).length;
          return killAt + 1 - pending >= ackedAtLeast ? true : undefined;
        });
        await sqlServer.kill();
        // Acks ahead of the socket's end are handled before it; once alice has seen the end, what
        // is no longer in her outbox was acknowledged by the server we killed.
        await waitFor('alice sees the crash', () => (alice.logs.slice(aliceMark).some((line) => line.startsWith('xmpp session-ended')) ? true : undefined));
        const pending = new Set((await alice.store.pendingOutbox()).map((entry) => entry.body));
        ackedBeforeKill = expected.slice(0, killAt + 1).filter((b) => !pending.has(b));
        restarted = sqlServer.restart(); // same SQLite file, spool and ports; alice keeps sending meanwhile
      }
    }
    await restarted;
    await waitFor('alice outbox drained', async () => ((await alice.store.pendingOutbox()).length === 0 ? true : undefined), 30_000);

    // The server's own record first, before bob reads it: the acknowledged ones survived the
    // crash itself (alice never resends those), and the rest arrived once she reconnected.
    // Resends of messages in flight at the kill may be archived twice; Wardline stores them once.
    const archived = archivedBodies(sqlServer, 'bob').filter((b) => b.startsWith('sql-kill-burst '));
    expect(exactlyOnce(archived, ackedBeforeKill).missing).toEqual([]);
    expect(exactlyOnce(archived, expected).missing).toEqual([]);

    const bobMark = bob.logs.length;
    await bob.comeOnline();
    await waitReady(bob, bobMark, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500)); // duplicates would show up by now
    const received = (await bodies(bob.store, alice.jid, 'in')).filter((b) => b.startsWith('sql-kill-burst '));
    const sent = (await bodies(alice.store, bob.jid, 'out')).filter((b) => b.startsWith('sql-kill-burst '));
    expect(exactlyOnce(received, expected)).toEqual({ missing: [], doubled: [] });
    expect(exactlyOnce(sent, expected)).toEqual({ missing: [], doubled: [] });
    expect(received).toHaveLength(expected.length);
    expect(sent).toHaveLength(expected.length);
    // A real crash: the server forgot the session, so alice started a new one and resent.
    expect(alice.logs.slice(aliceMark).some((line) => line.startsWith('chat session-restarted'))).toBe(true);
    // The kill came after real acknowledgements, or the first check above proves nothing.
    expect(ackedBeforeKill.length).toBeGreaterThanOrEqual(ackedAtLeast);
    const states = (await allMessages(alice.store, toBob)).flatMap((m) => (m.direction === 'out' && m.body?.startsWith('sql-kill-burst ') ? [m.deliveryState] : []));
    expect(states.filter((state) => state !== 'sent')).toEqual([]);
    expect(await loggedErrors(sqlServer)).toEqual([]);
    console.log(
      `[ejabberd/sql] kill -9 mid-burst: ${ackedBeforeKill.length} of ${killAt + 1} sent were acknowledged before the kill, all kept ` +
        `(${killAt + 1 - ackedBeforeKill.length} unacknowledged, resent); ` +
        `${expected.length} of ${expected.length} reached bob once (server archive: ${archived.length} rows); ${Date.now() - started} ms`,
    );
  });

  it('killed right after acknowledging 50 messages to an offline person (where Mnesia lost the last 17): all 50 kept, and the account, room and bookmark written just before', { timeout: STARTS(1) }, async () => {
    const toBob = await alice.chat.openDirect(bob.jid);
    await bob.goOffline();
    const expected = Array.from({ length: 50 }, (_, i) => `sql-acked ${i}`);
    const room = `sqlward@${sqlServer.mucDomain}`;
    for (const body of expected) await alice.chat.send({ conversationId: toBob, body, urgent: false });
    // Other writes in the same last moment: an account, a persistent room and its bookmark (PEP).
    await Promise.all([sqlServer.register(LATE_USER, PASSWORDS[LATE_USER] ?? ''), alice.chat.joinRoom(room, 'SQL ward')]);
    await waitFor('all acked', async () => ((await alice.store.pendingOutbox()).length === 0 ? true : undefined));
    const aliceMark = alice.logs.length;
    const acked = Date.now();
    const restarted = sqlServer.restart(); // SIGKILL goes out now, before any await
    const killedAfterMs = Date.now() - acked;
    await restarted;
    // alice is back (in the room again, from her bookmark) and idle before the file is read.
    await waitReady(alice, aliceMark, 30_000);
    expect(alice.logs.slice(aliceMark).find((line) => line.startsWith('chat session-ready'))).toMatch(/ rooms=1 /);

    // Exactly once: nothing was in flight, so nothing was resent.
    const archived = archivedBodies(sqlServer, 'bob').filter((b) => b.startsWith('sql-acked '));
    expect(exactlyOnce(archived, expected)).toEqual({ missing: [], doubled: [] });
    expect(archived).toHaveLength(expected.length);
    const sendersCopy = archivedBodies(sqlServer, 'alice').filter((b) => b.startsWith('sql-acked '));
    expect(exactlyOnce(sendersCopy, expected)).toEqual({ missing: [], doubled: [] });
    expect(sqlColumn(sqlServer, 'SELECT username FROM users WHERE username = ?', LATE_USER)).toEqual([LATE_USER]);
    expect(sqlColumn(sqlServer, 'SELECT host FROM muc_room WHERE name = ?', 'sqlward')).toEqual([sqlServer.mucDomain]);
    const bookmarks = sqlColumn(
      sqlServer,
      'SELECT i.itemid FROM pubsub_item i JOIN pubsub_node n ON n.nodeid = i.nodeid WHERE n.host = ? AND n.node = ?',
      alice.jid,
      'urn:xmpp:bookmarks:1',
    );
    expect(bookmarks).toContain(room);

    // ...and Wardline sees them: bob catches up all 50; the new account signs in.
    const bobMark = bob.logs.length;
    await bob.comeOnline();
    await waitReady(bob, bobMark, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const received = (await bodies(bob.store, alice.jid, 'in')).filter((b) => b.startsWith('sql-acked '));
    expect(exactlyOnce(received, expected)).toEqual({ missing: [], doubled: [] });
    expect(received).toHaveLength(expected.length);
    const newcomer = connectXmpp({ ...accountOf(LATE_USER, sqlServer), adminCa: { paths: [sqlServer.caCertPath] }, resource: 'probe' });
    try {
      expect((await stateOf(newcomer, 'online')).mechanism).toBe('SCRAM-SHA-256');
    } finally {
      await newcomer.close();
    }
    expect(await loggedErrors(sqlServer)).toEqual([]);
    console.log(`[ejabberd/sql] kill -9 ${killedAfterMs} ms after the last of ${expected.length} acks: ${archived.length} of ${expected.length} in the archive, account, room and bookmark kept`);
  });
});

describe('ejabberd fixture', () => {
  it('runs a second instance beside the first; accounts survive kill -9 + restart; stop() ends the VM and deletes its files', { timeout: STARTS(2) }, async () => {
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

/**
 * A column of the SQL-backed server's SQLite database. Read only while the server is idle:
 * ejabberd sets no busy timeout, so a write that meets our read lock fails (and is logged).
 */
function sqlColumn(on: EjabberdServer, query: string, ...params: string[]): string[] {
  if (on.sqlitePath === undefined) throw new Error('not an SQL-backed server');
  const db = new Database(on.sqlitePath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(query).pluck().all(...params).map((value) => String(value));
  } finally {
    db.close();
  }
}

/** Bodies in `user`'s message archive (mod_mam) as the server stored them. */
function archivedBodies(on: EjabberdServer, user: string): string[] {
  return sqlColumn(on, 'SELECT txt FROM archive WHERE username = ? ORDER BY id', user);
}

/** Errors the server logged, restarts included: a failed SQL write would show up here. */
async function loggedErrors(on: EjabberdServer): Promise<string[]> {
  return (await on.logTail(5_000)).split('\n').filter((line) => / \[(error|critical)\] /.test(line));
}

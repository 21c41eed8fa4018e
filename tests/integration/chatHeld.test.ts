// Messages from outside the organisation (issue 4 §6) on a real Prosody: held, not stored as
// trusted, and still held after the chat service restarts, although the archive cursor has moved
// past them by then (they used to live only in memory, and were lost for good). Accepting the
// sender stores each exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELD_SETTING } from '../../electron/core/chat/heldMessages.js';
import { buildChatMessage } from '../../electron/core/messaging/index.js';
import { StoreError, type WardlineStore } from '../../electron/core/store/index.js';
import { connectXmpp, type XmppConnection } from '../../electron/core/xmpp/index.js';
import { type ProsodyServer, startProsody } from '../fixtures/prosody.js';
import { bodies, cleanUpStores, exactlyOnce, users, waitFor, waitReady, type Workstation, WorkstationPool } from './chatHarness.js';

const VISITOR = 'visitor@partner.test';

let server: ProsodyServer;
let visitor: XmppConnection;
const pool = new WorkstationPool();

beforeAll(async () => {
  server = await startProsody({
    otherDomains: ['partner.test'],
    users: [...users, { username: 'visitor', password: 'visitor-password', domain: 'partner.test' }],
  });
  visitor = connectXmpp({ jid: VISITOR, password: 'visitor-password', host: server.host, port: server.c2sPort, adminCa: { paths: [server.caCertPath] } });
  await waitFor('visitor online', () => (visitor.state().kind === 'online' ? true : undefined));
});

afterAll(async () => {
  await visitor?.close();
  await pool.closeAll();
  await server?.stop();
  cleanUpStores();
});

async function restart(w: Workstation): Promise<void> {
  const mark = w.logs.length;
  await w.goOffline();
  await w.comeOnline();
  await waitReady(w, mark);
}

const heldFrom = (w: Workstation, jid: string): number | undefined => w.chat.heldSenders().find((s) => s.jid === jid)?.count;

describe('messages held from outside the organisation', () => {
  it('survive restarts of the chat service after the archive cursor has moved past them, and are stored exactly once on acceptance', async () => {
    const alice = await pool.open(server, 'alice');
    const texts = ['Agency nurse here, which ward?', 'Also: where do I park?'];

    // One arrives live, the other while Alice's workstation is offline (so from the archive).
    await visitor.send(buildChatMessage({ to: alice.jid, id: 'visitor-held-1', body: texts[0]! }));
    await waitFor('first held', () => (heldFrom(alice, VISITOR) === 1 ? true : undefined));
    await alice.goOffline();
    await visitor.send(buildChatMessage({ to: alice.jid, id: 'visitor-held-2', body: texts[1]! }));
    const mark = alice.logs.length;
    await alice.comeOnline();
    await waitReady(alice, mark);
    // Catch-up met the live one again (held once, not twice) and moved the cursor past both.
    await waitFor('both held', () => (heldFrom(alice, VISITOR) === 2 ? true : undefined));

    // A restart (an app restart, or lock then unlock): the archive will not deliver them again.
    await restart(alice);
    expect(heldFrom(alice, VISITOR)).toBe(2);
    await restart(alice);
    expect(alice.chat.heldSenders()).toEqual([{ jid: VISITOR, count: 2, since: expect.any(Number) }]);
    // Held means held: nothing in the conversation list or the messages.
    expect(await bodies(alice.store, VISITOR)).toEqual([]);

    await alice.chat.acceptSender(VISITOR);
    expect(alice.chat.heldSenders()).toEqual([]);
    expect(exactlyOnce(await bodies(alice.store, VISITOR, 'in'), texts)).toEqual({ missing: [], doubled: [] });
    expect(await bodies(alice.store, VISITOR, 'in')).toHaveLength(2);

    // Accepted is accepted for good, and nothing comes back or doubles after another restart.
    await restart(alice);
    expect(alice.chat.heldSenders()).toEqual([]);
    expect(await bodies(alice.store, VISITOR, 'in')).toHaveLength(2);

    // The log never carried what they wrote.
    const log = alice.logs.join('\n');
    for (const text of texts) expect(log).not.toContain(text);
    expect(log).toContain(`chat held-accepted domain=partner.test count=2`);
  });

  it('a held list that could not be read at start is refused, not shown short, and read again once it can be (review finding)', async () => {
    let unreadable = false;
    const flaky = (store: WardlineStore): WardlineStore =>
      new Proxy(store, {
        get(target, property) {
          if (property === 'getSetting') {
            return (key: string) => (unreadable && key === HELD_SETTING ? Promise.reject(new StoreError('io')) : target.getSetting(key));
          }
          const value: unknown = Reflect.get(target, property);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const carol = await pool.open(server, 'carol', { storeSeenByChat: flaky });
    await visitor.send(buildChatMessage({ to: carol.jid, id: 'visitor-held-carol', body: 'Locum here: which entrance?' }));
    await waitFor('held', () => (heldFrom(carol, VISITOR) === 1 ? true : undefined));
    // The archive's cursor moves past it: from now on only the stored list has it.
    await restart(carol);
    expect(heldFrom(carol, VISITOR)).toBe(1);

    unreadable = true;
    await restart(carol);
    expect(carol.logs).toContain('chat held-load-failed error=StoreError');
    await expect(carol.chat.heldLoaded()).rejects.toThrow();
    expect(carol.chat.heldSenders()).toEqual([]); // what a list would have shown: nobody waiting

    unreadable = false;
    await carol.chat.heldLoaded();
    expect(heldFrom(carol, VISITOR)).toBe(1);
  });

  it('declining drops them from the store too: a restart does not bring them back', async () => {
    const bob = await pool.open(server, 'bob');
    await visitor.send(buildChatMessage({ to: bob.jid, id: 'visitor-declined-1', body: 'Unsolicited offer' }));
    await waitFor('held', () => (heldFrom(bob, VISITOR) === 1 ? true : undefined));
    await restart(bob); // the cursor moves past it
    expect(heldFrom(bob, VISITOR)).toBe(1);
    await bob.chat.declineSender(VISITOR);
    await restart(bob);
    expect(bob.chat.heldSenders()).toEqual([]);
    expect(await bodies(bob.store, VISITOR)).toEqual([]);
  });

  it('go when they outlive the retention period, while messaging runs (a wall display never restarts it; review finding)', async () => {
    const mallory = await pool.open(server, 'mallory');
    await visitor.send(buildChatMessage({ to: mallory.jid, id: 'visitor-expired-1', body: 'Results for 943 476 5919 attached' }));
    await waitFor('held', () => (heldFrom(mallory, VISITOR) === 1 ? true : undefined));
    const changes = mallory.events.length;
    // What a retention sweep asks with a cutoff after the message was sent.
    expect(await mallory.chat.expireHeld(Date.now() + 1_000)).toBe(1);
    expect(mallory.chat.heldSenders()).toEqual([]);
    expect(await mallory.store.getSetting(HELD_SETTING)).not.toContain('943 476 5919');
    expect(mallory.events.slice(changes)).toContainEqual({ type: 'held-changed', senders: 0 });
  });
});

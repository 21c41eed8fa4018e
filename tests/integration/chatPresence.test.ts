// The presence a person chose survives the end of their messaging session (auto-lock, restart):
// against a real Prosody, a colleague's other client sees the new session announce it first,
// never "Available" in between.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bareJidOf } from '../../electron/core/messaging/index.js';
import { xml, type XmppConnection } from '../../electron/core/xmpp/index.js';
import { type ProsodyServer, startProsody } from '../fixtures/prosody.js';
import { cleanUpStores, connectBareClient, users, waitFor, waitReady, type Workstation, WorkstationPool } from './chatHarness.js';

let server: ProsodyServer;
const pool = new WorkstationPool();
let watcher: XmppConnection | undefined;

beforeAll(async () => {
  server = await startProsody({ users });
});

afterAll(async () => {
  await watcher?.close().catch(() => undefined);
  await pool.closeAll();
  await server?.stop();
  cleanUpStores();
});

describe('kept presence', () => {
  it('a new session on the same store announces the kept presence (busy → dnd) first', async () => {
    const [alice, bob] = await Promise.all([pool.open(server, 'alice'), pool.open(server, 'bob')]);
    const presenceOfBob = async (w: Workstation): Promise<string | undefined> => (await w.chat.directory()).find((e) => e.jid === bob.jid)?.presence ?? undefined;
    // Alice asks to see Bob's presence; Bob's workstation approves a colleague.
    await alice.chat.openDirect(bob.jid);
    await waitFor('alice sees bob available', async () => ((await presenceOfBob(alice)) === 'available' ? true : undefined));
    expect(await bob.chat.presence()).toBe('available');

    await bob.chat.setPresence('busy');
    expect(await bob.chat.presence()).toBe('busy');
    await waitFor('alice sees bob busy', async () => ((await presenceOfBob(alice)) === 'busy' ? true : undefined));

    // Alice's other client records every presence Bob's workstation sends from here on.
    const seen: { type: string | undefined; show: string | null }[] = [];
    watcher = await connectBareClient(server, 'alice');
    watcher.on('stanza', (stanza) => {
      if (stanza.name === 'presence' && bareJidOf(stanza.attrs['from'] ?? '') === bob.jid) {
        seen.push({ type: stanza.attrs['type'], show: stanza.getChildText('show') });
      }
    });
    await watcher.send(xml('presence'));
    await waitFor('the watcher sees bob busy', () => (seen.some((p) => p.type === undefined && p.show === 'dnd') ? true : undefined));

    // The screen locks: the service stops. Unlocking starts a new one over the same store.
    await bob.goOffline();
    await waitFor('bob offline', () => (seen.some((p) => p.type === 'unavailable') ? true : undefined));
    const mark = seen.length;
    const logMark = bob.logs.length;
    await bob.comeOnline();
    await waitReady(bob, logMark);
    const back = await waitFor('bob back online', () => seen.slice(mark).find((p) => p.type === undefined));
    expect(back).toEqual({ type: undefined, show: 'dnd' });
    expect(await bob.chat.presence()).toBe('busy');
    await waitFor('alice’s workstation sees bob busy again', async () => ((await presenceOfBob(alice)) === 'busy' ? true : undefined));

    // Off duty is kept the same way (xa), and a third session starts with it.
    await bob.chat.setPresence('off-duty');
    await waitFor('the watcher sees bob off duty', () => (seen.slice(mark).some((p) => p.show === 'xa') ? true : undefined));
    const secondMark = seen.length;
    const secondLogMark = bob.logs.length;
    await bob.comeOnline();
    await waitReady(bob, secondLogMark);
    const again = await waitFor('bob back again', () => seen.slice(secondMark).find((p) => p.type === undefined));
    expect(again).toEqual({ type: undefined, show: 'xa' });
    // Nothing ever announced Bob as available after he chose otherwise.
    expect(seen.filter((p) => p.type === undefined && p.show === null)).toEqual([]);
  });
});

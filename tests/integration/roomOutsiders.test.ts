// A partner organisation's member of one of our team rooms (real Prosody, a second domain): they
// can read and write there, but a "removed after transcription" retraction from them must not wipe
// a colleague's message from anyone's workstation. A colleague inside the organisation still can
// (the governance rule in docs/GOVERNANCE.md), which shows the check is the remover, not the path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRetraction } from '../../electron/core/messaging/index.js';
import { xml, type XmppConnection } from '../../electron/core/xmpp/index.js';
import { type ProsodyServer, startProsody } from '../fixtures/prosody.js';
import { allMessages, cleanUpStores, connectBareClient, users, waitFor, WorkstationPool } from './chatHarness.js';

const VISITOR = 'visitor@partner.test';
let server: ProsodyServer;
const pool = new WorkstationPool();
const bare: XmppConnection[] = [];

beforeAll(async () => {
  server = await startProsody({ otherDomains: ['partner.test'], users: [...users, { username: 'visitor', password: 'visitor-password', domain: 'partner.test' }] });
});

afterAll(async () => {
  await Promise.all(bare.map((c) => c.close().catch(() => undefined)));
  await pool.closeAll();
  await server?.stop();
  cleanUpStores();
});

/** A plain client in the room under `nick`, collecting every stanza it gets. */
async function inRoom(user: string, room: string, nick: string, options: { domain?: string; password?: string } = {}): Promise<{ client: XmppConnection; seen: string[] }> {
  const client = await connectBareClient(server, user, options);
  bare.push(client);
  const seen: string[] = [];
  client.on('stanza', (stanza) => seen.push(stanza.toString()));
  await client.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' }, xml('history', { maxstanzas: '0' }))));
  await waitFor(`${nick} in the room`, () => (seen.some((line) => line.includes('<presence') && line.includes('code="110"')) ? true : undefined));
  return { client, seen };
}

function stanzaIdOf(line: string): string {
  const id = /<stanza-id[^>]*\sid="([^"]+)"/.exec(line)?.[1];
  if (id === undefined) throw new Error('no stanza-id on the room copy');
  return id;
}

describe('outsiders in our rooms', () => {
  it("a partner organisation's member cannot remove a colleague's message after 'transcription'; a colleague can", async () => {
    const alice = await pool.open(server, 'alice');
    const bob = await pool.open(server, 'bob');
    const room = `ward7-${Date.now()}@${server.mucDomain}`;
    const aliceRoom = await alice.chat.joinRoom(room, 'Ward 7');
    await alice.chat.addRoomMembers(room, [bob.jid, VISITOR, `carol@${server.domain}`]);
    const bobRoom = await bob.chat.joinRoom(room);
    const visitor = await inRoom('visitor', room, 'agency', { domain: 'partner.test', password: 'visitor-password' });
    const carol = await inRoom('carol', room, 'carol');

    await bob.chat.send({ conversationId: bobRoom, body: 'Give 5mg IV now', urgent: false });
    const targetId = stanzaIdOf(await waitFor('the visitor sees it', () => visitor.seen.find((line) => line.includes('Give 5mg IV now'))));
    await waitFor('alice has it', async () => ((await allMessages(alice.store, aliceRoom)).some((m) => m.body === 'Give 5mg IV now') ? true : undefined));

    const mark = alice.logs.length;
    await visitor.client.send(buildRetraction({ type: 'groupchat', to: room, id: 'outsider-1', targetId, transcribed: { byName: 'Dr Records Officer', at: Date.now() } }));
    await waitFor('alice weighed it', () => (alice.logs.slice(mark).some((line) => line.includes('retraction-ignored')) ? true : undefined));
    await waitFor('bob weighed it', () => (bob.logs.some((line) => line.includes('retraction-ignored')) ? true : undefined));
    for (const [w, id] of [[alice, aliceRoom], [bob, bobRoom]] as const) {
      const kept = (await allMessages(w.store, id)).find((m) => m.body === 'Give 5mg IV now');
      expect(kept?.retraction ?? null).toBeNull();
    }

    // Carol, inside the organisation, transcribed it: everyone's copy goes, Bob's own included.
    await carol.client.send(buildRetraction({ type: 'groupchat', to: room, id: 'colleague-1', targetId, transcribed: { byName: 'Carol (Ward sister)', at: Date.now() } }));
    for (const [w, id] of [[alice, aliceRoom], [bob, bobRoom]] as const) {
      const removed = await waitFor(`${w.user}'s copy removed`, async () => (await allMessages(w.store, id)).find((m) => m.senderJid === bob.jid && m.retraction !== null));
      expect(removed.body).toBeNull();
      expect(removed.retraction).toMatchObject({ by: `carol@${server.domain}`, reason: 'transcribed' });
    }
  });
});

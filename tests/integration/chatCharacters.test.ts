// Characters XML forbids (U+FFFE, U+FFFF, lone surrogates) against a real Prosody: one of them in a
// stanza makes the server end the whole stream (not-well-formed), and the unacknowledged message
// went out again at every reconnect, blocking everything queued behind it (review finding). Pasted
// text and profile names are cleaned before they are stored, and the wire is guarded for the rest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xml } from '../../electron/core/xmpp/index.js';
import { type ProsodyServer, startProsody } from '../fixtures/prosody.js';
import { allMessages, bodies, cleanUpStores, conversationOf, users, waitFor, WorkstationPool } from './chatHarness.js';

let server: ProsodyServer;
const pool = new WorkstationPool();
// A name that reached the profile before names were checked for these characters.
const named = new WorkstationPool({ self: { name: 'Sam Okafor\uFFFE', role: 'Ward clerk\uD800' } });

beforeAll(async () => {
  server = await startProsody({ users });
});

afterAll(async () => {
  await pool.closeAll();
  await named.closeAll();
  await server?.stop();
  cleanUpStores();
});

describe('characters XML forbids', () => {
  it('a pasted U+FFFF is dropped before the message is stored, and the message and the next both arrive', async () => {
    const [alice, bob] = await Promise.all([pool.open(server, 'alice'), pool.open(server, 'bob')]);
    const toBob = await alice.chat.openDirect(bob.jid);
    await alice.chat.send({ conversationId: toBob, body: 'pasted from EPR \uFFFF bed 4', urgent: false });
    await alice.chat.send({ conversationId: toBob, body: 'after: bed 12 ready', urgent: false });
    await waitFor('both at bob', async () => ((await bodies(bob.store, alice.jid, 'in')).includes('after: bed 12 ready') ? true : undefined));
    expect(await bodies(bob.store, alice.jid, 'in')).toEqual(['pasted from EPR  bed 4', 'after: bed 12 ready']);
    // What Alice's workstation keeps is what was sent.
    expect((await allMessages(alice.store, toBob)).map((m) => m.body)).toEqual(['pasted from EPR  bed 4', 'after: bed 12 ready']);
    expect(alice.logs.join('\n')).not.toContain('session-ended');
  });

  it('any other stanza carrying one goes out with U+FFFD in its place, and the stream stays up', async () => {
    const [alice, bob] = await Promise.all([pool.open(server, 'alice', { resource: 'raw' }), pool.open(server, 'bob', { resource: 'raw' })]);
    // sendStanza is the path incident messages take: no body cleaning on the way.
    await alice.chat.sendStanza(xml('message', { to: bob.jid, type: 'chat', id: 'raw-1' }, xml('body', {}, 'raw \uFFFF line')));
    await waitFor('bob has it', async () => ((await bodies(bob.store, alice.jid, 'in')).includes('raw \uFFFD line') ? true : undefined));
    expect(alice.logs.join('\n')).not.toContain('session-ended');
  });

  it('a profile name carrying one still sends, and the name arrives cleaned', async () => {
    const bob = await pool.open(server, 'bob', { resource: 'names' });
    const alice = await named.open(server, 'alice', { resource: 'names' });
    const toBob = await alice.chat.openDirect(bob.jid);
    await alice.chat.send({ conversationId: toBob, body: 'Bed 9 clean', urgent: false });
    await waitFor('bob has it', async () => ((await bodies(bob.store, alice.jid, 'in')).includes('Bed 9 clean') ? true : undefined));
    const received = (await allMessages(bob.store, (await conversationOf(bob.store, alice.jid))!)).find((m) => m.body === 'Bed 9 clean');
    // The noncharacter is dropped; half a surrogate pair shows as the replacement character.
    expect(received).toMatchObject({ senderName: 'Sam Okafor', senderRole: 'Ward clerk\uFFFD' });
    expect(alice.logs.join('\n')).not.toContain('session-ended');
  });
});

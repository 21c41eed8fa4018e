// A server that ends the whole stream over one stanza (here Prosody's c2s_stanza_size_limit, set
// low; the same error comes from filtering modules): the message must not be resent after every
// reconnect for ever, blocking everything behind it. It is marked failed, text kept, and the rest go.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProsodyServer, startProsody } from '../fixtures/prosody.js';
import { allMessages, bodies, cleanUpStores, users, waitFor, waitReady, WorkstationPool } from './chatHarness.js';

let server: ProsodyServer;
const pool = new WorkstationPool();

beforeAll(async () => {
  server = await startProsody({ users, c2sStanzaSizeLimit: 10_000 });
});

afterAll(async () => {
  await pool.closeAll();
  await server?.stop();
  cleanUpStores();
});

describe('a message the server ends the stream over', () => {
  it('is marked failed after two refused sessions, keeps its text, and the messages behind it are delivered once', async () => {
    const [alice, bob] = await Promise.all([pool.open(server, 'alice'), pool.open(server, 'bob')]);
    await Promise.all([waitReady(alice), waitReady(bob)]);
    const toBob = await alice.chat.openDirect(bob.jid);
    // Within our 10,000-character limit, but ~15 KB on the wire: over this server's limit.
    const big = `Discharge summary ${'€'.repeat(5000)}`;
    const { messageId } = await alice.chat.send({ conversationId: toBob, body: big, urgent: false });
    await alice.chat.send({ conversationId: toBob, body: 'after the refused one: bed 12 ready', urgent: false });

    await waitFor('the later message at bob', async () => ((await bodies(bob.store, alice.jid, 'in')).includes('after the refused one: bed 12 ready') ? true : undefined), 30_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${alice.logs.filter((l) => !l.includes('ECONNREFUSED')).slice(-40).join('\n')}`);
    });
    const mine = (await allMessages(alice.store, toBob)).find((m) => m.id === messageId);
    expect(mine).toMatchObject({ deliveryState: 'failed', body: big });
    expect(alice.logs).toContain(`chat stream-refused message=${messageId} marked=true`);
    expect(alice.events).toContainEqual({ type: 'delivery-failed', conversationId: toBob });
    // It stays out of the outbox: no more refused sessions once it was failed.
    const ended = alice.logs.filter((line) => line.includes('session-ended')).length;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(alice.logs.filter((line) => line.includes('session-ended')).length).toBe(ended);
    expect(await alice.store.pendingOutbox()).toEqual([]);
    expect((await bodies(bob.store, alice.jid, 'in')).filter((b) => b.startsWith('after the refused one'))).toHaveLength(1);
    expect((await bodies(bob.store, alice.jid, 'in')).some((b) => b.startsWith('Discharge summary'))).toBe(false);
  });
});

/**
 * A room mention notifies once: the real encrypted store says which copies were new, so an archive
 * catch-up that fetches a mention again (it was already stored live) does not say "You were
 * mentioned" a second time, even when the same page brings something new.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mentionsYou } from '../../electron/common/mentions.js';
import { ConversationIds } from '../../electron/core/chat/conversationIds.js';
import { applyReceived, type Arrival, type IncomingDeps } from '../../electron/core/chat/incoming.js';
import type { IncomingMessage } from '../../electron/core/messaging/index.js';
import { openStore, type WardlineStore } from '../../electron/core/store/index.js';

const me = 'sam@trust.example';
const roomJid = 'bed-management@conference.trust.example';
let root: string;
let store: WardlineStore;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'wardline-mentions-'));
  store = await openStore(join(root, 'store.db'), randomBytes(32).toString('hex'));
});

afterAll(async () => {
  await store?.close();
  rmSync(root, { recursive: true, force: true });
});

function roomMessage(id: string, body: string, source: 'live' | 'archive'): IncomingMessage {
  return {
    kind: 'message', source, direction: 'in', type: 'groupchat', from: `${roomJid}/ana`, conversation: roomJid, author: 'ana@trust.example',
    to: `${me}/pc`, nick: 'ana', messageId: `m-${id}`, originId: `o-${id}`, stanzaId: `s-${id}`, body, truncated: false,
    urgency: 'normal', receiptRequested: false, markable: true, patientIdentifier: false, sentAt: 1_800_000_000_000, datedLocally: false,
    untrusted: false, archiveQueryId: null,
  };
}

describe('mention arrivals against the real store', () => {
  it('"mentions you" for a new copy only; the same mention again, beside a new message, is an ordinary arrival', async () => {
    const arrivals: Arrival[][] = [];
    const deps = {
      store, conversations: new ConversationIds(store), ownBare: me, titleFor: () => 'Bed management', send: () => undefined, now: () => 1_800_000_000_500,
      log: () => undefined, changed: () => undefined, urgentArrived: () => undefined, hold: () => undefined, isAccepted: () => true, isTrustedAddress: () => true,
      mentionsYou: (body: string | null) => mentionsYou(body, { handle: 'sam', name: 'Sam Okoro' }),
      arrived: (batch: readonly Arrival[]) => void arrivals.push([...batch]),
    } satisfies IncomingDeps;
    const mention = roomMessage('1', '@sam can you take the transfer from ED?', 'live');

    expect(await applyReceived(deps, [{ event: mention, card: null }])).toMatchObject({ inserted: 1 });
    await applyReceived(deps, [
      { event: { ...mention, source: 'archive' }, card: null },
      { event: roomMessage('2', 'Porter booked for 14:30', 'archive'), card: null },
    ]);
    await applyReceived(deps, [{ event: roomMessage('3', 'Sam Okoro: and bed 9 after that', 'archive'), card: null }]);

    expect(arrivals.map((batch) => batch.map((a) => a.mentionsYou))).toEqual([[true], [false], [true]]);
  });
});

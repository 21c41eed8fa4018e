/**
 * Retention at unlock and messages that never left this PC (real SQLCipher, real keyring): what
 * waits in the outbox is kept until it is sent, for one more lifespan at most.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallContext } from '../../electron/core/ipc/dispatcher.js';
import type { WardlineStore } from '../../electron/core/store/index.js';
import { createWardlineCore } from '../../electron/core/wardlineCore.js';
import { applyKeyringEnv, startKeyring, type Keyring } from '../fixtures/keyring.js';
import { testCoreBase } from './coreHarness.js';

const CTX: CallContext = { senderUrl: 'app://wardline/index.html', isMainFrame: true };
const PIN = '246810';
const DAY = 86_400_000;
let keyring: Keyring;
beforeAll(async () => {
  keyring = await startKeyring();
  applyKeyringEnv(keyring.env);
});
afterAll(async () => {
  await keyring?.stop();
});

/**
 * A profile with one message queued (not sent) in a 1:1 conversation, `before` run on its store;
 * then locked, the clocks moved on by `away`, unlocked (retention runs), and the outbox returned.
 */
async function queuedThenAway(body: string, away: number, before: (store: WardlineStore) => Promise<void> = async () => {}): Promise<string[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wardline-retention-outbox-'));
  let now = 1_800_000_000_000;
  let boot = 1_000_000;
  const core = createWardlineCore({ ...testCoreBase(dataDir), ticker: { every: () => () => undefined }, now: () => now, bootClock: () => boot });
  try {
    await core.ready;
    const call = (channel: string, payload: object) => core.dispatch(CTX, channel as never, payload as never) as Promise<{ ok: boolean; value?: unknown; error?: { message: string } }>;
    const created = await call('profiles:create', { displayName: 'Sam Okafor', role: 'Ward clerk', pin: PIN });
    const id = (created.value as { id: string }).id;
    const store = core.session.store();
    await before(store);
    const conversationId = await store.upsertConversation({ jid: 'dr.lima@trust.example', kind: 'direct', title: 'Dr Lima' });
    await store.queueOutgoing({ conversationId, originId: 'o-1', body, urgency: 'urgent', sentAt: now, senderJid: 'sam@trust.example', senderName: 'Sam Okafor', senderRole: 'Ward clerk', patientIdentifier: false, syncToDisk: true });
    expect(await store.pendingOutbox()).toHaveLength(1);
    await call('session:lock', {});
    now += away;
    boot += away;
    expect((await call('session:unlock', { profileId: id, pin: PIN })).ok).toBe(true);
    return (await core.session.store().pendingOutbox()).map((entry) => entry.body);
  } finally {
    await core.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('retention and the outbox', () => {
  it('does not delete a typed message that was never sent, before messaging has had a chance to send it', async () => {
    // Typed at the end of a shift while the server was unreachable; back after a month's leave (default retention: 30 days).
    expect(await queuedThenAway('Mr K in bed 4 needs review before discharge', 31 * DAY)).toEqual(['Mr K in bed 4 needs review before discharge']);
  });

  it('keeps it for one more lifespan at most: a profile whose messaging never runs again (revoked) does not keep a patient note for ever', async () => {
    // What a revocation leaves: the address, no password. Messaging never starts again. Three years on:
    const revoked = async (store: WardlineStore) => store.setSetting('xmpp.account', JSON.stringify({ jid: 'sam@trust.example', host: null, port: null }));
    expect(await queuedThenAway('NHS 943 476 5919 in bed 4 needs review', 3 * 365 * DAY, revoked)).toEqual([]);
  });
});

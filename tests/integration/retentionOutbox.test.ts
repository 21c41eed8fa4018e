/**
 * Retention at unlock and messages that never left this PC (real SQLCipher, real keyring): what
 * waits in the outbox is kept until it is sent, for one more lifespan at most.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallContext } from '../../electron/core/ipc/dispatcher.js';
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

describe('retention and the outbox', () => {
  it('does not delete a typed message that was never sent, before messaging has had a chance to send it', async () => {
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
      const conversationId = await store.upsertConversation({ jid: 'dr.lima@trust.example', kind: 'direct', title: 'Dr Lima' });
      // Typed at the end of a shift while the server was unreachable: queued, waiting in the outbox.
      await store.queueOutgoing({ conversationId, originId: 'o-1', body: 'Mr K in bed 4 needs review before discharge', urgency: 'urgent', sentAt: now, senderJid: 'sam@trust.example', senderName: 'Sam Okafor', senderRole: 'Ward clerk', patientIdentifier: false, syncToDisk: true });
      expect(await store.pendingOutbox()).toHaveLength(1);
      await call('session:lock', {});
      // Back after a month's leave (default retention: 30 days).
      now += 31 * DAY;
      boot += 31 * DAY;
      const unlocked = await call('session:unlock', { profileId: id, pin: PIN });
      expect(unlocked.ok).toBe(true);
      const pending = await core.session.store().pendingOutbox();
      expect(pending.map((entry) => entry.body)).toEqual(['Mr K in bed 4 needs review before discharge']);
    } finally {
      await core.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps it for one more lifespan at most: a profile whose messaging never runs again (revoked) does not keep a patient note for ever', async () => {
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
      // What a revocation leaves: the address, no password. Messaging never starts again.
      await store.setSetting('xmpp.account', JSON.stringify({ jid: 'sam@trust.example', host: null, port: null }));
      const conversationId = await store.upsertConversation({ jid: 'dr.lima@trust.example', kind: 'direct', title: 'Dr Lima' });
      await store.queueOutgoing({ conversationId, originId: 'o-1', body: 'NHS 943 476 5919 in bed 4 needs review', urgency: 'urgent', sentAt: now, senderJid: 'sam@trust.example', senderName: 'Sam Okafor', senderRole: 'Ward clerk', patientIdentifier: true, syncToDisk: true });
      await call('session:lock', {});
      // Three years on, default lifespan 30 days.
      now += 3 * 365 * DAY;
      boot += 3 * 365 * DAY;
      expect((await call('session:unlock', { profileId: id, pin: PIN })).ok).toBe(true);
      const left = await core.session.store().pendingOutbox();
      expect(left.map((entry) => entry.body)).toEqual([]);
    } finally {
      await core.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/**
 * OS-initiated locks with the whole core, the real keyring and the real SQLCipher store: the
 * window is asked to hand over what is being typed before the store closes, and the lock does not
 * depend on it answering.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallContext } from '../../electron/core/ipc/dispatcher.js';
import { LOCK_HANDOVER_MS } from '../../electron/core/session/sessionController.js';
import { createWardlineCore, type WardlineCore } from '../../electron/core/wardlineCore.js';
import { applyKeyringEnv, startKeyring, type Keyring } from '../fixtures/keyring.js';
import { testCoreBase } from './coreHarness.js';

const CTX: CallContext = { senderUrl: 'app://wardline/index.html', isMainFrame: true };

let keyring: Keyring;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  keyring = await startKeyring();
  applyKeyringEnv(keyring.env);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await keyring?.stop();
});

async function unlockedCore(): Promise<{ core: WardlineCore; logs: string[]; conversationId: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wardline-lock-handover-'));
  const logs: string[] = [];
  const core = createWardlineCore({ ...testCoreBase(dataDir), ticker: { every: () => () => undefined }, log: (line) => logs.push(line) });
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }), () => core.close());
  await core.ready;
  const created = await core.dispatch(CTX, 'profiles:create', { displayName: 'Sam Okafor', role: 'Ward clerk', pin: '246810' });
  expect(created.ok).toBe(true);
  const conversationId = await core.session.store().upsertConversation({ jid: 'alice@wardline.test', kind: 'direct', title: 'Alice' });
  return { core, logs, conversationId };
}

describe('OS lock hands over to the window first', () => {
  it('the window saves its draft and locks: the draft is in the store after unlock, and the lock is recorded as the OS’s', async () => {
    const { core, logs, conversationId } = await unlockedCore();
    const profileId = (core.session.state() as { profile: { id: string } }).profile.id;
    // What App.svelte does on 'session:will-lock': save the drafts, then ask for the lock.
    let lockedBeforeAnswer: boolean | undefined;
    const isLocked = (): boolean => logs.some((line) => line.startsWith('locked '));
    core.events.on('session:will-lock', () => {
      void (async () => {
        await core.dispatch(CTX, 'drafts:save', { conversationId, body: 'Bed 4: obs every hour', urgent: true });
        lockedBeforeAnswer = isLocked();
        await core.dispatch(CTX, 'session:lock', {});
      })();
    });
    const state = await core.session.lockForOs('os-lock');
    expect(state.kind).toBe('locked');
    // The window's answer locked it, not the handover's timeout (orders and log lines: no clock to race).
    expect(lockedBeforeAnswer).toBe(false);
    expect(logs.filter((line) => line.startsWith('lock handover'))).toEqual(['lock handover reason=os-lock']);
    expect(logs).toContain('locked reason=os-lock');
    expect(logs.filter((line) => line.startsWith('locked '))).toHaveLength(1);

    expect((await core.dispatch(CTX, 'session:unlock', { profileId, pin: '246810' })).ok).toBe(true);
    expect(await core.dispatch(CTX, 'drafts:get', { conversationId })).toEqual({ ok: true, value: { body: 'Bed 4: obs every hour', urgent: true } });
  });

  it('a window that never answers does not hold the lock open; suspend does not wait at all', async () => {
    const { core, logs } = await unlockedCore();
    const profileId = (core.session.state() as { profile: { id: string } }).profile.id;
    const asked: number[] = [];
    core.events.on('session:will-lock', () => asked.push(performance.now()));
    const started = performance.now();
    const [first, second] = await Promise.all([core.session.lockForOs('os-lock'), core.session.lockForOs('user-switch')]);
    expect([first.kind, second.kind]).toEqual(['locked', 'locked']);
    expect(asked).toHaveLength(1); // one handover, joined by the second trigger
    expect(performance.now() - started).toBeGreaterThanOrEqual(LOCK_HANDOVER_MS - 5);
    expect(logs).toContain('lock handover unanswered reason=os-lock');
    expect(logs).toContain('locked reason=os-lock');

    expect((await core.dispatch(CTX, 'session:unlock', { profileId, pin: '246810' })).ok).toBe(true);
    const suspended = core.session.lockForOs('suspend');
    // Locked before the call returns to the event loop: the machine may sleep at any moment.
    expect(core.session.state().kind).toBe('locked');
    await suspended;
    expect(asked).toHaveLength(1);
    expect(logs).toContain('locked reason=suspend');
  });
});

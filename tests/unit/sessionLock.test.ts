/**
 * The lock must fail safe: whatever goes wrong while shutting a profile down,
 * the renderer is told "locked" at once and data channels refuse.
 * Fakes stand in for the vault and store here; the e2e tests use the real ones.
 */
import { describe, expect, it } from 'vitest';
import type { SessionState } from '../../electron/common/contract.js';
import { CoreEvents } from '../../electron/core/events.js';
import { createDispatcher } from '../../electron/core/ipc/dispatcher.js';
import { DEFAULT_LOCK_POLICY } from '../../electron/core/policy/lockPolicy.js';
import type { Ticker } from '../../electron/core/session/autoLock.js';
import { SessionController, type ProfileVault } from '../../electron/core/session/sessionController.js';
import type { WardlineStore } from '../../electron/core/store/index.js';
import { requestHandlers } from '../../electron/core/requestHandlers.js';
import { noExportFile } from '../../electron/core/governance/exportFile.js';

const ID = 'a'.repeat(32);

function fakeVault(): ProfileVault {
  return {
    listProfiles: async () => [{ id: ID, displayName: 'Sam' }],
    damaged: 0,
    createProfile: async () => { throw new Error('unused'); },
    unlockProfile: async () => 'ab'.repeat(32),
    changePin: async () => { throw new Error('unused'); },
    profileDetails: async () => ({ id: ID, displayName: 'Sam', role: 'Clerk', createdAt: 0, wipePolicy: { afterFailures: null }, failures: { consecutive: 0, lastFailureAt: null } }),
    removeProfile: async () => {},
    profileDir: () => '/nonexistent',
    failureCounters: async () => ({ consecutive: 0, lastFailureAt: null }),
    markUsed: async () => true,
    eraseDormant: async () => ({ erased: 0, failed: 0, deferred: false }),
  };
}

function fakeStore(overrides: Partial<WardlineStore> = {}): WardlineStore {
  const base = {
    getSetting: async () => null,
    setSetting: async () => {},
    unreadCounts: async () => ({ unread: 2, urgent: 1 }),
    listConversations: async () => [{ id: 1, jid: 'x@y.z', kind: 'direct', title: 'Secret title', notify: 'all', unread: 0, urgentUnread: 0, undelivered: 0, lastActivityAt: 1 }],
    close: async () => {},
    onFailure: () => {},
    appendAudit: async () => ({}),
    purgeSentBefore: async () => ({ deleted: 0, checkpointed: true }),
  };
  return { ...base, ...overrides } as unknown as WardlineStore;
}

/** A session over fakes; `overrides` replace any dependency. */
function controller(overrides: Partial<ConstructorParameters<typeof SessionController>[0]> = {}): SessionController {
  return new SessionController({
    registry: fakeVault(),
    openStore: async () => fakeStore(),
    events: new CoreEvents(),
    policy: DEFAULT_LOCK_POLICY,
    idle: { idleSeconds: () => 0 },
    ticker: { every: () => () => {} },
    now: () => 1,
    log: () => {},
    startChat: () => { throw new Error('no chat in this test'); },
    chatTrust: { trustedDomains: [] },
    governance: { retentionDays: 30, wipeOnRevocation: false, privacyBlur: false, maskPatientIdentifiers: false, conversationPreviews: true },
    policySource: { kind: 'default', path: '(test)', sha256: null },
    exportFile: noExportFile,
    ...overrides,
  });
}

function setup(store: WardlineStore) {
  const events = new CoreEvents();
  const seen: SessionState[] = [];
  events.on('session:changed', (s) => seen.push(s));
  let tick = () => {};
  const ticker: Ticker = { every: (_ms, fn) => ((tick = fn), () => (tick = () => {})) };
  let idle = 0;
  const session = controller({ openStore: async () => store, events, idle: { idleSeconds: () => idle }, ticker });
  return { session, seen, idleFor: (s: number) => ((idle = s), tick()) };
}

describe('session lock fails safe', () => {
  it('announces the lock before closing, even when the store cannot close', async () => {
    const { session, seen, idleFor } = setup(fakeStore({ close: async () => { throw new Error('SQLITE_FULL'); } }));
    await session.init();
    await session.unlock(ID, '123456');
    idleFor(301);
    // Synchronously: the renderer already heard "locked" and data is refused.
    expect(seen.at(-1)?.kind).toBe('locked');
    expect(session.isUnlocked()).toBe(false);
    expect(() => session.store()).toThrow(/locked/);
    await session.lock('manual');
    expect(session.state()).toMatchObject({ kind: 'locked', pending: { messages: 2, urgent: 1 } });
  });

  it('locks even when the store hangs while counting', async () => {
    const { session, seen } = setup(fakeStore({ unreadCounts: () => new Promise(() => {}) }));
    await session.init();
    await session.unlock(ID, '123456');
    void session.lock('os-lock');
    expect(seen.at(-1)?.kind).toBe('locked');
    // Not "no new messages": nothing is known about them.
    expect(seen.at(-1)).toMatchObject({ pending: null });
  });

  it('never returns data fetched before a lock that fell while the handler awaited', async () => {
    let release: () => void = () => {};
    const slow = fakeStore({
      listConversations: () => new Promise((resolve) => (release = () => resolve([]))) as ReturnType<WardlineStore['listConversations']>,
    });
    const { session } = setup(slow);
    await session.init();
    await session.unlock(ID, '123456');
    const dispatch = createDispatcher({
      appOrigin: 'app://wardline',
      isUnlocked: () => session.isUnlocked(),
      lockEpoch: () => session.epoch(),
      handlers: requestHandlers({ name: 'Wardline', version: '1', shell: 'electron', platform: 'x', pinRule: { minDigits: 6, minPassphraseChars: 8 } }, session),
    });
    const pending = dispatch({ senderUrl: 'app://wardline/index.html', isMainFrame: true }, 'conversations:list', {});
    await new Promise((r) => setTimeout(r, 5));
    void session.lock('idle');
    release();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'locked' } });
  });

  it('stays locked if the OS locks while an unlock is still opening the store', async () => {
    let finishOpen: () => void = () => {};
    const store = fakeStore();
    const slowSession = controller({ openStore: () => new Promise((resolve) => (finishOpen = () => resolve(store))) });
    await slowSession.init();
    const unlocking = slowSession.unlock(ID, '123456');
    await new Promise((r) => setTimeout(r, 5));
    void slowSession.lock('os-lock');
    finishOpen();
    await unlocking;
    expect(slowSession.isUnlocked()).toBe(false);
    expect(slowSession.state().kind).toBe('locked');
  });

  // The PIN check (keychain + KDF, ~250 ms) and a new profile's KDF come before the store opens:
  // the OS locking then must win too, although nothing is open yet for the lock to close.
  it.each(['unlock', 'create a profile'] as const)('stays locked if the OS locks while the PIN is still being checked (%s)', async (what) => {
    let finishKdf: () => void = () => {};
    const kdf = <T>(value: T): Promise<T> => new Promise((resolve) => (finishKdf = () => resolve(value)));
    const opened: string[] = [];
    const session = controller({
      registry: {
        ...fakeVault(),
        unlockProfile: () => kdf('ab'.repeat(32)),
        createProfile: () => kdf({ id: ID, displayName: 'Sam', databaseKeyHex: 'ab'.repeat(32) }),
      },
      openStore: async (path) => (opened.push(path), fakeStore()),
    });
    await session.init();
    const asked = what === 'unlock' ? session.unlock(ID, '123456') : session.createProfile({ displayName: 'Sam', role: 'Clerk', pin: '123456' });
    await new Promise((r) => setTimeout(r, 5));
    const locking = session.lock('os-lock');
    finishKdf();
    await asked;
    await locking;
    expect(session.isUnlocked()).toBe(false);
    expect(session.state().kind).toBe('locked');
    expect(() => session.store()).toThrow(/locked/i);
    // The store was opened and closed again, never handed out.
    expect(opened).toHaveLength(1);
  });

  it('an unlock asked for after a lock still unlocks', async () => {
    const { session } = setup(fakeStore());
    await session.init();
    await session.lock('os-lock');
    await session.unlock(ID, '123456');
    expect(session.isUnlocked()).toBe(true);
  });
});

/**
 * Text copied out of Wardline's window by hand (Ctrl+C on a message or the note) goes the way of
 * the note Wardline copies itself: taken back when the profile locks, before anyone else can sign
 * in and paste it. The page only says that it copied ('ui:copied'); main reads the clipboard.
 */
import { describe, expect, it } from 'vitest';
import { CoreEvents } from '../../electron/core/events.js';
import { createDispatcher } from '../../electron/core/ipc/dispatcher.js';
import { DEFAULT_LOCK_POLICY } from '../../electron/core/policy/lockPolicy.js';
import { SessionController, type ProfileVault } from '../../electron/core/session/sessionController.js';
import type { WardlineStore } from '../../electron/core/store/index.js';
import { requestHandlers } from '../../electron/core/requestHandlers.js';
import { noExportFile } from '../../electron/core/governance/exportFile.js';
import type { ClipboardPort } from '../../electron/core/governance/clipboard.js';

const SAM = 'a'.repeat(32);
const ANA = 'b'.repeat(32);
const CALL = { senderUrl: 'app://wardline/index.html', isMainFrame: true };

function fakeVault(): ProfileVault {
  const names: Record<string, string> = { [SAM]: 'Sam', [ANA]: 'Ana' };
  return {
    listProfiles: async () => [{ id: SAM, displayName: 'Sam' }, { id: ANA, displayName: 'Ana' }],
    damaged: 0,
    createProfile: async () => { throw new Error('unused'); },
    unlockProfile: async () => 'ab'.repeat(32),
    changePin: async () => { throw new Error('unused'); },
    profileDetails: async (id: string) => ({ id, displayName: names[id]!, role: 'Clerk', createdAt: 0, wipePolicy: { afterFailures: null }, failures: { consecutive: 0, lastFailureAt: null } }),
    removeProfile: async () => {},
    profileDir: (id: string) => `/nonexistent/${id}`,
    failureCounters: async () => ({ consecutive: 0, lastFailureAt: null }),
    markUsed: async () => true,
    eraseDormant: async () => ({ erased: 0, failed: 0, deferred: false }),
  };
}

function fakeStore(): WardlineStore {
  return {
    getSetting: async () => null,
    setSetting: async () => {},
    unreadCounts: async () => ({ unread: 0, urgent: 0 }),
    close: async () => {},
    onFailure: () => {},
    appendAudit: async () => ({}),
    purgeSentBefore: async () => ({ deleted: 0, checkpointed: true }),
  } as unknown as WardlineStore;
}

function setup() {
  const board = { text: '' };
  const clipboard: ClipboardPort = {
    writeText: async (text) => void (board.text = text),
    readText: async () => board.text,
    clear: async () => void (board.text = ''),
  };
  const session = new SessionController({
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
    clipboard,
  });
  const dispatch = createDispatcher({
    appOrigin: 'app://wardline',
    isUnlocked: () => session.isUnlocked(),
    lockEpoch: () => session.epoch(),
    handlers: requestHandlers({ name: 'Wardline', version: '1', shell: 'electron', platform: 'x', pinRule: { minDigits: 6, minPassphraseChars: 8 } }, session),
  });
  return { session, dispatch, board };
}

describe('text copied by hand in Wardline', () => {
  it('is taken off the clipboard when the profile locks, so the next person cannot paste it', async () => {
    const { session, dispatch, board } = setup();
    await session.init();
    await session.unlock(SAM, '123456');
    // The page copied a message (the browser wrote the clipboard), then says so.
    board.text = 'Bed 9 troponin 412 rising, cardiology aware';
    expect(await dispatch(CALL, 'ui:copied', {})).toMatchObject({ ok: true });
    await session.lock('manual');
    await session.unlock(ANA, '654321');
    expect(board.text).toBe('');
  });

  it('leaves alone what the person copied from elsewhere afterwards', async () => {
    const { session, dispatch, board } = setup();
    await session.init();
    await session.unlock(SAM, '123456');
    board.text = 'Bed 9 troponin 412 rising, cardiology aware';
    await dispatch(CALL, 'ui:copied', {});
    board.text = 'bed list from the EPR';
    await session.lock('manual');
    expect(board.text).toBe('bed list from the EPR');
  });

  it('is refused while locked: nothing is read from the clipboard for nobody', async () => {
    const { session, dispatch } = setup();
    await session.init();
    expect(await dispatch(CALL, 'ui:copied', {})).toMatchObject({ ok: false, error: { code: 'locked' } });
  });
});

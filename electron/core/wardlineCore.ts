/**
 * Composition root of the plain-Node core. Electron's main process and the
 * Chromium shell both build one of these and only differ in their adapters
 * (idle source, keychain, link opener).
 */
import type { AppInfo, ShellKind } from '../common/contract.js';
import { CoreEvents } from './events.js';
import { createDispatcher, type Dispatch } from './ipc/dispatcher.js';
import { WardlineFailure } from './ipc/failure.js';
import { isAllowedExternalUrl, type ConfirmAndOpen } from './links/externalLink.js';
import { DEFAULT_LOCK_POLICY, type LockPolicy } from './policy/lockPolicy.js';
import { realTicker, type IdleSource, type Ticker } from './session/autoLock.js';
import { toConversationView, toMessageView } from './session/messageView.js';
import { SessionController, type OpenStore } from './session/sessionController.js';
import { openStore } from './store/index.js';
import type { Keychain } from './vault/keychain.js';
import { keytarKeychain } from './vault/keytarKeychain.js';
import { ProfileRegistry } from './vault/profiles.js';

export interface CoreOptions {
  dataDir: string;
  shell: ShellKind;
  version: string;
  platform: string;
  /** Origin our page is served from; calls from anywhere else are refused. */
  appOrigin: string;
  confirmAndOpen: ConfirmAndOpen;
  /** OS idle time (Electron powerMonitor in the app; injectable in tests). */
  idle: IdleSource;
  keychain?: Keychain;
  policy?: LockPolicy;
  ticker?: Ticker;
  now?: () => number;
  openStore?: OpenStore;
  log?: (line: string) => void;
}

export interface WardlineCore {
  readonly dispatch: Dispatch;
  readonly events: CoreEvents;
  readonly session: SessionController;
  /** Resolves once profiles are loaded; dispatch waits for it. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export function createWardlineCore(options: CoreOptions): WardlineCore {
  const events = new CoreEvents();
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;
  const policy = options.policy ?? DEFAULT_LOCK_POLICY;
  const registry = new ProfileRegistry({
    dataDir: options.dataDir,
    keychain: options.keychain ?? keytarKeychain(),
    now,
    wipePolicy: { afterFailures: policy.wipeAfterFailedUnlocks },
  });
  const session = new SessionController({
    registry,
    openStore: options.openStore ?? ((path, keyHex) => openStore(path, keyHex)),
    events,
    policy,
    idle: options.idle,
    ticker: options.ticker ?? realTicker,
    now,
    log,
  });
  const ready = session.init();
  const info: AppInfo = { name: 'Wardline', version: options.version, shell: options.shell, platform: options.platform };

  const dispatchNow = createDispatcher({
    appOrigin: options.appOrigin,
    isUnlocked: () => session.isUnlocked(),
    onRefused: (channel, error) => log(`ipc refused channel=${channel} code=${error.code}`),
    handlers: {
      'app:info': () => info,
      'session:state': () => session.state(),
      'profiles:create': (input) => session.createProfile(input),
      'profiles:remove': async ({ profileId, pin }) => {
        await session.removeProfile(profileId, pin);
        return { removed: true as const };
      },
      'session:unlock': ({ profileId, pin }) => session.unlock(profileId, pin),
      'session:lock': () => session.lock('manual'),
      'session:setAutoLock': ({ seconds }) => session.setAutoLock(seconds),
      'conversations:list': async () => (await session.store().listConversations()).map(toConversationView),
      'messages:page': async ({ conversationId, before, limit }) => {
        const page = await session.store().pageMessages(conversationId, before ?? null, limit);
        return { messages: page.messages.map(toMessageView), before: page.before };
      },
      'links:openExternal': async ({ url }) => {
        if (!isAllowedExternalUrl(url)) {
          throw new WardlineFailure('rejected', 'Only secure (https) links can be opened from Wardline.');
        }
        return { opened: await options.confirmAndOpen(url) };
      },
    },
  });

  return {
    dispatch: async (ctx, channel, payload) => {
      await ready;
      return dispatchNow(ctx, channel, payload);
    },
    events,
    session,
    ready,
    close: () => session.close(),
  };
}

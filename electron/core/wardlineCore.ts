/**
 * Composition root of the plain-Node core. Electron's main process and the
 * Chromium shell both build one of these and only differ in their adapters
 * (idle source, keychain, link opener).
 */
import type { AppInfo, ShellKind } from '../common/contract.js';
import { CoreEvents } from './events.js';
import { createDispatcher, type Dispatch } from './ipc/dispatcher.js';
import type { ConfirmAndOpen } from './links/externalLink.js';
import { DEFAULT_LOCK_POLICY, type LockPolicy } from './policy/lockPolicy.js';
import { realTicker, type IdleSource, type Ticker } from './session/autoLock.js';
import { requestHandlers } from './requestHandlers.js';
import { DEFAULT_NOTIFICATION_POLICY, type NotificationPolicy } from './notify/notificationPolicy.js';
import { Notifier, urgentReminderOptions, type NotificationPort } from './notify/notifier.js';
import { SessionController, type OpenStore } from './session/sessionController.js';
import type { ChatTrust, StartChat } from './chat/chatTypes.js';
import { startChat } from './chat/index.js';
import { openStore, prestartStoreWorker } from './store/index.js';
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
  /** Admin CA bundle and the organisation's domains (from policy). */
  chatTrust?: ChatTrust;
  startChat?: StartChat;
  /** OS notifications (Electron); without one, nothing is notified. Receives redacted text only. */
  notify?: NotificationPort;
  /** Notification mode and urgent re-notify interval/limit (admin policy); default private, 2 min, 5. */
  notificationPolicy?: NotificationPolicy;
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
  const notificationPolicy = options.notificationPolicy ?? DEFAULT_NOTIFICATION_POLICY;
  const notifier = options.notify ? new Notifier({ port: options.notify, policy: notificationPolicy, now, log }) : null;
  if (notifier) events.on('session:changed', (state) => notifier.setLocked(state.kind !== 'unlocked'));
  const session = new SessionController({
    registry,
    openStore: options.openStore ?? ((path, keyHex, create) => openStore(path, keyHex, { create })),
    events,
    policy,
    idle: options.idle,
    ticker: options.ticker ?? realTicker,
    now,
    log,
    startChat: options.startChat ?? startChat,
    chatTrust: options.chatTrust ?? { trustedDomains: [] },
    prepareStore: options.openStore ? undefined : prestartStoreWorker,
    urgent: urgentReminderOptions(notificationPolicy),
    onChatEvent: notifier ? (event) => notifier.handle(event) : undefined,
  });
  const ready = session.init();
  const info: AppInfo = { name: 'Wardline', version: options.version, shell: options.shell, platform: options.platform };

  const dispatchNow = createDispatcher({
    appOrigin: options.appOrigin,
    isUnlocked: () => session.isUnlocked(),
    lockEpoch: () => session.epoch(),
    onRefused: (channel, error) => log(`ipc refused channel=${channel} code=${error.code}`),
    handlers: requestHandlers(info, session, options.confirmAndOpen, notifier ? (state) => notifier.focus(state) : undefined),
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

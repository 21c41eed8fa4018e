/**
 * Composition root of the plain-Node core. Electron's main process and the
 * Chromium shell both build one of these and only differ in their adapters
 * (idle source, keychain, link opener).
 */
import type { AppInfo, ShellKind } from '../common/contract.js';
import { profileAllows } from './ipc/profileAccess.js';
import { CoreEvents } from './events.js';
import { createDispatcher, type Dispatch } from './ipc/dispatcher.js';
import type { LockPolicy } from './policy/lockPolicy.js';
import { realTicker, type IdleSource, type Ticker } from './session/autoLock.js';
import { FailSafeIdle } from './session/failSafeIdle.js';
import { requestHandlers } from './requestHandlers.js';
import type { NotificationPolicy } from './notify/notificationPolicy.js';
import { Notifier, urgentReminderOptions, type FocusState, type NotificationPort } from './notify/notifier.js';
import { SessionController, type OpenStore, type SessionDeps } from './session/sessionController.js';
import type { ChatTrust, StartChat } from './chat/chatTypes.js';
import { startChat } from './chat/index.js';
import { openStore, prestartStoreWorker } from './store/index.js';
import type { Keychain } from './vault/keychain.js';
import { keytarKeychain } from './vault/keytarKeychain.js';
import type { ClipboardPort } from './governance/clipboard.js';
import { noExportFile, type ExportFile } from './governance/exportFile.js';
import { wallClockTrustFor } from './governance/wallClockTrust.js';
import { DEFAULT_ADMIN_POLICY, toChatTrust, toLockPolicy, toNotificationPolicy, type AdminPolicy } from './policy/adminPolicy.js';
import { policyFailureMessage, type PolicyLoad } from './policy/policyFile.js';
import { ProfileRegistry } from './vault/profiles.js';
import { pinRule } from './vault/pinRules.js';

export interface CoreOptions {
  dataDir: string;
  shell: ShellKind;
  version: string;
  platform: string;
  /** Origin our page is served from; calls from anywhere else are refused. */
  appOrigin: string;
  /** OS idle time (Electron powerMonitor in the app; injectable in tests). Not trusted blindly: see FailSafeIdle. */
  idle: IdleSource;
  keychain?: Keychain;
  /**
   * The managed admin policy as loaded (policyFile.ts). Lock, notification, trust, retention and
   * revocation settings come from it unless a test passes them explicitly below. An invalid
   * policy blocks everything: Wardline shows IT's message and opens no profile.
   */
  adminPolicy?: PolicyLoad;
  /** Saves exports (FHIR, audit log, incident timeline): a save dialog in Electron. */
  exportFile?: ExportFile;
  /** The OS clipboard, for "Copy note for the record"; cleared again on lock. */
  clipboard?: ClipboardPort;
  policy?: LockPolicy;
  ticker?: Ticker;
  now?: () => number;
  /** Monotonic milliseconds for the auto-lock's own input clock (FailSafeIdle); tests move it. */
  idleClock?: () => number;
  /**
   * Milliseconds since boot, sleep included (default os.uptime): retention trusts `now` only while
   * it agrees with this clock. A test that moves `now` days on moves this too.
   */
  bootClock?: () => number;
  openStore?: OpenStore;
  /** Admin CA bundle and the organisation's domains (from policy). */
  chatTrust?: ChatTrust;
  startChat?: StartChat;
  /** OS notifications (Electron); without one, nothing is notified. Receives redacted text only. */
  notify?: NotificationPort;
  /** Notification mode and urgent re-notify interval/limit (admin policy); default private, 2 min, 5. */
  notificationPolicy?: NotificationPolicy;
  log?: (line: string) => void;
  /** How long a refusal must last before a wipe-on-revocation policy erases a profile (tests shorten it). */
  wipeConfirmation?: SessionDeps['wipeConfirmation'];
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
  // Taken from the start, so a jump before the first unlock is seen too; profiles share it by `now`.
  wallClockTrustFor(now, options.bootClock);
  const load: PolicyLoad = options.adminPolicy ?? { kind: 'default', path: '(built-in defaults)' };
  const admin: AdminPolicy = load.kind === 'managed' ? load.policy : DEFAULT_ADMIN_POLICY;
  const policy = options.policy ?? toLockPolicy(admin);
  const registry = new ProfileRegistry({
    dataDir: options.dataDir,
    keychain: options.keychain ?? keytarKeychain(),
    now,
    wipePolicy: { afterFailures: policy.wipeAfterFailedUnlocks },
    ...(policy.pinMinLength === undefined ? {} : { pinMinLength: policy.pinMinLength }),
    ...(policy.delayAfterFailures === undefined ? {} : { delayAfterFailures: policy.delayAfterFailures }),
  });
  const notificationPolicy = options.notificationPolicy ?? toNotificationPolicy(admin);
  const notifier = options.notify ? new Notifier({ port: options.notify, policy: notificationPolicy, now, log }) : null;
  if (notifier) events.on('session:changed', (state) => notifier.setLocked(state.kind !== 'unlocked'));
  // Monotonic: a wall clock put right (or a test's clock jumping days) is not time without input.
  const idle = new FailSafeIdle(options.idle, { now: options.idleClock ?? (() => performance.now()), log });
  // An unlock is input (the PIN was just typed); other changes while unlocked are not.
  let wasUnlocked = false;
  events.on('session:changed', (state) => {
    if (state.kind === 'unlocked' && !wasUnlocked) idle.noteInput();
    wasUnlocked = state.kind === 'unlocked';
  });
  const session = new SessionController({
    registry,
    openStore: options.openStore ?? ((path, keyHex, create) => openStore(path, keyHex, { create })),
    events,
    policy,
    idle,
    ticker: options.ticker ?? realTicker,
    now,
    log,
    startChat: options.startChat ?? startChat,
    chatTrust: options.chatTrust ?? toChatTrust(admin, load.kind === 'managed' ? load.caBundlePem : undefined),
    prepareStore: options.openStore ? undefined : prestartStoreWorker,
    urgent: urgentReminderOptions(notificationPolicy),
    onChatEvent: notifier ? (event) => notifier.handle(event) : undefined,
    onIncidentAttention: notifier ? (outstanding) => notifier.incidentPending(outstanding) : undefined,
    governance: {
      retentionDays: admin.retentionDays,
      wipeOnRevocation: admin.wipeOnRevocation,
      privacyBlur: admin.privacyBlur,
      maskPatientIdentifiers: admin.maskPatientIdentifiers === 'always',
      conversationPreviews: admin.conversationPreviews,
    },
    policySource: { kind: load.kind === 'managed' ? 'managed' : 'default', path: load.path, sha256: load.kind === 'managed' ? load.sha256 : null },
    exportFile: options.exportFile ?? noExportFile,
    clipboard: options.clipboard ?? null,
    ...(admin.server ? { serverDefaults: { domain: admin.server.domain, host: admin.server.host, port: admin.server.port } } : {}),
    displayExemptFromIdleLock: admin.displayExemptFromIdleLock,
    ...(options.wipeConfirmation ? { wipeConfirmation: options.wipeConfirmation } : {}),
    eraseDormantAfterDays: admin.eraseDormantProfilesAfterDays,
    incidentRooms: {
      ...(admin.incident?.announcementRoom ? { announcement: admin.incident.announcementRoom } : {}),
      ...(admin.incident?.coordinationRoom ? { coordination: admin.incident.coordinationRoom } : {}),
    },
    incidentDeclarers: admin.incident?.declarers ?? [],
  });
  const ready = session.init(policyFailureMessage(load));
  const info: AppInfo = { name: 'Wardline', version: options.version, shell: options.shell, platform: options.platform, pinRule: pinRule(policy.pinMinLength) };

  const dispatchNow = createDispatcher({
    appOrigin: options.appOrigin,
    isUnlocked: () => session.isUnlocked(),
    lockEpoch: () => session.epoch(),
    // A control-room display sees the incident and nothing else (allowlist: new channels are refused).
    profileAllows: (channel) => profileAllows(session.profileKind(), channel),
    onRefused: (channel, error, cause) =>
      log(`ipc refused channel=${channel} code=${error.code}${error.reference ? ` ref=${error.reference}` : ''}${cause ? ` cause=${cause}` : ''}`),
    handlers: requestHandlers(info, session, {
      ...(notifier ? { focus: (state: FocusState) => notifier.focus(state) } : {}),
      input: () => idle.noteInput(),
    }),
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

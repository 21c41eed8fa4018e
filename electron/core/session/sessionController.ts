/**
 * Owns who is signed in. Drives the lock state machine and performs its side
 * effects: unlocking opens the person's store with their unwrapped key,
 * locking closes it (the key leaves the worker with it), so "locked" is a
 * property of main, not of the UI. Transitions are serialised.
 */
import { DEFAULT_URGENT_INTERVAL_MS, DEFAULT_URGENT_MAX_REMINDERS } from '../chat/urgentReminders.js';
import { awaitingAnswer, IncidentReminders } from '../incident/incidentReminders.js';
import { join } from 'node:path';
import type { AccountView, AutoLock as AutoLockView, ConnectionView, ProfileKind, ProfileSummary, SessionState } from '../../common/contract.js';
import type { MentionTarget } from '../../common/mentions.js';
import { IncidentService } from '../incident/incidentService.js';
import type { IncidentRooms } from '../incident/incidentTypes.js';
import { bareJidOf } from '../messaging/jid.js';
import type { ChatAccount, ChatEvent, ChatService, ChatServiceOptions, ChatTrust, StartChat } from '../chat/chatTypes.js';
import type { CoreEvents } from '../events.js';
import { WardlineFailure } from '../ipc/failure.js';
import type { LockPolicy } from '../policy/lockPolicy.js';
import type { Draft, StoreError, WardlineStore } from '../store/index.js';
import { wallClockTrustFor } from '../governance/wallClockTrust.js';
import { isVaultError } from '../vault/vaultError.js';
import { storeOpenFailure } from './storeOpenFailure.js';
import type { ProfileListing, ProfileRegistry } from '../vault/profiles.js';
import type { ExportFile } from '../governance/exportFile.js';
import type { Governance } from '../governance/governanceService.js';
import type { AuditTrail } from '../governance/auditTrail.js';
import type { ClipboardPort } from '../governance/clipboard.js';
import { ProfileGovernance, type GovernancePolicy, type PolicySource } from './profileGovernance.js';
import { checkProfileIdentity, IDENTITY_CHANGED_MESSAGE, PROFILE_IDENTITY_SETTING, serialiseProfileIdentity, type ProfileIdentity } from './profileIdentity.js';
import { ChangeCoalescer } from './changeCoalescer.js';
import { AutoLock, effectiveIdleLimit, type IdleSource, type Ticker } from './autoLock.js';
import { initialLockState, nextLockState, type LockReason, type LockState, type PendingCounts } from './lockMachine.js';

/** `create` only when a profile is new: an existing profile whose database vanished must fail, not start empty. */
export type OpenStore = (path: string, keyHex: string, create: boolean) => Promise<WardlineStore>;

/** What the session needs of the vault (ProfileRegistry in the app). */
export type ProfileVault = Pick<
  ProfileRegistry,
  | 'listProfiles'
  | 'damaged'
  | 'createProfile'
  | 'unlockProfile'
  | 'changePin'
  | 'profileDetails'
  | 'removeProfile'
  | 'profileDir'
  | 'failureCounters'
  | 'markUsed'
  | 'eraseDormant'
>;

export interface SessionDeps {
  /**
   * Under a wipe-on-revocation policy, how long a refusal of a once-working account must last, and
   * how often it is asked again meanwhile, before the profile is erased (defaults above).
   */
  wipeConfirmation?: { afterMs: number; everyMs: number };
  registry: ProfileVault;
  openStore: OpenStore;
  events: CoreEvents;
  policy: LockPolicy;
  idle: IdleSource;
  ticker: Ticker;
  now: () => number;
  log: (line: string) => void;
  startChat: StartChat;
  chatTrust: ChatTrust;
  /** Warms the store's worker while the lock screen waits, so unlock is just KDF + open. */
  prepareStore?: () => void;
  /** Urgent re-notification interval and limit (notification policy). */
  urgent?: ChatServiceOptions['urgent'];
  /** Major incident: this many call-ins or instructions still await the person's answer (the notifier). */
  onIncidentAttention?: (outstanding: number) => void;
  /** Every event of the open profile's chat (the notifier); never called for a closed profile. */
  onChatEvent?: (event: ChatEvent) => void;
  /** Retention and revocation (admin policy), and where that policy came from (for the audit trail). */
  governance: GovernancePolicy;
  policySource: PolicySource;
  exportFile: ExportFile;
  /** The hospital's server from admin policy: accounts must be on its domain; its host and port are used. */
  serverDefaults?: { domain: string; host?: string; port?: number };
  /** The OS clipboard (Electron); null where there is none. */
  clipboard?: ClipboardPort | null;
  /** Admin policy: erase profiles nobody has unlocked or locked for this many days; null/absent = never. */
  eraseDormantAfterDays?: number | null;
  /** Admin policy: control-room display profiles do not lock when idle. */
  displayExemptFromIdleLock?: boolean;
  /** Admin policy: who may declare a major incident. Omitted or empty: nobody (fail closed). */
  incidentDeclarers?: readonly string[];
  /** Admin policy: the preconfigured major-incident rooms (every profile joins the announcement room). */
  incidentRooms?: IncidentRooms;
}

interface OpenProfile {
  profile: ProfileSummary & { role: string; kind: ProfileKind };
  /** Major-incident mode; started with messaging (it needs the account's JID). */
  incident: IncidentService | null;
  /** Settles once the incident service has read its stored incidents (failed or not). */
  incidentLoaded: Promise<void>;
  /** Re-notifies an unanswered call-in or unacknowledged instruction. */
  incidentReminders: IncidentReminders | null;
  store: WardlineStore;
  /** Null until the person has set up their messaging account. */
  chat: ChatService | null;
  /** The person's own shorter auto-lock, or null for the policy value. */
  personalIdleSeconds: number | null;
  governance: ProfileGovernance;
  /** The account the messaging service was started with. */
  account: ChatAccount | null;
  /** The person's messaging address, kept after a revocation forgot the password: notes name it. */
  address: string | null;
  /** Set when the server refused this account's credentials after it had worked. */
  revoked: { at: number; reason: string } | null;
  /** Closed and erased by the revocation policy: a lock queued meanwhile has nothing left to do. */
  erased: boolean;
}

const STORE_FILE = 'wardline.db';
/** How often an open profile's last use is written to profile.json (dormant-profile policy). */
const USE_STAMP_EVERY_MS = 60 * 60_000;
/** How often the dormant-profile sweep runs on its own, besides at start and after each lock. */
const DORMANT_SWEEP_EVERY_MS = 60 * 60_000;
/**
 * How long an OS-initiated lock waits for the window to hand over what is being typed (it saves
 * drafts for up to 500 ms, then asks for the lock itself: usually a few milliseconds).
 */
export const LOCK_HANDOVER_MS = 750;
/** A hung worker or network must not hold a lock open for long. */
const SHUTDOWN_STEP_MS = 5_000;
const STORE_FAILED_NOTICE =
  'Wardline locked because its encrypted store stopped working. Unlock to open it again; your messages are kept. If this happens again, tell IT.';
const AUTO_LOCK_SETTING = 'autoLockSeconds';
/** JSON ChatAccount, password included: it lives only inside the encrypted store. */
const ACCOUNT_SETTING = 'xmpp.account';
/** Set once the account has signed in: a later refusal of its credentials is a revocation. */
const SIGNED_IN_SETTING = 'xmpp.signedInOnce';
/** When the server first refused a once-working account (epoch ms): a wipe waits for it to be confirmed. */
const REFUSED_SINCE_SETTING = 'xmpp.refusedSince';
/** A refusal is taken for a revocation worth erasing a profile for only if it lasts this long... */
export const WIPE_CONFIRM_AFTER_MS = 15 * 60_000;
/** ...asking the server again this often meanwhile. */
export const WIPE_RECHECK_EVERY_MS = 5 * 60_000;
/** The policy announcement room this profile has joined (bookmarks rejoin it from then on). */
const WATCHED_ROOM_SETTING = 'incident.policyRoomJoined';

export class SessionController {
  #lock: LockState = { kind: 'no-profile' };
  #profiles: ProfileListing[] = [];
  #open: OpenProfile | null = null;
  #lockedProfileId: string | null = null;
  /** Why the last session ended, when the person must be told (revocation); cleared on unlock. */
  #notice: string | null = null;
  /** Set when the admin policy is invalid: the session never leaves this state. */
  #blocked: string | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  /** Bumped on every lock: work that started before a lock must not finish as if unlocked. */
  #epoch = 0;
  /**
   * Bumped only by lock() (OS lock, suspend, Lock now, idle, quit), never by the lock an unlock
   * does to the previous person. An unlock or a new profile compares it with its value when the
   * person asked: the OS locking while the PIN is checked (the KDF takes ~250 ms, and earlier
   * work may be queued) must not let the unlock finish behind the OS lock screen.
   */
  #lockRequests = 0;
  /** An OS lock waiting for the window's handover (see lockForOs). */
  #handover: { reason: LockReason; timer: NodeJS.Timeout; settle: (locked: Promise<SessionState>) => void; result: Promise<SessionState> } | null = null;
  readonly #autoLock: AutoLock;
  readonly #conversationsChanged = new ChangeCoalescer((conversationIds) => this.deps.events.emit('conversations:changed', { conversationIds }));
  /** Presence comes in floods at sign-in (the whole roster): the directory is told at most once a second. */
  readonly #directoryChanged = new ChangeCoalescer(() => this.deps.events.emit('directory:changed', {}), 1_000);
  #stopDormantSweeps: (() => void) | null = null;

  constructor(private readonly deps: SessionDeps) {
    this.#autoLock = new AutoLock(deps.idle, deps.ticker, (reason) => void this.lock(reason));
  }

  /** `blocked`: the message to show instead of any profile (an invalid admin policy). */
  async init(blocked: string | null = null): Promise<void> {
    this.#blocked = blocked;
    if (blocked !== null) {
      this.deps.log('policy invalid: every profile stays closed');
      return;
    }
    await this.#serial(async () => {
      await this.#eraseDormant();
      this.#profiles = await this.deps.registry.listProfiles();
      this.#lock = initialLockState(this.#profiles.length);
      this.deps.prepareStore?.();
    });
    // A ward PC can sit at the lock screen for days with nobody unlocking (so no lock sweeps):
    // it still sweeps every hour. Hourly also keeps each gap under the day after which a sweep only
    // notes the time.
    if (this.deps.eraseDormantAfterDays != null) {
      this.#stopDormantSweeps = this.deps.ticker.every(DORMANT_SWEEP_EVERY_MS, () => void this.#sweepDormant());
    }
  }

  state(): SessionState {
    if (this.#blocked !== null) return { kind: 'blocked', message: this.#blocked };
    const lock = this.#lock;
    // Only what the picker shows: names, and a coming erase once someone has guessed wrong.
    const profiles = this.#profiles.map(({ id, displayName, attemptsBeforeErase }) =>
      attemptsBeforeErase === undefined ? { id, displayName } : { id, displayName, attemptsBeforeErase },
    );
    const notice = this.#notice ?? damagedNotice(this.deps.registry.damaged);
    switch (lock.kind) {
      case 'no-profile':
        return { kind: 'no-profile', profiles, notice };
      case 'locked':
        return { kind: 'locked', profiles, lockedProfileId: this.#lockedProfileId, pending: lock.pending, notice };
      case 'unlocked': {
        const open = this.#requireOpen();
        return { kind: 'unlocked', profile: open.profile, autoLock: this.#autoLockView(open), privacyBlur: this.deps.governance.privacyBlur };
      }
    }
  }

  isUnlocked(): boolean {
    return this.#lock.kind === 'unlocked' && this.#open !== null;
  }

  /** The unlocked person's store; refuses while locked even if a caller forgot the contract flag. */
  store(): WardlineStore {
    return this.#requireOpen().store;
  }

  /**
   * Keeps the open profile's draft for a conversation. The list is told only when a conversation
   * gains or loses its draft marker, not on every pause in typing. False: no such conversation.
   */
  async saveDraft(conversationId: number, draft: Draft): Promise<boolean> {
    const saved = await this.store().saveDraft(conversationId, draft);
    if (saved === 'added' || saved === 'removed') this.#conversationsChanged.push([conversationId]);
    return saved !== 'no-conversation';
  }

  /**
   * Without messaging (not set up, or signed out) there is nobody to send read markers to, but the
   * local state still counts: the screens are told here, as the chat service would tell them.
   */
  async markRead(conversationId: number): Promise<void> {
    const chat = this.messagingIfRunning();
    if (chat !== null) return chat.markRead(conversationId);
    if (await this.store().markConversationRead(conversationId)) this.#conversationsChanged.push([conversationId]);
  }

  /** Creating a profile signs its owner straight in: they have just typed their PIN. */
  createProfile(input: { displayName: string; role: string; pin: string }): Promise<ProfileSummary> {
    const lockRequests = this.#lockRequests;
    return this.#serial(async () => {
      this.#refuseIfBlocked();
      // All checks and the KDF happen before anyone else's session is touched.
      const created = await this.deps.registry.createProfile(input);
      await this.#lockCurrent('user-switch');
      this.#profiles = await this.deps.registry.listProfiles();
      this.#transition({ type: 'profiles-changed', count: this.#profiles.length });
      try {
        await this.#openProfile(created.id, created.databaseKeyHex, { created: true, priorFailures: { consecutive: 0, lastFailureAt: null } }, lockRequests);
      } catch (error) {
        // Its store could not be made (a full disk): a profile whose store never existed would
        // otherwise stay in the picker for ever, "missing" at every unlock. Nothing of it was used.
        this.deps.log('profile create-failed');
        await this.deps.registry.removeProfile(created.id).catch(() => undefined);
        await this.#refreshProfiles().catch(() => undefined);
        // The store's own words are written for an unlock ("Your PIN is right, but…").
        if (!(error instanceof WardlineFailure && error.code === 'rejected')) throw error;
        throw new WardlineFailure('rejected', "Wardline could not create the profile's encrypted store on this computer (the disk may be full, or the folder protected), so no profile was made. Tell IT, then try again.");
      }
      this.deps.log('profile created');
      return { id: created.id, displayName: created.displayName };
    });
  }

  unlock(profileId: string, pin: string): Promise<SessionState> {
    const lockRequests = this.#lockRequests;
    return this.#serial(async () => {
      this.#refuseIfBlocked();
      if (!this.#profiles.some((p) => p.id === profileId)) {
        throw new WardlineFailure('not-found', 'That profile is not on this computer.');
      }
      // Read before the attempt (which resets them): the audit trail records the failures it ends.
      const priorFailures = await this.deps.registry.failureCounters(profileId);
      // Vault errors (wrong PIN, delay, keychain) pass through with their own messages.
      const keyHex = await this.deps.registry.unlockProfile(profileId, pin).catch((error: unknown) => this.#afterPinRefused(profileId, error));
      await this.#lockCurrent('user-switch');
      await this.#openProfile(profileId, keyHex, { created: false, priorFailures }, lockRequests);
      return this.state();
    });
  }

  /** The plain profile file against the copy sealed in the store (profileIdentity.ts). */
  async #checkIdentity(store: WardlineStore, identity: ProfileIdentity): Promise<void> {
    const check = checkProfileIdentity(await store.getSetting(PROFILE_IDENTITY_SETTING), identity);
    if (check.kind === 'record') await store.setSetting(PROFILE_IDENTITY_SETTING, serialiseProfileIdentity(identity));
    if (check.kind !== 'changed') return;
    this.deps.log(`session identity-mismatch fields=${check.fields.join(',')}`);
    await store.appendAudit({ at: this.deps.now(), kind: 'profile-tampered', actor: 'system', details: { fields: check.fields.join(',') } }).catch(() => undefined);
    throw new WardlineFailure('rejected', IDENTITY_CHANGED_MESSAGE);
  }

  async #openProfile(
    profileId: string,
    keyHex: string,
    unlock: Parameters<ProfileGovernance['opened']>[0],
    /** #lockRequests when the person asked for this. */
    lockRequests: number,
  ): Promise<void> {
    const epoch = this.#epoch;
    const store = await this.deps.openStore(this.#storePath(profileId), keyHex, unlock.created).catch((error: unknown) => {
      const failure = storeOpenFailure(error);
      if (failure === null) throw error;
      this.deps.log(`session store-open-failed kind=${(error as StoreError).kind}`);
      throw failure;
    });
    let open: OpenProfile | undefined;
    let account: ChatAccount | null;
    let address: string | null;
    try {
      const details = await this.deps.registry.profileDetails(profileId);
      await this.#checkIdentity(store, { displayName: details.displayName, role: details.role, kind: details.kind ?? 'person' });
      const saved = await store.getSetting(AUTO_LOCK_SETTING);
      const savedAccount = await readSavedAccount(store);
      address = savedAccount?.jid ?? null;
      account = savedAccount?.password === undefined ? null : { ...savedAccount, password: savedAccount.password };
      const person = { name: details.displayName, role: details.role };
      const partial: Omit<OpenProfile, 'governance'> = {
        profile: { id: details.id, displayName: details.displayName, role: details.role, kind: details.kind ?? 'person' },
        store,
        chat: null,
        incident: null,
        incidentLoaded: Promise.resolve(),
        incidentReminders: null,
        personalIdleSeconds: saved === null ? null : Number(saved),
        account,
        address,
        revoked: null,
        erased: false,
      };
      let lastUseStamp = this.deps.now();
      const governance = new ProfileGovernance({
        store,
        person,
        account: () => (open?.address ? { jid: open.address } : null),
        chat: () => open?.chat ?? null,
        policy: this.deps.governance,
        policySource: this.deps.policySource,
        exportFile: this.deps.exportFile,
        ticker: this.deps.ticker,
        now: this.deps.now,
        log: this.deps.log,
        changed: () => {
          if (open !== undefined && this.#open === open) this.#conversationsChanged.push([]);
        },
        incidentsPurged: (incidentIds) => open?.incident?.forget(incidentIds),
        openIncidents: () => open?.incident?.openIncidentIds() ?? [],
        isOpen: () => open !== undefined && this.#open === open && this.#lock.kind === 'unlocked',
        stillInUse: () => {
          // Hourly is plenty against a policy counted in days, and spares profile.json the writes.
          if (this.deps.now() - lastUseStamp < USE_STAMP_EVERY_MS) return;
          lastUseStamp = this.deps.now();
          void this.deps.registry.markUsed(profileId);
        },
        clipboard: this.deps.clipboard ?? null,
      });
      open = { ...partial, governance };
      // Audit entries and the retention sweep happen before anything is shown.
      await governance.opened(unlock);
    } catch (error) {
      await open?.governance.closing('open-failed').catch(() => {});
      await store.close().catch(() => {});
      throw error;
    }
    if (epoch !== this.#epoch || lockRequests !== this.#lockRequests || open === undefined) {
      // The OS locked (or someone pressed Lock) since the person asked: stay locked.
      await open?.governance.closing('locked-while-opening').catch(() => {});
      await store.close().catch(() => {});
      return;
    }
    this.#notice = null;
    this.#open = open;
    this.#lockedProfileId = profileId;
    this.#transition({ type: 'unlocked', profileId, at: this.deps.now() });
    // The store's worker died under the person (a native crash, out of memory): nothing can be
    // read or kept any more, so lock with a notice rather than answer every action with an error.
    store.onFailure((reason) => {
      if (this.#open !== open) return;
      this.deps.log(`session store-failed kind=${reason.kind}`);
      this.#notice = STORE_FAILED_NOTICE;
      void this.lock('store-failed');
    });
    if (account) this.#startChat(open, account);
    // A control-room display shows no patient data; policy may let it stay up unattended. The OS
    // screen lock still locks it (on Linux the auto-lock's check is the only way to notice that).
    const exempt = open.profile.kind === 'display' && this.deps.displayExemptFromIdleLock === true;
    if (exempt) this.deps.log('auto-lock exempt: control-room display');
    this.#autoLock.start(() => (exempt ? Infinity : this.#open ? this.#autoLockView(this.#open).seconds : this.deps.policy.idleLockSeconds));
  }

  /**
   * Locks at once, even if other work is queued: the screen is cleared first,
   * then the store and messaging are shut down. A failure while shutting down
   * never leaves content on screen.
   */
  lock(reason: LockReason): Promise<SessionState> {
    const handover = this.#handover;
    this.#handover = null;
    if (handover === null) return this.#lockAtOnce(reason);
    clearTimeout(handover.timer);
    // The window's own lock after a handover is the OS's lock, and is recorded as such.
    const locked = this.#lockAtOnce(reason === 'manual' ? handover.reason : reason);
    handover.settle(locked);
    return locked;
  }

  /**
   * The OS locked the screen or switched user. The OS already hides the window, so it is first
   * asked ('session:will-lock') to hand over what is being typed; it saves its drafts and then
   * asks for the lock itself. Without an answer the lock goes ahead after LOCK_HANDOVER_MS.
   * Suspend does not wait: the machine may sleep first and show the screen on waking.
   */
  lockForOs(reason: 'os-lock' | 'suspend' | 'user-switch'): Promise<SessionState> {
    if (reason === 'suspend' || this.#lock.kind !== 'unlocked') return this.lock(reason);
    if (this.#handover !== null) return this.#handover.result;
    let settle!: (locked: Promise<SessionState>) => void;
    const result = new Promise<SessionState>((resolve) => (settle = resolve));
    const timer = setTimeout(() => {
      // Worth knowing for IT: text typed just before this lock may not have been saved.
      this.deps.log(`lock handover unanswered reason=${reason}`);
      void this.lock(reason).catch(() => undefined);
    }, LOCK_HANDOVER_MS);
    timer.unref?.();
    this.#handover = { reason, timer, settle, result };
    this.deps.log(`lock handover reason=${reason}`);
    this.deps.events.emit('session:will-lock', {});
    return result;
  }

  #lockAtOnce(reason: LockReason): Promise<SessionState> {
    this.#lockRequests++;
    const open = this.#detach();
    if (open) {
      // Locked at once; the counts follow once read (null: the lock screen claims nothing meanwhile).
      this.#transition({ type: 'lock', reason, pending: null });
      this.deps.log(`locked reason=${reason}`);
    }
    return this.#serial(async () => {
      if (open && !open.erased) {
        this.#showPending(await this.#shutDown(open, reason));
        await this.deps.registry.markUsed(open.profile.id);
        // A ward PC may run for weeks without a restart: the dormant sweep also runs at each lock
        // (not at quit, which must stay quick: the next start sweeps).
        if (reason !== 'shutdown' && (await this.#eraseDormant(new Set([open.profile.id])))) await this.#refreshProfiles();
      }
      return this.state();
    });
  }

  /** Lock epoch, for callers that must not return data across a lock. */
  epoch(): number {
    return this.#epoch;
  }

  /** Needs the person's PIN: nobody else at a shared PC can erase their profile. */
  removeProfile(profileId: string, pin: string): Promise<void> {
    return this.#serial(async () => {
      this.#refuseIfBlocked();
      await this.deps.registry.unlockProfile(profileId, pin).catch((error: unknown) => this.#afterPinRefused(profileId, error));
      if (this.#open?.profile.id === profileId) await this.#lockCurrent('profile-removed');
      await this.#removeFiles(profileId);
      this.deps.log('profile removed');
    });
  }

  async #removeFiles(profileId: string): Promise<void> {
      await this.deps.registry.removeProfile(profileId);
      await this.#refreshProfiles();
  }

  /**
   * Every PIN check (unlock, Change PIN, Remove) ends a refusal here, then rethrows it. A policy
   * wipe of the open person's profile closes their session, then finishes erasing files the open
   * store kept (Windows cannot delete open files); the keychain entry is already gone. A wrong PIN
   * brings the picker's warning of a coming erase (attemptsBeforeErase) up to date.
   */
  async #afterPinRefused(profileId: string, error: unknown): Promise<never> {
    const wiped = isVaultError(error, 'wiped');
    if (wiped && this.#open?.profile.id === profileId) {
      await this.#lockCurrent('profile-removed');
      await this.deps.registry.removeProfile(profileId).catch((failure: unknown) => {
        if (!isVaultError(failure, 'not-found')) this.deps.log('profile wipe-unfinished');
      });
    }
    if (wiped || isVaultError(error, 'wrong-pin')) await this.#refreshProfiles().catch(() => undefined);
    throw error;
  }

  /** After profiles were removed: the picker's list, and no lock screen pointing at one that is gone. */
  async #refreshProfiles(): Promise<void> {
    this.#profiles = await this.deps.registry.listProfiles();
    if (!this.#profiles.some((profile) => profile.id === this.#lockedProfileId)) this.#lockedProfileId = null;
    this.#transition({ type: 'profiles-changed', count: this.#profiles.length });
  }

  /** The hourly sweep, in turn with unlocks and locks; the profile open now (if any) is spared. */
  #sweepDormant(): Promise<void> {
    return this.#serial(async () => {
      if (await this.#eraseDormant(new Set(this.#open ? [this.#open.profile.id] : []))) await this.#refreshProfiles();
    });
  }

  /**
   * The open profile's new PIN: its database key re-wrapped (the store is not re-encrypted). A
   * wrong current PIN is a failed unlock like any other; one that reaches a wipe policy's limit
   * locks first, so the profile is erased with its store closed.
   */
  changePin(currentPin: string, newPin: string): Promise<void> {
    return this.#serial(async () => {
      const open = this.#requireOpen();
      await this.deps.registry.changePin(open.profile.id, currentPin, newPin).catch((error: unknown) => this.#afterPinRefused(open.profile.id, error));
      open.governance.audit.recordQuietly('pin-changed');
      this.deps.log('profile pin-changed');
    });
  }

  setAutoLock(seconds: number): Promise<AutoLockView> {
    return this.#serial(async () => {
      const open = this.#requireOpen();
      const effective = effectiveIdleLimit(this.deps.policy.idleLockSeconds, seconds);
      await open.store.setSetting(AUTO_LOCK_SETTING, String(effective));
      open.personalIdleSeconds = effective;
      this.deps.events.emit('session:changed', this.state());
      return this.#autoLockView(open);
    });
  }

  /** The unlocked person's messaging service; refuses with a clear message before setup. */
  chat(): ChatService {
    const open = this.#requireOpen();
    if (!open.chat) throw new WardlineFailure('rejected', 'Set up your messaging account first.');
    return open.chat;
  }

  /** The messaging service if it runs: null before setup and after the server signed the person out. */
  messagingIfRunning(): ChatService | null {
    return this.#requireOpen().chat;
  }

  /** Whom a colleague's message must name to mention the unlocked person; null before messaging is set up. */
  mentionTarget(): MentionTarget | null {
    return this.#open?.chat?.mentionTarget() ?? null;
  }

  /** The unlocked person's major-incident service; refuses before messaging is set up. */
  incident(): IncidentService {
    const open = this.#requireOpen();
    if (!open.incident) throw new WardlineFailure('rejected', 'Set up your messaging account first.');
    return open.incident;
  }

  /** Incident timeline exports go through the shell's save port, recorded in the audit trail (no content). */
  /**
   * Saves files one after another (one save dialog each), all for the person unlocked now: after a
   * lock the rest are not offered, even if someone has unlocked meanwhile (their dialog would have
   * saved the first person's data, audited as theirs).
   */
  async saveExports(files: readonly { request: Omit<Parameters<ExportFile>[0], 'stillAllowed'>; what: string }[]): Promise<Awaited<ReturnType<ExportFile>>[]> {
    const open = this.#requireOpen();
    // A lock while the save dialog waits must not let a passer-by save the timeline.
    const stillAllowed = (): boolean => this.#open === open && this.#lock.kind === 'unlocked';
    const results: Awaited<ReturnType<ExportFile>>[] = [];
    for (const { request, what } of files) {
      const result = stillAllowed() ? await this.deps.exportFile({ ...request, stillAllowed }) : { saved: false, location: null };
      if (result.saved) await open.governance.audit.record('export', { what });
      results.push(result);
    }
    return results;
  }

  /** Null while locked. */
  profileKind(): ProfileKind | null {
    return this.#lock.kind === 'unlocked' ? (this.#open?.profile.kind ?? null) : null;
  }

  /** The open profile's name and role (prefill for incident responses). */
  person(): { name: string; role: string; jid: string | null } {
    const open = this.#requireOpen();
    return { name: open.profile.displayName, role: open.profile.role, jid: open.account === null ? null : open.account.jid.toLowerCase() };
  }

  connection(): ConnectionView {
    const open = this.#requireOpen();
    if (open.revoked) return { kind: 'revoked', ...open.revoked };
    return open.chat ? open.chat.connection() : { kind: 'not-configured' };
  }

  /** Transcribe-then-delete, the "Needs transcription" list and exports for the unlocked person. */
  governance(): Governance {
    return this.#requireOpen().governance.governance;
  }

  /** Whether messages shown must have NHS numbers masked (admin policy). */
  masksPatientIdentifiers(): boolean {
    return this.deps.governance.maskPatientIdentifiers;
  }

  /** Whether the conversation list shows the start of each newest message (admin policy). */
  showsConversationPreviews(): boolean {
    return this.deps.governance.conversationPreviews;
  }

  auditTrail(): AuditTrail {
    return this.#requireOpen().governance.audit;
  }

  async account(): Promise<AccountView | null> {
    const account = await readSavedAccount(this.#requireOpen().store);
    return account ? toAccountView(account) : null;
  }

  setAccount(typed: ChatAccount): Promise<AccountView> {
    const server = this.deps.serverDefaults;
    // With a hospital server in policy, only accounts on it: never a personal server whose domain
    // would then count as a colleague's. The policy's host and port win over typed ones.
    if (server && typed.jid.split('@')[1]?.toLowerCase() !== server.domain.toLowerCase()) {
      return Promise.reject(new WardlineFailure('rejected', `Use your hospital messaging account: an address ending in @${server.domain}.`));
    }
    const account: ChatAccount = { ...typed, host: server?.host ?? typed.host, port: server?.port ?? typed.port };
    if (account.host === undefined) delete account.host;
    if (account.port === undefined) delete account.port;
    return this.#serial(async () => {
      const open = this.#requireOpen();
      // A control-room display stays unlocked on a wall: a passer-by must not sign it into another
      // account. It signs in only when it has none, or the server signed it out.
      if (open.profile.kind === 'display' && open.account !== null && open.revoked === null) {
        throw new WardlineFailure('rejected', 'This display is already signed in. To use another account, IT removes the display profile and sets it up again.');
      }
      await open.store.setSetting(ACCOUNT_SETTING, JSON.stringify(account));
      await open.chat?.stop();
      await this.#stopIncident(open);
      open.chat = null;
      open.account = account;
      open.address = account.jid;
      open.revoked = null;
      await open.store.setSetting(SIGNED_IN_SETTING, '');
      await open.store.setSetting(REFUSED_SINCE_SETTING, '');
      // A lock may have happened while we awaited: never start messaging for a closed profile.
      if (this.#open !== open) throw new WardlineFailure('locked', 'Wardline is locked. Unlock with your PIN to continue.');
      this.#startChat(open, account);
      this.deps.log('messaging account set');
      return toAccountView(account);
    });
  }

  #startChat(open: OpenProfile, account: ChatAccount): void {
    const selfJid = account.jid.toLowerCase();
    const reminders = new IncidentReminders({
      intervalMs: this.deps.urgent?.intervalMs ?? DEFAULT_URGENT_INTERVAL_MS,
      maxReminders: this.deps.urgent?.maxReminders ?? DEFAULT_URGENT_MAX_REMINDERS,
      every: (ms, tick) => this.deps.ticker.every(ms, tick),
      notify: (outstanding) => {
        if (this.#open === open && open.incident === incident) this.deps.onIncidentAttention?.(outstanding);
      },
    });
    const incident: IncidentService = new IncidentService({
      store: open.store,
      chat: (): ChatService | null => (open.incident === incident ? open.chat : null),
      self: { jid: selfJid, name: open.profile.displayName, role: open.profile.role },
      now: this.deps.now,
      log: this.deps.log,
      changed: () => {
        if (this.#open !== open || open.incident !== incident) return;
        this.deps.events.emit('incident:changed', {});
        // Every open incident: a call-in of one not on screen still asks for an answer.
        reminders.update(incident.openIncidentIds().reduce((sum, id) => sum + awaitingAnswer(incident.board(id), selfJid), 0));
      },
      declarers: this.deps.incidentDeclarers ?? [],
    });
    open.incident = incident;
    open.incidentReminders = reminders;
    const chat = this.deps.startChat({
      onStructured: (delivery) => incident.receive(delivery),
      onForeignBounce: (bounce) => incident.bounced(bounce),
      keptRooms: async () => {
        await open.incidentLoaded;
        return this.#open === open ? this.incidentRoomsInUse() : new Set<string>();
      },
      store: open.store,
      account,
      trust: this.deps.chatTrust,
      self: { name: open.profile.displayName, role: open.profile.role },
      now: this.deps.now,
      log: this.deps.log,
      retainedSince: () => open.governance.retainedSince(),
      ...(this.deps.urgent ? { urgent: this.deps.urgent } : {}),
    });
    open.chat = chat;
    open.incidentLoaded = incident.start().catch(() => this.deps.log('incident load-failed'));
    chat.on((event) => {
      // Only the chat of the profile that is still open may speak to the renderer.
      if (this.#open !== open) return;
      // After this session's set-up has begun (it resets room state first): join once, then bookmarks keep it.
      if (event.type === 'signed-in') setImmediate(() => void this.#watchPolicyRoom(open, chat));
      // Incident messages that could not be sent before go out once rooms are rejoined: a room
      // refuses a message from someone not (yet) in it.
      if (event.type === 'session-ready') void incident.flush();
      void this.#governChatEvent(open, chat, event);
      if (event.type === 'connection') this.deps.events.emit('chat:connection', event.state);
      else if (event.type === 'conversations-changed') this.#conversationsChanged.push(event.conversationIds);
      else if (event.type === 'held-changed') this.deps.events.emit('held:changed', { senders: event.senders });
      else if (event.type === 'directory-changed') this.#directoryChanged.push([]);
      this.deps.onChatEvent?.(event);
    });
    this.deps.events.emit('chat:connection', chat.connection());
  }

  /** The policy's announcement room, joined (and bookmarked) once per profile so call-ins reach everyone. */
  async #watchPolicyRoom(open: OpenProfile, chat: ChatService): Promise<void> {
    const room = this.deps.incidentRooms?.announcement;
    if (room === undefined || this.#open !== open || open.chat !== chat) return;
    try {
      if ((await open.store.getSetting(WATCHED_ROOM_SETTING)) === room) return;
      // Only once it exists (IT creates it, or the first declaration does, moderated): never as its creator.
      await chat.joinRoom(room, 'Major incident announcements', { moderated: true, existingOnly: true });
      await open.store.setSetting(WATCHED_ROOM_SETTING, room);
      this.deps.log('incident joined policy announcement room');
    } catch (error) {
      this.deps.log(`incident policy-room-join-failed error=${error instanceof Error ? error.name : 'unknown'}`);
    }
  }

  /** incidentRoomsInUse() once the stored incidents are read: just after unlock an open one may not be yet. */
  async incidentRoomsInUseLoaded(): Promise<ReadonlySet<string>> {
    await this.#requireOpen().incidentLoaded;
    return this.incidentRoomsInUse();
  }

  /** Rooms a major incident uses: policy's standing rooms and those of incidents not closed (as bare JIDs). */
  incidentRoomsInUse(): ReadonlySet<string> {
    const rooms = [...Object.values(this.incidentRooms()), ...(this.#open?.incident?.roomsInUse() ?? [])];
    return new Set(rooms.flatMap((room) => bareJidOf(room) ?? []));
  }

  /** The preconfigured major-incident rooms from policy, if any. */
  incidentRooms(): IncidentRooms {
    return this.deps.incidentRooms ?? {};
  }

  /** Audit entries for sign-in and removals; a revoked account is signed out (and maybe wiped). */
  async #governChatEvent(open: OpenProfile, chat: ChatService, event: ChatEvent): Promise<void> {
    try {
      if (event.type === 'signed-in') {
        await open.store.setSetting(SIGNED_IN_SETTING, '1');
        await open.store.setSetting(REFUSED_SINCE_SETTING, '');
      }
      const workedBefore = event.type === 'credentials-refused' && (await open.store.getSetting(SIGNED_IN_SETTING)) === '1';
      if (workedBefore && this.deps.governance.wipeOnRevocation && !(await this.#refusalConfirmed(open, chat))) return;
      if ((await open.governance.onChatEvent(event, workedBefore)) !== 'revoke') return;
      const reason =
        event.type === 'credentials-refused' && event.condition === 'account-disabled'
          ? 'The hospital has disabled this messaging account.'
          : 'The server no longer accepts this messaging account (it may have been revoked or its password changed).';
      await this.#revoke(open, chat, reason);
    } catch {
      this.deps.log('governance chat-event-failed');
    }
  }

  /**
   * Before a refusal erases a profile: is it lasting? A server whose account backend is down (LDAP,
   * SQL) answers a correct password with the same not-authorized as a revoked one, so one refusal
   * would erase every ward PC's profiles, untranscribed advice included, in an outage. The first
   * refusal is remembered (across locks and restarts); the server is asked again until the refusal
   * has lasted WIPE_CONFIRM_AFTER_MS. A sign-in meanwhile forgets it.
   */
  async #refusalConfirmed(open: OpenProfile, chat: ChatService): Promise<boolean> {
    const { afterMs, everyMs } = this.deps.wipeConfirmation ?? { afterMs: WIPE_CONFIRM_AFTER_MS, everyMs: WIPE_RECHECK_EVERY_MS };
    const now = this.deps.now();
    const since = Number((await open.store.getSetting(REFUSED_SINCE_SETTING)) ?? '') || null;
    if (since !== null && now - since >= afterMs) return true;
    if (since === null) await open.store.setSetting(REFUSED_SINCE_SETTING, String(now));
    this.deps.log(`account refused unconfirmed since-ms=${since === null ? 0 : now - since}`);
    const timer = setTimeout(() => void this.#askAgain(open, chat), everyMs);
    timer.unref?.();
    return false;
  }

  /** Starts messaging again with the same account, to see whether the server still refuses it. */
  #askAgain(open: OpenProfile, chat: ChatService): Promise<void> {
    return this.#serial(async () => {
      if (this.#open !== open || open.chat !== chat || open.account === null) return;
      await chat.stop().catch(() => {});
      await this.#stopIncident(open).catch(() => {});
      open.chat = null;
      if (this.#open === open) this.#startChat(open, open.account);
    });
  }

  /** Signs the account out: messaging stops and its password is forgotten. Policy may wipe the profile. */
  #revoke(open: OpenProfile, chat: ChatService, reason: string): Promise<void> {
    return this.#serial(async () => {
      if (this.#open !== open || open.chat !== chat) return;
      await chat.stop().catch(() => {});
      await this.#stopIncident(open).catch(() => {});
      open.chat = null;
      // The password goes; the address stays, so "Sign in again" asks only for the password.
      await open.store.setSetting(ACCOUNT_SETTING, open.account === null ? '' : JSON.stringify(toAccountView(open.account)));
      open.account = null;
      open.revoked = { at: this.deps.now(), reason };
      this.deps.log(`account revoked wipe=${this.deps.governance.wipeOnRevocation}`);
      if (this.deps.governance.wipeOnRevocation) {
        const profileId = open.profile.id;
        if (this.#open === open) {
          await this.#lockCurrent('profile-removed');
        } else {
          // A lock took the screen while this ran; its shutdown waits behind this one. The store must
          // be closed before its files go (Windows cannot delete open files).
          await this.#shutDown(open, 'profile-removed');
        }
        open.erased = true;
        await this.#removeFiles(profileId);
        this.#notice = `${reason} As the hospital's policy requires, this profile and its messages were erased from this computer.`;
        this.deps.events.emit('session:changed', this.state());
        return;
      }
      this.deps.events.emit('chat:connection', { kind: 'revoked', ...open.revoked });
    });
  }

  async close(): Promise<void> {
    this.#stopDormantSweeps?.();
    await this.lock('shutdown');
    await this.#serial(async () => {});
  }

  #autoLockView(open: OpenProfile): AutoLockView {
    const policyMaxSeconds = this.deps.policy.idleLockSeconds;
    return { seconds: effectiveIdleLimit(policyMaxSeconds, open.personalIdleSeconds), policyMaxSeconds };
  }

  #refuseIfBlocked(): void {
    if (this.#blocked !== null) throw new WardlineFailure('rejected', this.#blocked);
  }

  #requireOpen(): OpenProfile {
    if (this.#lock.kind !== 'unlocked' || !this.#open) {
      throw new WardlineFailure('locked', 'Wardline is locked. Unlock with your PIN to continue.');
    }
    return this.#open;
  }

  /** Takes the open profile out of service synchronously; the caller shuts it down. */
  #detach(): OpenProfile | null {
    this.#epoch++;
    this.#autoLock.stop();
    this.#conversationsChanged.cancel();
    this.#directoryChanged.cancel();
    const open = this.#open;
    this.#open = null;
    return open;
  }

  /** For use inside #serial: lock whoever is unlocked before someone else signs in. */
  async #lockCurrent(reason: LockReason): Promise<void> {
    const open = this.#detach();
    if (!open) return;
    this.#transition({ type: 'lock', reason, pending: null });
    this.#showPending(await this.#shutDown(open, reason));
    if (reason !== 'profile-removed') await this.deps.registry.markUsed(open.profile.id);
  }

  /**
   * Erases profiles unused for longer than policy allows (retention cannot reach a profile nobody
   * opens). Runs at start and after each lock, never while a profile is being opened. The lock
   * screen says how many, never whose. True if any was erased.
   */
  async #eraseDormant(spare: ReadonlySet<string> = new Set()): Promise<boolean> {
    const days = this.deps.eraseDormantAfterDays;
    if (days === undefined || days === null) return false;
    // The registry's own check defers once after a jump; a wall clock still ahead of the boot
    // clock must not erase anyone at the next sweep either (the instance wardlineCore made for `now`).
    if (!wallClockTrustFor(this.deps.now).read().trusted) {
      this.deps.log('profiles dormant-sweep-deferred reason=wall-clock-ahead');
      return false;
    }
    const { erased, failed, deferred } = await this.deps.registry.eraseDormant(days, spare).catch((error: unknown) => {
      this.deps.log(`profiles dormant-sweep-failed error=${error instanceof Error ? error.name : 'unknown'}`);
      return { erased: 0, failed: 0, deferred: false };
    });
    if (deferred) this.deps.log('profiles dormant-sweep-deferred (first sweep, or the clock moved back or more than a day)');
    if (failed > 0) this.deps.log(`profiles dormant-erase-failed count=${failed}`);
    if (erased === 0) return false;
    this.deps.log(`profiles dormant-erased count=${erased} days=${days}`);
    const one = erased === 1;
    this.#notice =
      `${one ? 'One profile' : `${erased} profiles`} not used for ${days} days ${one ? 'was' : 'were'} erased from this computer, ` +
      `with ${one ? 'its' : 'their'} messages, as the hospital's policy requires.`;
    return true;
  }

  /** Stops messaging, reads the lock-screen counts and closes the store (whatever happens to its worker); never throws. */
  async #shutDown(open: OpenProfile, reason: LockReason): Promise<PendingCounts | null> {
    let pending: PendingCounts | null = null;
    // Once a step times out the store is taken to be stuck: the steps that need it are skipped
    // (each would wait its full limit), and close() stops its worker whatever state it is in.
    let stuck = false;
    const step = async (work: () => Promise<void>, failed: string, onStore = true): Promise<void> => {
      if (stuck && onStore) return this.deps.log(`${failed} (store stuck)`);
      try {
        await withTimeout(work(), SHUTDOWN_STEP_MS);
      } catch (error) {
        if (error instanceof ShutdownStepTimeout && onStore) stuck = true;
        this.deps.log(failed);
      }
    };
    // First, before anything that may be slow: a copied transcription note must not outlive the lock screen.
    await step(() => open.governance.governance.forgetClipboard(), 'lock: clipboard not cleared', false);
    // Messaging may be slow to stop for the network's sake: that says nothing about the store.
    await step(async () => void (await open.chat?.stop()), 'lock: messaging did not stop cleanly', false);
    await step(() => this.#stopIncident(open), 'lock: incident events not written');
    await step(async () => {
      const counts = await open.store.unreadCounts();
      pending = { messages: counts.unread, urgent: counts.urgent };
    }, 'lock: counts unavailable');
    await step(() => open.governance.closing(reason), 'lock: audit entry not written');
    await open.store.close().catch(() => this.deps.log('lock: store did not close cleanly'));
    return pending;
  }

  /** Stops incident work and lets its last writes reach the store before it closes. */
  async #stopIncident(open: OpenProfile): Promise<void> {
    const incident = open.incident;
    open.incident = null;
    open.incidentReminders?.stop();
    open.incidentReminders = null;
    if (incident === null) return;
    incident.stop();
    await incident.idle();
  }

  #showPending(pending: PendingCounts | null): void {
    if (this.#lock.kind === 'locked' && pending !== null) {
      this.#transition({ type: 'lock', reason: this.#lock.reason === 'startup' ? 'manual' : this.#lock.reason, pending });
    }
  }

  #storePath(profileId: string): string {
    return join(this.deps.registry.profileDir(profileId), STORE_FILE);
  }

  #transition(event: Parameters<typeof nextLockState>[1]): void {
    this.#lock = nextLockState(this.#lock, event);
    if (this.#lock.kind !== 'unlocked') this.deps.prepareStore?.();
    this.deps.events.emit('session:changed', this.state());
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => {});
    return run;
  }
}

/** What "Sign in again" fills in: the address and server settings, kept when a revocation forgot the password. */
async function readSavedAccount(store: WardlineStore): Promise<(Omit<ChatAccount, 'password'> & { password?: string }) | null> {
  const raw = await store.getSetting(ACCOUNT_SETTING);
  if (raw === null || raw === '') return null;
  try {
    const parsed = JSON.parse(raw) as Partial<ChatAccount>;
    if (typeof parsed.jid !== 'string') return null;
    return {
      jid: parsed.jid,
      ...(typeof parsed.password === 'string' ? { password: parsed.password } : {}),
      ...(typeof parsed.host === 'string' ? { host: parsed.host } : {}),
      ...(typeof parsed.port === 'number' ? { port: parsed.port } : {}),
    };
  } catch {
    return null;
  }
}

function toAccountView(account: Omit<ChatAccount, 'password'>): AccountView {
  return { jid: account.jid, host: account.host ?? null, port: account.port ?? null };
}

/** Said at the picker: a profile whose file cannot be read is not offered, and must not vanish unexplained. */
function damagedNotice(count: number): string | null {
  if (count === 0) return null;
  const which = count === 1 ? 'One profile on this computer cannot be read: its file is' : `${count} profiles on this computer cannot be read: their files are`;
  return `${which} damaged, so ${count === 1 ? 'it is' : 'they are'} not shown here. The messages stay encrypted on this computer. Ask IT to restore the profile folder from backup.`;
}

class ShutdownStepTimeout extends Error {}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ShutdownStepTimeout('timed out')), ms);
    timer.unref?.();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

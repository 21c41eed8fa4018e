/**
 * Owns who is signed in. Drives the lock state machine and performs its side
 * effects: unlocking opens the person's store with their unwrapped key,
 * locking closes it (the key leaves the worker with it), so "locked" is a
 * property of main, not of the UI. Transitions are serialised.
 */
import { join } from 'node:path';
import type { AutoLock as AutoLockView, ProfileSummary, SessionState } from '../../common/contract.js';
import type { CoreEvents } from '../events.js';
import { WardlineFailure } from '../ipc/failure.js';
import type { LockPolicy } from '../policy/lockPolicy.js';
import type { WardlineStore } from '../store/index.js';
import type { ProfileListing, ProfileRegistry } from '../vault/profiles.js';
import { AutoLock, effectiveIdleLimit, type IdleSource, type Ticker } from './autoLock.js';
import { initialLockState, nextLockState, type LockReason, type LockState, type PendingCounts } from './lockMachine.js';

export type OpenStore = (path: string, keyHex: string) => Promise<WardlineStore>;

export interface SessionDeps {
  registry: ProfileRegistry;
  openStore: OpenStore;
  events: CoreEvents;
  policy: LockPolicy;
  idle: IdleSource;
  ticker: Ticker;
  now: () => number;
  log: (line: string) => void;
}

interface OpenProfile {
  profile: ProfileSummary & { role: string };
  store: WardlineStore;
  /** The person's own shorter auto-lock, or null for the policy value. */
  personalIdleSeconds: number | null;
}

const STORE_FILE = 'wardline.db';
const AUTO_LOCK_SETTING = 'autoLockSeconds';

export class SessionController {
  #lock: LockState = { kind: 'no-profile' };
  #profiles: ProfileListing[] = [];
  #open: OpenProfile | null = null;
  #lockedProfileId: string | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #autoLock: AutoLock;

  constructor(private readonly deps: SessionDeps) {
    this.#autoLock = new AutoLock(deps.idle, deps.ticker, () => void this.lock('idle'));
  }

  async init(): Promise<void> {
    await this.#serial(async () => {
      this.#profiles = await this.deps.registry.listProfiles();
      this.#lock = initialLockState(this.#profiles.length);
    });
  }

  state(): SessionState {
    const lock = this.#lock;
    const profiles = this.#profiles.map(({ id, displayName }) => ({ id, displayName }));
    switch (lock.kind) {
      case 'no-profile':
        return { kind: 'no-profile', profiles };
      case 'locked':
        return { kind: 'locked', profiles, lockedProfileId: this.#lockedProfileId, pending: lock.pending };
      case 'unlocked': {
        const open = this.#requireOpen();
        return { kind: 'unlocked', profile: open.profile, autoLock: this.#autoLockView(open) };
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

  /** Creating a profile signs its owner straight in: they have just typed their PIN. */
  createProfile(input: { displayName: string; role: string; pin: string }): Promise<ProfileSummary> {
    return this.#serial(async () => {
      await this.#closeOpen();
      const created = await this.deps.registry.createProfile(input);
      this.#profiles = await this.deps.registry.listProfiles();
      this.#transition({ type: 'profiles-changed', count: this.#profiles.length });
      await this.#openProfile(created.id, created.databaseKeyHex);
      this.deps.log('profile created');
      return { id: created.id, displayName: created.displayName };
    });
  }

  unlock(profileId: string, pin: string): Promise<SessionState> {
    return this.#serial(async () => {
      if (!this.#profiles.some((p) => p.id === profileId)) {
        throw new WardlineFailure('not-found', 'That profile is not on this computer.');
      }
      // Vault errors (wrong PIN, delay, keychain) pass through with their own messages.
      const keyHex = await this.deps.registry.unlockProfile(profileId, pin);
      await this.#closeOpen();
      await this.#openProfile(profileId, keyHex);
      return this.state();
    });
  }

  async #openProfile(profileId: string, keyHex: string): Promise<void> {
    const details = await this.deps.registry.profileDetails(profileId);
    const store = await this.deps.openStore(this.#storePath(profileId), keyHex);
    const saved = await store.getSetting(AUTO_LOCK_SETTING);
    this.#open = {
      profile: { id: details.id, displayName: details.displayName, role: details.role },
      store,
      personalIdleSeconds: saved === null ? null : Number(saved),
    };
    this.#lockedProfileId = profileId;
    this.#transition({ type: 'unlocked', profileId, at: this.deps.now() });
    this.#autoLock.start(() => (this.#open ? this.#autoLockView(this.#open).seconds : this.deps.policy.idleLockSeconds));
  }

  lock(reason: LockReason): Promise<SessionState> {
    return this.#serial(async () => {
      if (this.#lock.kind !== 'unlocked') return this.state();
      const pending = await this.#closeOpen();
      this.#transition({ type: 'lock', reason, pending });
      this.deps.log(`locked reason=${reason}`);
      return this.state();
    });
  }

  /** Needs the person's PIN: nobody else at a shared PC can erase their profile. */
  removeProfile(profileId: string, pin: string): Promise<void> {
    return this.#serial(async () => {
      await this.deps.registry.unlockProfile(profileId, pin);
      if (this.#open?.profile.id === profileId) {
        const pending = await this.#closeOpen();
        this.#transition({ type: 'lock', reason: 'profile-removed', pending });
      }
      await this.deps.registry.removeProfile(profileId);
      if (this.#lockedProfileId === profileId) this.#lockedProfileId = null;
      this.#profiles = await this.deps.registry.listProfiles();
      this.#transition({ type: 'profiles-changed', count: this.#profiles.length });
      this.deps.log('profile removed');
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

  async close(): Promise<void> {
    this.#autoLock.stop();
    await this.#serial(() => this.#closeOpen());
  }

  #autoLockView(open: OpenProfile): AutoLockView {
    const policyMaxSeconds = this.deps.policy.idleLockSeconds;
    return { seconds: effectiveIdleLimit(policyMaxSeconds, open.personalIdleSeconds), policyMaxSeconds };
  }

  #requireOpen(): OpenProfile {
    if (this.#lock.kind !== 'unlocked' || !this.#open) {
      throw new WardlineFailure('locked', 'Wardline is locked. Unlock with your PIN to continue.');
    }
    return this.#open;
  }

  /** Closes the open store, returning the counts the lock screen may show. */
  async #closeOpen(): Promise<PendingCounts> {
    this.#autoLock.stop();
    const open = this.#open;
    this.#open = null;
    if (!open) return { messages: 0, urgent: 0 };
    let pending: PendingCounts = { messages: 0, urgent: 0 };
    try {
      const counts = await open.store.unreadCounts();
      pending = { messages: counts.unread, urgent: counts.urgent };
    } finally {
      await open.store.close();
    }
    return pending;
  }

  #storePath(profileId: string): string {
    return join(this.deps.registry.profileDir(profileId), STORE_FILE);
  }

  #transition(event: Parameters<typeof nextLockState>[1]): void {
    this.#lock = nextLockState(this.#lock, event);
    this.deps.events.emit('session:changed', this.state());
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => {});
    return run;
  }
}

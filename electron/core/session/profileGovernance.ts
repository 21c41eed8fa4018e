/**
 * The governance side of one unlocked profile: its audit trail, transcribe-then-delete, the
 * retention sweeps, and what the audit trail records about the session itself (unlock, failed
 * PINs before it, policy load, sign-in, lock, revocation). Created when a profile opens and
 * stopped when it locks; the session controller owns it.
 */
import type { ChatEvent, ChatService } from '../chat/chatTypes.js';
import { AuditTrail } from '../governance/auditTrail.js';
import { NoteClipboard, type ClipboardPort } from '../governance/clipboard.js';
import type { ExportFile } from '../governance/exportFile.js';
import { Governance } from '../governance/governanceService.js';
import { RETENTION_SWEEP_MS, retentionCutoff, sweepRetention } from '../governance/retention.js';
import { wallClockTrustFor, type WallClockTrust } from '../governance/wallClockTrust.js';
import type { WardlineStore } from '../store/index.js';
import type { Ticker } from './autoLock.js';

/** Where the policy in force came from, as the audit trail records it. */
export interface PolicySource {
  kind: 'default' | 'managed';
  path: string;
  sha256: string | null;
}

export interface GovernancePolicy {
  retentionDays: number;
  wipeOnRevocation: boolean;
  privacyBlur: boolean;
  /** Replace NHS numbers with a mask in every message shown (policy 'always'). */
  maskPatientIdentifiers: boolean;
  /** Show the start of the newest message in the conversation list. */
  conversationPreviews: boolean;
}

export interface ProfileGovernanceDeps {
  store: WardlineStore;
  person: { name: string; role: string };
  account(): { jid: string } | null;
  chat(): ChatService | null;
  policy: GovernancePolicy;
  policySource: PolicySource;
  exportFile: ExportFile;
  ticker: Ticker;
  now(): number;
  /** Whether now() can date deletions; default: the one kept for this `now` (wallClockTrustFor). */
  wallClock?: WallClockTrust;
  log(line: string): void;
  /** Conversations changed under the UI (a purge, originals removed after transcription). */
  changed(): void;
  /** Retention deleted these incidents from the store. */
  incidentsPurged(incidentIds: readonly string[]): void;
  /** Incidents declared and not yet closed: retention keeps them longer. */
  openIncidents(): readonly string[];
  /** Is this profile still the unlocked one? */
  isOpen(): boolean;
  /** Called on each periodic sweep while open: the profile is in use (for the dormant-profile policy). */
  stillInUse?(): void;
  clipboard: ClipboardPort | null;
}

export class ProfileGovernance {
  readonly audit: AuditTrail;
  readonly governance: Governance;
  readonly #wallClock: WallClockTrust;
  #stopSweeps: (() => void) | null = null;

  constructor(private readonly deps: ProfileGovernanceDeps) {
    this.#wallClock = deps.wallClock ?? wallClockTrustFor(deps.now);
    this.audit = new AuditTrail({ store: deps.store, actor: `${deps.person.name} (${deps.person.role})`, now: deps.now, log: deps.log });
    this.governance = new Governance({
      store: deps.store,
      audit: this.audit,
      person: deps.person,
      account: deps.account,
      chat: deps.chat,
      exportFile: deps.exportFile,
      retentionDays: deps.policy.retentionDays,
      now: deps.now,
      isOpen: deps.isOpen,
      clipboard: deps.clipboard ? new NoteClipboard(deps.clipboard) : null,
      changed: deps.changed,
    });
  }

  /**
   * Messages sent before this have outlived the retention policy (the archive catch-up drops them
   * and moves past them for good). While the wall clock is implausibly ahead, counted from where
   * the boot clock puts it instead, so a wrong year does not drop a whole archive.
   */
  retainedSince(): number {
    return retentionCutoff(this.#wallClock.read().now, this.deps.policy.retentionDays);
  }

  /**
   * Runs as the profile opens, before anything is shown: the audit entries for this unlock,
   * then a retention sweep (a profile closed for longer than the lifespan is purged first).
   */
  async opened(unlock: { created: boolean; priorFailures: { consecutive: number; lastFailureAt: number | null } }): Promise<void> {
    const { audit } = this;
    if (unlock.priorFailures.consecutive > 0) {
      await audit.record('unlock-failed', { attempts: unlock.priorFailures.consecutive, lastAttemptAt: unlock.priorFailures.lastFailureAt });
    }
    await audit.record('unlock', { created: unlock.created });
    const source = this.deps.policySource;
    await audit.record('policy-load', { source: source.kind, path: source.path, sha256: source.sha256, retentionDays: this.deps.policy.retentionDays });
    await this.#sweep();
    this.#stopSweeps = this.deps.ticker.every(RETENTION_SWEEP_MS, () => {
      this.deps.stillInUse?.();
      void this.#sweep();
    });
  }

  /** Audit entries for what messaging reports. Returns 'revoke' when the account must be signed out. */
  async onChatEvent(event: ChatEvent, workedBefore: boolean): Promise<'revoke' | null> {
    switch (event.type) {
      case 'signed-in':
        this.audit.recordQuietly('sign-in', { account: event.jid });
        return null;
      case 'removed-after-transcription':
        this.audit.recordQuietly('retraction-received', { conversationId: event.conversationId, messageIds: String(event.messageId), by: event.by, reason: 'transcribed' });
        return null;
      case 'credentials-refused':
        // A first sign-in with a mistyped password is not a revocation: only an account that worked.
        if (!workedBefore) return null;
        await this.audit.record('account-revoked', { condition: event.condition, wipe: this.deps.policy.wipeOnRevocation });
        return 'revoke';
      default:
        return null;
    }
  }

  /** Before the store closes on lock: the last audit entry of the session. */
  async closing(reason: string): Promise<void> {
    this.#stopSweeps?.();
    this.#stopSweeps = null;
    await this.governance.forgetClipboard().catch(() => this.deps.log('governance clipboard-clear-failed'));
    await this.audit.record('lock', { reason });
  }

  async #sweep(): Promise<void> {
    try {
      await sweepRetention({
        store: this.deps.store,
        audit: this.audit,
        days: this.deps.policy.retentionDays,
        now: this.deps.now,
        wallClock: this.#wallClock,
        log: this.deps.log,
        changed: this.deps.changed,
        incidentsPurged: this.deps.incidentsPurged,
        openIncidents: this.deps.openIncidents,
        expireHeld: (before) => this.deps.chat()?.expireHeld(before) ?? Promise.resolve(0),
      });
    } catch {
      this.deps.log('retention sweep-failed');
    }
  }
}

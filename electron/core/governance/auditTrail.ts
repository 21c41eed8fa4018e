/**
 * The governance audit trail (NHS IM guidance: transcription, deletion and retention must be
 * accountable). Every entry goes to the profile's hash-chained audit_log inside the encrypted
 * store. Entries hold metadata only (kinds, counts, ids, times, reasons): never message text,
 * never patient identifiers.
 */
import type { AuditEntry, WardlineStore } from '../store/index.js';

export type AuditKind =
  | 'sign-in'
  | 'unlock'
  | 'unlock-failed'
  | 'pin-changed'
  | 'lock'
  | 'transcription'
  | 'deletion'
  | 'retraction-received'
  | 'retention-purge'
  | 'export'
  | 'policy-load'
  | 'account-revoked'
  /** This person took someone's membership of a team room away (who can read it changed). */
  | 'room-member-removed';

export type AuditDetails = Readonly<Record<string, string | number | boolean | null>>;

export interface AuditTrailDeps {
  store: Pick<WardlineStore, 'appendAudit' | 'listAudit' | 'verifyAuditChain'>;
  /** Who is acting: the unlocked person ("Name (Role)"). */
  actor: string;
  now(): number;
  log(line: string): void;
}

export class AuditTrail {
  constructor(private readonly deps: AuditTrailDeps) {}

  /** Who the entries name as acting. */
  get actor(): string {
    return this.deps.actor;
  }

  /** Appends one entry. A failure is logged (kind only) and rethrown: governance steps must not pass unrecorded. */
  async record(kind: AuditKind, details: AuditDetails = {}, at: number = this.deps.now()): Promise<AuditEntry> {
    try {
      return await this.deps.store.appendAudit({ at, kind, actor: this.deps.actor, details });
    } catch (error) {
      this.deps.log(`audit append-failed kind=${kind}`);
      throw error;
    }
  }

  /** For steps whose own outcome must not depend on the audit write (lock, sign-in): logged, not thrown. */
  recordQuietly(kind: AuditKind, details: AuditDetails = {}, at?: number): void {
    this.record(kind, details, at).catch(() => undefined);
  }

  /** Newest first, with whether the whole chain still verifies. */
  async view(limit: number): Promise<{ entries: AuditEntry[]; chainIntact: boolean }> {
    const [entries, chainIntact] = await Promise.all([this.deps.store.listAudit(limit), this.deps.store.verifyAuditChain()]);
    return { entries, chainIntact };
  }
}

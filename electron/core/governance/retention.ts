/**
 * Retention (NHS IM guidance: confidential information is deleted automatically after a set
 * period). Messages older than the policy's lifespan are deleted with no remnant when the
 * profile is unlocked (so a profile left closed for longer than the lifespan is purged before
 * anything is shown) and then periodically while it stays open. Major incidents (names, roles,
 * locations, METHANE text) go whole once their first record is older than the lifespan; one
 * still open on the board is kept until twice the lifespan.
 */
import type { AuditTrail } from './auditTrail.js';
import type { WallClockTrust } from './wallClockTrust.js';
import { purgeFormDraftsBefore } from '../incident/formDrafts.js';
import type { WardlineStore } from '../store/index.js';

const DAY_MS = 24 * 60 * 60_000;
/** While unlocked, sweep this often. */
export const RETENTION_SWEEP_MS = 10 * 60_000;

/** Messages sent before this instant have outlived a lifespan of `days`. */
export function retentionCutoff(now: number, days: number): number {
  return now - days * DAY_MS;
}

/** When a message sent at `sentAt` will be purged. */
export function expiresAt(sentAt: number, days: number): number {
  return sentAt + days * DAY_MS;
}

export interface RetentionDeps {
  store: Pick<WardlineStore, 'purgeSentBefore' | 'purgeIncidentsBefore' | 'getSetting' | 'setSetting'>;
  audit: AuditTrail;
  days: number;
  now(): number;
  /**
   * Is now() believable? A wall clock that jumped ahead of the boot clock defers the sweep (logged,
   * nothing deleted). Absent: now() is taken as it is (tests of the purge itself).
   */
  wallClock?: Pick<WallClockTrust, 'read'>;
  log(line: string): void;
  /** Conversations may have lost messages: the renderer re-reads. */
  changed(): void;
  /** These incidents were deleted: the running incident service forgets them. */
  incidentsPurged(incidentIds: readonly string[]): void;
  /** Incidents declared and not yet closed (kept until twice the lifespan). */
  openIncidents(): readonly string[];
  /**
   * Held messages from outside senders sent before the cutoff go too (messaging holds them while it
   * runs; a long session, a wall display, would keep them past the lifespan). Returns how many.
   */
  expireHeld?(before: number): Promise<number>;
}

/**
 * One sweep: purge, record it (counts only), tell the UI. Returns how many messages were deleted.
 * Deferred to the next sweep while the wall clock is not trusted: a purge cannot be undone.
 */
export async function sweepRetention(deps: RetentionDeps): Promise<number> {
  if (deps.wallClock?.read().trusted === false) {
    deps.log('retention sweep-deferred reason=wall-clock-ahead');
    return 0;
  }
  const now = deps.now();
  const cutoff = retentionCutoff(now, deps.days);
  // A message still waiting in the outbox gets one more lifespan to leave (as an open incident does), no more.
  const { deleted, checkpointed } = await deps.store.purgeSentBefore(cutoff, retentionCutoff(now, 2 * deps.days));
  const incidents = await deps.store.purgeIncidentsBefore(cutoff, deps.openIncidents(), retentionCutoff(now, 2 * deps.days));
  // Half-filled incident forms go the way of the composer's drafts (those go with the messages).
  const formDrafts = await purgeFormDraftsBefore(deps.store, cutoff);
  // Never at the cost of the record of what was purged above: a held list that cannot be written
  // (a full disk, messaging stopping at a lock) is tried again at the next sweep.
  const held =
    (await deps.expireHeld?.(cutoff).catch(() => {
      deps.log('retention held-expiry-failed');
      return 0;
    })) ?? 0;
  if (deleted > 0 || incidents.incidentIds.length > 0 || held > 0) {
    await deps.audit.record('retention-purge', {
      deleted,
      held,
      incidents: incidents.incidentIds.length,
      incidentEvents: incidents.events,
      cutoff,
      retentionDays: deps.days,
      walTruncated: checkpointed,
    });
  }
  if (incidents.incidentIds.length > 0) deps.incidentsPurged(incidents.incidentIds);
  if (deleted > 0) deps.changed();
  deps.log(`retention swept deleted=${deleted} held=${held} incidents=${incidents.incidentIds.length} form-drafts=${formDrafts} checkpointed=${checkpointed}`);
  return deleted;
}

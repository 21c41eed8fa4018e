/**
 * Clinical governance in the store: transcription marks, removal after transcription (with a
 * tombstone, and no remnant of the text), retractions from others, retention purges, the
 * "Needs transcription" list and reading the audit trail. Synchronous over the SqlDatabase
 * port; runs in the store worker. Every removal blanks or deletes the row in one transaction;
 * the FTS5 triggers (secure-delete) drop the tokens and the caller checkpoints the WAL.
 */
import { randomBytes } from 'node:crypto';
import { appendAuditEntry } from './auditLog.js';
import { messageColumns, toStoredMessage } from './messageRows.js';
import { PENDING_RETRACTIONS_SETTING, parsePendingRetractions, type PendingRetraction } from './pendingRetractions.js';
import { readNumber, readOptionalString, readString } from './rowReaders.js';
import type { SqlDatabase, SqlRow, SqlStatement } from './sqlPort.js';
import { StatementCache } from './statementCache.js';
import { invalid, requireInteger, requireText } from './storeArguments.js';
import type { RetractionInput } from './outboxTypes.js';
import type { AuditEntry, StoredMessage } from './storeTypes.js';

export interface TranscriptionMark {
  /** Who transcribed, as shown in the conversation ("Name (Role)"). */
  by: string;
  at: number;
  recordReference: string | null;
}

export interface Remover {
  jid: string;
  name: string;
  at: number;
}

/** Removal after transcription, as the person asked for it. */
export interface RemovalRequest extends Remover {
  /** Who is acting, for the audit entry ("Name (Role)"). */
  actor: string;
  /** Queue retractions for the other participants (they wait in the store until messaging sends them). */
  retract: boolean;
}

export interface RemovalOutcome {
  removed: RemovedMessage[];
  /** Retractions queued for the other participants; fewer than removed when a message has no id to retract by. */
  retractionsQueued: number;
}

/** What the other participants need to retract their copy (XEP-0424). */
export interface RemovedMessage {
  id: number;
  originId: string | null;
  serverId: string | null;
}

export interface NeedsTranscription {
  messageId: number;
  conversationId: number;
  conversationTitle: string;
  senderName: string;
  sentAt: number;
}

const maxIds = 500;
const maxAudit = 5_000;

export class GovernanceQueries {
  private readonly statements: StatementCache;

  constructor(private readonly db: SqlDatabase) {
    this.statements = new StatementCache(db);
  }

  /** The named messages of one conversation, oldest first; ids from elsewhere are left out. */
  messagesByIds(conversationId: number, ids: readonly number[]): StoredMessage[] {
    requireInteger(conversationId, 'conversationId');
    const wanted = requireIds(ids);
    const find = this.statement(`SELECT ${messageColumns} FROM messages WHERE id = ? AND conversation_id = ?`);
    return wanted
      .map((id) => find.get([id, conversationId]))
      .filter((row) => row !== undefined)
      .map(toStoredMessage)
      .sort((a, b) => a.sentAt - b.sentAt || a.id - b.id);
  }

  /** Marks messages that still have their text as transcribed; returns how many. */
  markTranscribed(conversationId: number, ids: readonly number[], mark: TranscriptionMark): number {
    requireInteger(conversationId, 'conversationId');
    requireText(mark.by, 'by');
    requireInteger(mark.at, 'at');
    const update = this.statement(
      `UPDATE messages SET transcribed_by = ?, transcribed_at = ?, record_reference = ?
       WHERE id = ? AND conversation_id = ? AND retracted_at IS NULL AND body IS NOT NULL`,
    );
    return this.db.transaction(() =>
      requireIds(ids).reduce((count, id) => count + update.run([mark.by, mark.at, mark.recordReference, id, conversationId]).changes, 0),
    );
  }

  /**
   * Removes the text of transcribed messages, leaving a tombstone that says who removed them and
   * when. Untranscribed messages are left alone: the originals go only once the record has them.
   * The tombstones, the retractions for the other participants and the audit entry are one
   * transaction: a removal is never left unrecorded or unannounced.
   */
  removeTranscribed(conversationId: number, ids: readonly number[], remover: RemovalRequest): RemovalOutcome {
    requireInteger(conversationId, 'conversationId');
    requireRemover(remover);
    requireText(remover.actor, 'remover.actor');
    const find = this.statement(
      `SELECT id, origin_id, server_id, direction, read_at, urgency FROM messages
       WHERE id = ? AND conversation_id = ? AND transcribed_at IS NOT NULL AND retracted_at IS NULL`,
    );
    return this.db.transaction(() => {
      const removed: RemovedMessage[] = [];
      for (const id of requireIds(ids)) {
        const row = find.get([id, conversationId]);
        if (row === undefined) continue;
        this.tombstone(id, conversationId, row, remover, 'transcribed');
        removed.push({ id, originId: readOptionalString(row, 'origin_id'), serverId: readOptionalString(row, 'server_id') });
      }
      if (removed.length === 0) return { removed, retractionsQueued: 0 };
      const retractionsQueued = remover.retract ? this.queueRetractions(conversationId, removed, remover) : 0;
      appendAuditEntry(this.db, this.statements, {
        at: remover.at,
        kind: 'deletion',
        actor: remover.actor,
        details: {
          conversationId,
          messages: removed.length,
          messageIds: removed.map((m) => m.id).join(','),
          reason: 'transcribed',
          retractionsQueued,
        },
      });
      return { removed, retractionsQueued };
    });
  }

  /** The queued retractions, oldest first. */
  pendingRetractions(): PendingRetraction[] {
    return parsePendingRetractions(this.readPending());
  }

  /** Once the server acknowledged it; one transaction, so a removal queued meanwhile is kept. */
  forgetPendingRetraction(id: string): void {
    requireText(id, 'id');
    this.db.transaction(() => this.writePending(parsePendingRetractions(this.readPending()).filter((r) => r.id !== id)));
  }

  private readPending(): string | null {
    const row = this.statement(`SELECT value FROM settings WHERE key = ?`).get([PENDING_RETRACTIONS_SETTING]);
    return row === undefined ? null : readString(row, 'value');
  }

  private writePending(pending: readonly PendingRetraction[]): void {
    this.statement(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run([
      PENDING_RETRACTIONS_SETTING,
      JSON.stringify(pending),
    ]);
  }

  /** XEP-0424 §4: 1:1 retractions name the origin-id, room retractions the room's stanza-id. */
  private queueRetractions(conversationId: number, removed: readonly RemovedMessage[], remover: Remover): number {
    const conversation = this.statement(`SELECT jid, kind FROM conversations WHERE id = ?`).get([conversationId]);
    if (conversation === undefined) return 0;
    const type = readString(conversation, 'kind') === 'room' ? 'groupchat' : 'chat';
    const fresh: PendingRetraction[] = [];
    for (const message of removed) {
      const targetId = type === 'groupchat' ? message.serverId : message.originId;
      if (targetId === null) continue;
      fresh.push({ id: `wl-${randomBytes(12).toString('hex')}`, to: readString(conversation, 'jid'), type, targetId, byName: remover.name, at: remover.at });
    }
    if (fresh.length > 0) this.writePending([...parsePendingRetractions(this.readPending()), ...fresh]);
    return fresh.length;
  }

  /**
   * XEP-0424. A plain retraction only touches a message whose stored sender is `senderJid`, so
   * nobody can retract another's. A removal after transcription (a Wardline governance
   * retraction) may come from any participant of the conversation: in a 1:1 chat either person
   * may transcribe the advice they exchanged, in a members-only room any member. The tombstone
   * names who did it. Returns the id of the message changed, or null.
   */
  applyRetraction(input: RetractionInput): number | null {
    requireInteger(input.conversationId, 'conversationId');
    requireText(input.senderJid, 'senderJid');
    requireText(input.targetId, 'targetId');
    requireInteger(input.at, 'at');
    const column = input.by === 'server-id' ? 'server_id' : 'origin_id';
    const transcribed = input.transcribedBy ?? null;
    return this.db.transaction(() => {
      const row =
        transcribed === null
          ? this.statement(
              `SELECT id, direction, read_at, urgency FROM messages
               WHERE conversation_id = ? AND sender_jid = ? AND ${column} = ? AND retracted_at IS NULL`,
            ).get([input.conversationId, input.senderJid, input.targetId])
          : this.statement(
              `SELECT id, direction, read_at, urgency FROM messages
               WHERE conversation_id = ? AND ${column} = ? AND retracted_at IS NULL ORDER BY id LIMIT 1`,
            ).get([input.conversationId, input.targetId]);
      if (row === undefined) return null;
      const id = readNumber(row, 'id');
      const remover = { jid: input.senderJid, name: transcribed ?? input.senderJid, at: input.at };
      this.tombstone(id, input.conversationId, row, remover, transcribed === null ? null : 'transcribed');
      return id;
    });
  }

  /**
   * Retention: deletes every message sent before `cutoff` (tombstones included), with the same
   * no-remnant guarantee as removal. Walks the per-conversation index rather than the table.
   */
  purgeSentBefore(cutoff: number, pendingCutoff: number = cutoff): number {
    requireInteger(cutoff, 'cutoff');
    requireInteger(pendingCutoff, 'pendingCutoff');
    // A message still waiting in the outbox never left this PC (typed offline, then locked for
    // longer than the lifespan): it is kept until the server has it, then ages like any other, but
    // never past pendingCutoff (messaging may never run again: a revoked account, a profile left).
    const expiring = `SELECT m.id FROM conversations c JOIN messages m ON m.conversation_id = c.id AND m.sent_at < ?
      WHERE m.sent_at < ? OR NOT (m.delivery_state = 'pending' AND EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = m.id))`;
    return this.db.transaction(() => {
      const unread = this.statement(
        `SELECT conversation_id, count(*) AS unread, sum(urgency = 'urgent') AS urgent FROM messages
         WHERE id IN (${expiring}) AND direction = 'in' AND read_at IS NULL GROUP BY conversation_id`,
      ).all([cutoff, pendingCutoff]);
      const { changes } = this.statement(`DELETE FROM messages WHERE id IN (${expiring})`).run([cutoff, pendingCutoff]);
      const uncount = this.statement(
        `UPDATE conversations SET unread_count = max(unread_count - ?, 0), urgent_unread_count = max(urgent_unread_count - ?, 0)
         WHERE id = ?`,
      );
      for (const row of unread) uncount.run([readNumber(row, 'unread'), readNumber(row, 'urgent'), readNumber(row, 'conversation_id')]);
      // A draft nobody has touched for the retention period goes the way of the messages.
      this.statement(`DELETE FROM drafts WHERE updated_at < ?`).run([cutoff]);
      return changes;
    });
  }

  /** How many patient-identifiable messages nobody has transcribed yet (all of them, not a page). */
  countNeedsTranscription(): number {
    const row = this.statement(
      `SELECT count(*) AS n FROM messages INDEXED BY messages_needing_transcription
       WHERE patient_identifier = 1 AND transcribed_at IS NULL AND retracted_at IS NULL`,
    ).get([]);
    return row === undefined ? 0 : readNumber(row, 'n');
  }

  /** Patient-identifiable messages nobody has transcribed yet, oldest (soonest to expire) first. */
  needsTranscription(limit: number): NeedsTranscription[] {
    const rows = this.statement(
      `SELECT m.id, m.conversation_id, c.title, coalesce(m.sender_name, m.sender_jid) AS sender, m.sent_at
       FROM messages m INDEXED BY messages_needing_transcription JOIN conversations c ON c.id = m.conversation_id
       WHERE m.patient_identifier = 1 AND m.transcribed_at IS NULL AND m.retracted_at IS NULL
       ORDER BY m.sent_at LIMIT ?`,
    ).all([clamp(limit, maxIds)]);
    return rows.map((row) => ({
      messageId: readNumber(row, 'id'),
      conversationId: readNumber(row, 'conversation_id'),
      conversationTitle: readString(row, 'title'),
      senderName: readString(row, 'sender'),
      sentAt: readNumber(row, 'sent_at'),
    }));
  }

  /** The audit trail, newest first. */
  listAudit(limit: number): AuditEntry[] {
    return this.statement(`SELECT seq, at, kind, actor, details, prev_hash, hash FROM audit_log ORDER BY seq DESC LIMIT ?`)
      .all([clamp(limit, maxAudit)])
      .map((row) => ({
        seq: readNumber(row, 'seq'),
        at: readNumber(row, 'at'),
        kind: readString(row, 'kind'),
        actor: readString(row, 'actor'),
        details: JSON.parse(readString(row, 'details')) as AuditEntry['details'],
        prevHash: readString(row, 'prev_hash'),
        hash: readString(row, 'hash'),
      }));
  }

  /** Blanks one message's text and payload and records the removal; an unread one stops counting. */
  private tombstone(
    id: number,
    conversationId: number,
    row: SqlRow,
    remover: Remover,
    reason: 'transcribed' | null,
  ): void {
    this.statement(
      `UPDATE messages SET body = NULL, payload = NULL, retracted_at = ?, retracted_by = ?, retracted_by_name = ?,
         retraction_reason = ?, read_at = coalesce(read_at, ?) WHERE id = ?`,
    ).run([remover.at, remover.jid, reason === null ? null : remover.name, reason, remover.at, id]);
    // Nothing is left to send: a removed message still in the outbox would go out with an empty body.
    this.statement(`DELETE FROM outbox WHERE message_id = ?`).run([id]);
    if (row['direction'] === 'in' && row['read_at'] === null) {
      this.statement(
        `UPDATE conversations SET unread_count = max(unread_count - 1, 0),
           urgent_unread_count = max(urgent_unread_count - ?, 0) WHERE id = ?`,
      ).run([row['urgency'] === 'urgent' ? 1 : 0, conversationId]);
    }
  }

  private statement(sql: string): SqlStatement {
    return this.statements.get(sql);
  }
}

function requireIds(ids: readonly number[]): number[] {
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > maxIds) throw invalid('ids');
  return [...new Set(ids.map((id) => requireInteger(id, 'id')))];
}

function requireRemover(remover: Remover): void {
  requireText(remover.jid, 'remover.jid');
  requireText(remover.name, 'remover.name');
  requireInteger(remover.at, 'remover.at');
}

function clamp(limit: number, max: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw invalid('limit');
  return Math.min(limit, max);
}

/**
 * What the messaging service needs beyond received-message inserts: the outbox (a composed
 * message is written, with its outbox row, before it is ever sent), delivery state, our own
 * messages' archive ids, and the latest message a read marker should quote.
 * Synchronous over the SqlDatabase port; it runs in the store worker next to MessageStore.
 */
import { readNumber, readOneOf, readOptionalString, readString } from './rowReaders.js';
import type { SqlDatabase, SqlRow, SqlStatement } from './sqlPort.js';
import { PREVIEW_FROM_NEWEST } from './conversationPreview.js';
import { CLAMP_AHEAD_LIMIT_MS } from './messageStore.js';
import { StatementCache } from './statementCache.js';
import { StoreError } from './storeErrors.js';
import { invalid, requireInteger, requireText } from './storeArguments.js';
import type {
  ConversationRef,
  MarkerTarget,
  OutboxEntry,
  OutgoingMessageInput,
  OutgoingRef,
  OwnMessageConfirmation,
  UrgentUnread,
} from './outboxTypes.js';

/** read > delivered > sent > pending/failed: an update that would lower the rank is skipped. */
const rankSql = (column: string): string =>
  `CASE ${column} WHEN 'read' THEN 3 WHEN 'delivered' THEN 2 WHEN 'sent' THEN 1 ELSE 0 END`;
const rank = { delivered: 2, read: 3 } as const;

export class OutboxQueries {
  private readonly statements: StatementCache;

  constructor(private readonly db: SqlDatabase) {
    this.statements = new StatementCache(db);
  }

  /**
   * The message (outgoing, pending) and its outbox row in one transaction; the FTS trigger indexes
   * it. The conversation's draft goes in the same transaction: what was sent never reappears as
   * a draft to be sent twice, and a crash cannot lose both. sent_at is never earlier than the
   * conversation's newest message (one seek down the paging index): a clock set back must not file
   * what we send now among older history, nor under a message the colleague has already read.
   */
  queueOutgoing(input: OutgoingMessageInput, now: number): number {
    requireInteger(input.conversationId, 'conversationId');
    requireInteger(input.sentAt, 'sentAt');
    requireText(input.originId, 'originId');
    requireText(input.senderJid, 'senderJid');
    if (typeof input.body !== 'string') throw invalid('body');
    if (input.urgency !== 'normal' && input.urgency !== 'urgent') throw invalid('urgency');
    // The connection's default is NORMAL (an app crash loses nothing; a power cut can lose the last
    // commits). It cannot change inside a transaction, so it is raised around this one.
    if (input.syncToDisk === true) this.db.exec('PRAGMA synchronous = FULL');
    try {
      return this.#queue(input, now);
    } finally {
      if (input.syncToDisk === true) this.db.exec('PRAGMA synchronous = NORMAL');
    }
  }

  #queue(input: OutgoingMessageInput, now: number): number {
    return this.db.transaction(() => {
      const row = this.statement(
        `INSERT INTO messages (conversation_id, origin_id, direction, sender_jid, sender_name, sender_role, body,
           sent_at, received_at, delivery_state, urgency, patient_identifier)
         VALUES (?, ?, 'out', ?, ?, ?, ?,
           max(?, coalesce((SELECT sent_at FROM messages WHERE conversation_id = ? AND sent_at <= ? ORDER BY sent_at DESC LIMIT 1), 0)),
           ?, 'pending', ?, ?) RETURNING id, sent_at`,
      ).get([
        input.conversationId,
        input.originId,
        input.senderJid,
        input.senderName,
        input.senderRole,
        input.body,
        input.sentAt,
        input.conversationId,
        input.sentAt + CLAMP_AHEAD_LIMIT_MS,
        input.sentAt,
        input.urgency,
        input.patientIdentifier ? 1 : 0,
      ]);
      if (row === undefined) throw new StoreError('internal', 'Queueing returned no row.');
      const messageId = readNumber(row, 'id');
      this.statement(`INSERT INTO outbox (message_id, attempts, next_attempt_at, created_at) VALUES (?, 0, ?, ?)`).run([
        messageId,
        now,
        now,
      ]);
      this.statement(`UPDATE conversations SET last_activity_at = max(coalesce(last_activity_at, 0), ?), ${PREVIEW_FROM_NEWEST} WHERE id = ?`).run([
        readNumber(row, 'sent_at'),
        input.conversationId,
      ]);
      this.statement(`DELETE FROM drafts WHERE conversation_id = ?`).run([input.conversationId]);
      return messageId;
    });
  }

  /**
   * Everything not yet acknowledged by the server, oldest first, with where it goes. Bounced
   * ('failed') messages keep their outbox row (its last_error says why) but are not sent again
   * until the person retries them.
   */
  pendingOutbox(): OutboxEntry[] {
    return this.statement(`${outboxEntrySelect} WHERE m.delivery_state <> 'failed' ORDER BY m.id`).all().map(toOutboxEntry);
  }

  /**
   * The server acknowledged it: out of the outbox, and 'sent' if it was pending. A bounce may be
   * processed before the acknowledgement of the same stanza arrives, so a 'failed' message stays
   * failed (with its outbox row) rather than turning back into a tick.
   */
  markSent(messageId: number): boolean {
    requireInteger(messageId, 'messageId');
    return this.db.transaction(() => {
      this.statement(
        `DELETE FROM outbox WHERE message_id = ? AND NOT EXISTS (SELECT 1 FROM messages WHERE id = ? AND delivery_state = 'failed')`,
      ).run([messageId, messageId]);
      return this.statement(`UPDATE messages SET delivery_state = 'sent' WHERE id = ? AND delivery_state = 'pending'`).run([messageId]).changes > 0;
    });
  }

  /** Our outgoing message with this origin-id in this conversation (a bounce quotes it). */
  findOutgoing(conversationId: number, originId: string): OutgoingRef | null {
    requireInteger(conversationId, 'conversationId');
    requireText(originId, 'originId');
    const row = this.statement(
      `SELECT id, delivery_state FROM messages WHERE conversation_id = ? AND origin_id = ? AND direction = 'out'`,
    ).get([conversationId, originId]);
    return row === undefined
      ? null
      : { messageId: readNumber(row, 'id'), deliveryState: readOneOf(row, 'delivery_state', ['pending', 'sent', 'delivered', 'read', 'failed'] as const) };
  }

  /**
   * The message bounced: 'failed' (only from pending or sent: a receipt or read marker proves it
   * arrived, so those are never lowered), text kept, and an outbox row whose last_error holds the
   * reason code (never content) until the person retries. Returns whether it changed.
   */
  markFailed(messageId: number, reason: string, now: number): boolean {
    requireInteger(messageId, 'messageId');
    requireText(reason, 'reason');
    return this.db.transaction(() => {
      const changed = this.statement(
        `UPDATE messages SET delivery_state = 'failed' WHERE id = ? AND direction = 'out' AND delivery_state IN ('pending', 'sent')`,
      ).run([messageId]).changes;
      if (changed === 0) return false;
      this.statement(
        `INSERT INTO outbox (message_id, attempts, next_attempt_at, last_error, created_at) VALUES (?, 0, ?, ?, ?)
         ON CONFLICT (message_id) DO UPDATE SET last_error = excluded.last_error`,
      ).run([messageId, now, reason, now]);
      return true;
    });
  }

  /**
   * A bounced message back into the outbox as 'pending', keeping its origin-id (so a receiver
   * that did get it stores it once): the person's retry, or an automatic one after a temporary
   * error. Only from 'failed'. Returns the entry to transmit, or null if it is not failed.
   */
  requeueFailed(messageId: number, now: number): OutboxEntry | null {
    requireInteger(messageId, 'messageId');
    return this.db.transaction(() => {
      const changed = this.statement(
        // Never a removed message (transcribed and deleted, or withdrawn): there is nothing left to send.
        `UPDATE messages SET delivery_state = 'pending'
         WHERE id = ? AND direction = 'out' AND delivery_state = 'failed' AND retracted_at IS NULL AND body IS NOT NULL`,
      ).run([messageId]).changes;
      if (changed === 0) return null;
      this.statement(
        `INSERT INTO outbox (message_id, attempts, next_attempt_at, last_error, created_at) VALUES (?, 0, ?, NULL, ?)
         ON CONFLICT (message_id) DO UPDATE SET last_error = NULL, next_attempt_at = excluded.next_attempt_at`,
      ).run([messageId, now, now]);
      const row = this.statement(`${outboxEntrySelect} WHERE m.id = ?`).get([messageId]);
      return row === undefined ? null : toOutboxEntry(row);
    });
  }

  /**
   * `error` is a kind ('not-acked', 'closed'…), never content. A bounced message's row keeps its
   * bounce reason: a connection lost before the server's acknowledgement says nothing new.
   */
  recordSendAttempt(messageId: number, error: string | null, now: number): void {
    requireInteger(messageId, 'messageId');
    this.statement(
      `UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE message_id = ?
         AND NOT EXISTS (SELECT 1 FROM messages WHERE id = ? AND delivery_state = 'failed')`,
    ).run([error, now, messageId, messageId]);
  }

  /**
   * A receipt (delivered) or displayed marker (read) for our message with this origin-id. Never
   * downgrades. 'read' means "read up to here" (XEP-0333), so earlier sent/delivered messages in
   * the conversation become read too. Either proves the server had the message: its outbox row
   * goes. Returns how many messages changed.
   */
  updateDeliveryByOriginId(conversationId: number, originId: string, state: 'delivered' | 'read'): number {
    requireInteger(conversationId, 'conversationId');
    requireText(originId, 'originId');
    return this.updateDelivery(conversationId, 'origin_id', originId, state);
  }

  /** As updateDeliveryByOriginId, for room markers, which quote the room's stanza-id. */
  updateDeliveryByServerId(conversationId: number, serverId: string, state: 'delivered' | 'read'): number {
    requireInteger(conversationId, 'conversationId');
    requireText(serverId, 'serverId');
    return this.updateDelivery(conversationId, 'server_id', serverId, state);
  }

  /**
   * Our own messages came back from the server (room reflection, carbon, archive copy). They
   * de-duplicate against the queued row by origin-id, so the archive's stanza-id is recorded here
   * (room markers quote it). Copies that prove the message was handled (settlesOutbox) also take
   * it out of the outbox and make it at least 'sent' (default: not).
   */
  confirmOwnMessages(confirmations: readonly OwnMessageConfirmation[]): number {
    const find = this.statement(`SELECT id FROM messages WHERE conversation_id = ? AND direction = 'out' AND origin_id = ?`);
    const attach = this.statement(
      `UPDATE messages SET server_id = ? WHERE id = ? AND server_id IS NULL
         AND NOT EXISTS (SELECT 1 FROM messages other WHERE other.conversation_id = ? AND other.server_id = ?)`,
    );
    const sent = this.statement(`UPDATE messages SET delivery_state = 'sent' WHERE id = ? AND delivery_state IN ('pending', 'failed')`);
    const unqueue = this.statement(`DELETE FROM outbox WHERE message_id = ?`);
    return this.db.transaction(() => {
      let changed = 0;
      for (const c of confirmations) {
        requireInteger(c.conversationId, 'conversationId');
        requireText(c.originId, 'originId');
        const row = find.get([c.conversationId, c.originId]);
        if (row === undefined) continue;
        const id = readNumber(row, 'id');
        if (c.serverId !== null) {
          requireText(c.serverId, 'serverId');
          attach.run([c.serverId, id, c.conversationId, c.serverId]);
        }
        if (c.settlesOutbox !== true) continue;
        unqueue.run([id]);
        changed += sent.run([id]).changes;
      }
      return changed;
    });
  }

  /**
   * The conversation holding our outgoing message with this origin-id, wherever it is: what a refusal
   * from our own server (from = the domain) concerns. One index lookup per conversation (CROSS JOIN
   * keeps SQLite from scanning every message for the id).
   */
  findOutgoingConversation(originId: string): ConversationRef | null {
    requireText(originId, 'originId');
    const row = this.statement(
      `SELECT c.id, c.jid, c.kind, c.title FROM conversations c CROSS JOIN messages m
       ON m.conversation_id = c.id AND m.origin_id = ? AND m.direction = 'out' LIMIT 1`,
    ).get([originId]);
    return row === undefined ? null : toConversationRef(row);
  }

  findConversationByJid(jid: string): ConversationRef | null {
    requireText(jid, 'jid');
    const row = this.statement(`SELECT id, jid, kind, title FROM conversations WHERE jid = ?`).get([jid]);
    return row === undefined ? null : toConversationRef(row);
  }

  findConversationById(id: number): ConversationRef | null {
    requireInteger(id, 'id');
    const row = this.statement(`SELECT id, jid, kind, title FROM conversations WHERE id = ?`).get([id]);
    return row === undefined ? null : toConversationRef(row);
  }

  /** The newest incoming message: what a displayed marker quotes (origin-id in 1:1, stanza-id in rooms). */
  latestIncoming(conversationId: number): MarkerTarget | null {
    requireInteger(conversationId, 'conversationId');
    const row = this.statement(
      `SELECT id, origin_id, server_id, sender_jid FROM messages WHERE conversation_id = ? AND direction = 'in'
       ORDER BY sent_at DESC, id DESC LIMIT 1`,
    ).get([conversationId]);
    if (row === undefined) return null;
    return {
      messageId: readNumber(row, 'id'),
      originId: readOptionalString(row, 'origin_id'),
      serverId: readOptionalString(row, 'server_id'),
      senderJid: readString(row, 'sender_jid'),
    };
  }

  /** Unread urgent messages per conversation, for re-notification. Counts only. */
  unreadUrgent(): UrgentUnread[] {
    return this.statement(`SELECT id, urgent_unread_count FROM conversations WHERE urgent_unread_count > 0 ORDER BY id`)
      .all()
      .map((row) => ({ conversationId: readNumber(row, 'id'), unreadUrgent: readNumber(row, 'urgent_unread_count') }));
  }

  private updateDelivery(conversationId: number, column: 'origin_id' | 'server_id', id: string, state: 'delivered' | 'read'): number {
    return this.db.transaction(() => {
      const target = this.statement(
        `SELECT id, sent_at FROM messages WHERE conversation_id = ? AND direction = 'out' AND ${column} = ?`,
      ).get([conversationId, id]);
      if (target === undefined) return 0;
      const messageId = readNumber(target, 'id');
      this.statement(`DELETE FROM outbox WHERE message_id = ?`).run([messageId]);
      let changed = this.statement(`UPDATE messages SET delivery_state = ? WHERE id = ? AND ${rankSql('delivery_state')} < ?`).run([
        state,
        messageId,
        rank[state],
      ]).changes;
      if (state === 'read') {
        // Earlier messages the server acknowledged were shown too; pending ones are left to the outbox.
        // Earlier in the thread's order (sent_at, id): a marker means "read up to here", and our own
        // message from another workstation, stored here later, sits where its time puts it. A clock
        // set back cannot put a later send of ours before the marked one: sent_at is clamped.
        changed += this.statement(
          `UPDATE messages SET delivery_state = 'read' WHERE conversation_id = ? AND direction = 'out'
             AND delivery_state IN ('sent', 'delivered') AND (sent_at, id) < (?, ?)`,
        ).run([conversationId, readNumber(target, 'sent_at'), messageId]).changes;
      }
      return changed;
    });
  }

  private statement(sql: string): SqlStatement {
    return this.statements.get(sql);
  }
}

const outboxEntrySelect = `SELECT m.id, m.conversation_id, c.jid, c.kind, m.origin_id, m.body, m.urgency, o.attempts, o.created_at
  FROM outbox o JOIN messages m ON m.id = o.message_id JOIN conversations c ON c.id = m.conversation_id`;

function toOutboxEntry(row: SqlRow): OutboxEntry {
  return {
    messageId: readNumber(row, 'id'),
    conversationId: readNumber(row, 'conversation_id'),
    conversationJid: readString(row, 'jid'),
    conversationKind: readOneOf(row, 'kind', ['direct', 'room'] as const),
    originId: readString(row, 'origin_id'),
    body: readOptionalString(row, 'body') ?? '',
    urgency: readOneOf(row, 'urgency', ['normal', 'urgent'] as const),
    attempts: readNumber(row, 'attempts'),
    createdAt: readNumber(row, 'created_at'),
  };
}

function toConversationRef(row: SqlRow): ConversationRef {
  return {
    id: readNumber(row, 'id'),
    jid: readString(row, 'jid'),
    kind: readOneOf(row, 'kind', ['direct', 'room'] as const),
    title: readString(row, 'title'),
  };
}

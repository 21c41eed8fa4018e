/**
 * The store's logic, synchronous, over the SqlDatabase port. It runs inside the
 * store worker in the app; the benchmark also runs it over plain SQLite.
 */
import { appendAuditEntry, verifyAuditChain } from './auditLog.js';
import { PREVIEW_FROM_NEWEST } from './conversationPreview.js';
import { messageColumns, toStoredMessage } from './messageRows.js';
import { readNumber, readOneOf, readOptionalNumber, readOptionalString, readString } from './rowReaders.js';
import { toFtsQuery } from './searchQuery.js';
import type { SqlDatabase, SqlStatement } from './sqlPort.js';
import { StatementCache } from './statementCache.js';
import { StoreError } from './storeErrors.js';
import { invalid, requireInteger, requireText } from './storeArguments.js';
import { isNotifyLevel, NOTIFY_LEVELS, type NotifyLevel } from '../../common/notifyLevels.js';
import type {
  AuditEntry,
  AuditEntryInput,
  ConversationInput,
  ConversationSummary,
  DeleteResult,
  DirectConversationName,
  InsertBatchResult,
  ListConversationsOptions,
  MessageCursor,
  MessagePage,
  ReceivedMessageInput,
  StoredMessage,
  TeamRoom,
  UnreadCounts,
} from './storeTypes.js';

const maxPageSize = 500;
const maxSearchResults = 500;

const incomingColumns = `conversation_id, server_id, origin_id, direction, sender_jid, sender_name, sender_role,
  body, content_type, payload, sent_at, received_at, delivery_state, urgency, encryption, patient_identifier, expires_at`;

/**
 * A message dated by our own clock is filed no earlier than the conversation's newest (a clock
 * set back must not put it among older history), but only a newest at most this far ahead of our
 * clock counts: one dated by a clock that was a year ahead must not drag every later message there.
 */
export const CLAMP_AHEAD_LIMIT_MS = 24 * 60 * 60_000;

// Bounced messages keep an outbox row, and the outbox is small: count them there, once for all
// conversations. CROSS JOIN keeps the outbox as the outer loop (SQLite never reorders it); a
// per-conversation subquery let the planner walk every message of every conversation through the
// paging index instead (a 2,000-conversation list: 37 → 363 ms).
const listColumns = `c.id, c.jid, c.kind, c.title, c.notify, c.unread_count, c.urgent_unread_count, c.last_activity_at, c.left_at,
  coalesce(u.n, 0) AS undelivered, EXISTS (SELECT 1 FROM drafts d WHERE d.conversation_id = c.id) AS has_draft`;
const listFrom = `conversations c
  LEFT JOIN (
    SELECT m.conversation_id AS conversation_id, count(*) AS n
    FROM outbox o CROSS JOIN messages m ON m.id = o.message_id
    WHERE m.delivery_state = 'failed' AND m.retracted_at IS NULL
    GROUP BY m.conversation_id
  ) u ON u.conversation_id = c.id`;
const listOrder = `ORDER BY c.last_activity_at IS NULL, c.last_activity_at DESC, c.id DESC`;
const listSql = `SELECT ${listColumns} FROM ${listFrom} ${listOrder}`;
// The newest message's start is kept on the conversation row (conversationPreview.ts).
const listWithPreviewsSql = `SELECT ${listColumns}, c.latest_direction, c.latest_sender, c.latest_text FROM ${listFrom} ${listOrder}`;

export class MessageStore {
  private readonly statements: StatementCache;

  constructor(private readonly db: SqlDatabase) {
    this.statements = new StatementCache(db);
    // Per-connection staging for insertReceivedBatch; temp_store = MEMORY keeps it off disk.
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS incoming (${incomingColumns})`);
  }

  upsertConversation(input: ConversationInput, now: number): number {
    requireText(input.jid, 'jid');
    requireText(input.title, 'title');
    if (input.kind !== 'direct' && input.kind !== 'room') throw invalid('kind');
    const row = this.statement(
      `INSERT INTO conversations (jid, kind, title, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (jid) DO UPDATE SET kind = excluded.kind, title = excluded.title
       RETURNING id`,
    ).get([input.jid, input.kind, input.title, now]);
    if (row === undefined) throw new StoreError('internal', 'Upsert returned no row.');
    return readNumber(row, 'id');
  }

  /**
   * Names 1:1 conversations still titled with their placeholder (the address's local part, as
   * they were opened before anyone knew better); a title the directory or a first message gave is
   * kept. One transaction; returns how many were renamed.
   */
  nameDirectConversations(names: readonly DirectConversationName[]): number {
    for (const { conversationId, placeholder, title } of names) {
      requireInteger(conversationId, 'conversationId');
      requireText(placeholder, 'placeholder');
      requireText(title, 'title');
    }
    const rename = this.statement(`UPDATE conversations SET title = ? WHERE id = ? AND kind = 'direct' AND title = ?`);
    return this.db.transaction(() => names.reduce((renamed, n) => renamed + rename.run([n.title, n.conversationId, n.placeholder]).changes, 0));
  }

  /**
   * Rows are staged in an in-memory temp table, then moved into messages by a
   * single INSERT ... SELECT. FTS5 flushes its in-memory index at every
   * statement boundary, so row-per-statement inserts made it write (and later
   * merge) one tiny segment per message: about 3x slower. The FTS trigger
   * still does the indexing, so every insert path stays in sync. A message dated by our own clock
   * (datedLocally) is filed no earlier than the newest message before it in its conversation.
   */
  insertReceivedBatch(messages: readonly ReceivedMessageInput[]): InsertBatchResult {
    messages.forEach(validateReceived);
    if (messages.length === 0) return { inserted: 0, duplicates: 0 };
    const stage = this.statement(`INSERT INTO temp.incoming VALUES (${Array(17).fill('?').join(', ')})`);
    const move = this.statement(
      `INSERT INTO messages (${incomingColumns})
       SELECT ${incomingColumns} FROM temp.incoming ORDER BY rowid
       ON CONFLICT DO NOTHING
       RETURNING conversation_id, direction, urgency, sent_at`,
    );
    const touch = this.statement(
      `UPDATE conversations SET last_activity_at = max(coalesce(last_activity_at, 0), ?),
         unread_count = unread_count + ?, urgent_unread_count = urgent_unread_count + ?, ${PREVIEW_FROM_NEWEST}
       WHERE id = ?`,
    );
    const newestStored = this.statement(`SELECT sent_at FROM messages WHERE conversation_id = ? AND sent_at <= ? ORDER BY sent_at DESC LIMIT 1`);
    return this.db.transaction(() => {
      // Asked for rarely (mentions), so looked up one by one, before the copies are moved in.
      const mentioned = [...new Set(messages.filter((m) => m.mentionsYou === true && !this.#stored(m)).map((m) => m.conversationId))];
      /** Newest sent_at staged so far per conversation; the stored one is looked up only for a locally dated message. */
      const staged = new Map<number, number>();
      const stored = new Map<number, number>();
      for (const m of messages) {
        const fromSelf = m.fromSelf === true;
        let sentAt = m.sentAt;
        if (m.datedLocally === true) {
          let newest = stored.get(m.conversationId);
          if (newest === undefined) {
            const row = newestStored.get([m.conversationId, sentAt + CLAMP_AHEAD_LIMIT_MS]);
            newest = row === undefined ? sentAt : readNumber(row, 'sent_at');
            stored.set(m.conversationId, newest);
          }
          sentAt = Math.max(sentAt, newest, staged.get(m.conversationId) ?? sentAt);
        }
        staged.set(m.conversationId, Math.max(sentAt, staged.get(m.conversationId) ?? sentAt));
        stage.run([
          m.conversationId,
          m.serverId ?? null,
          m.originId ?? null,
          fromSelf ? 'out' : 'in',
          m.senderJid,
          m.senderName ?? null,
          m.senderRole ?? null,
          m.body,
          m.contentType ?? 'text',
          m.payload ?? null,
          sentAt,
          m.receivedAt,
          fromSelf ? 'sent' : null,
          m.urgency ?? 'normal',
          m.encryption ?? 'none',
          m.patientIdentifier === true ? 1 : 0,
          m.expiresAt ?? null,
        ]);
      }
      const inserted = move.all();
      this.statement('DELETE FROM temp.incoming').run();
      const activity = new Map<number, { lastAt: number; unread: number; urgent: number }>();
      for (const row of inserted) {
        const conversationId = readNumber(row, 'conversation_id');
        const entry = activity.get(conversationId) ?? { lastAt: 0, unread: 0, urgent: 0 };
        entry.lastAt = Math.max(entry.lastAt, readNumber(row, 'sent_at'));
        if (row['direction'] === 'in') {
          entry.unread += 1;
          if (row['urgency'] === 'urgent') entry.urgent += 1;
        }
        activity.set(conversationId, entry);
      }
      for (const [conversationId, entry] of activity) {
        touch.run([entry.lastAt, entry.unread, entry.urgent, conversationId]);
      }
      const result = { inserted: inserted.length, duplicates: messages.length - inserted.length };
      return mentioned.length === 0 ? result : { ...result, mentioned };
    });
  }

  /** A copy of this message is already stored: the de-dup indexes' own keys. */
  #stored(m: ReceivedMessageInput): boolean {
    const byServer =
      m.serverId != null && this.statement(`SELECT 1 FROM messages WHERE conversation_id = ? AND server_id = ?`).get([m.conversationId, m.serverId]) !== undefined;
    return (
      byServer ||
      (m.originId != null &&
        this.statement(`SELECT 1 FROM messages WHERE conversation_id = ? AND origin_id = ? AND sender_jid = ?`).get([m.conversationId, m.originId, m.senderJid]) !== undefined)
    );
  }

  listConversations(options: ListConversationsOptions = { previews: false }): ConversationSummary[] {
    const rows = this.statement(options.previews ? listWithPreviewsSql : listSql).all();
    return rows.map((row) => {
      const text = options.previews ? readOptionalString(row, 'latest_text') : null;
      return {
        id: readNumber(row, 'id'),
        jid: readString(row, 'jid'),
        kind: readOneOf(row, 'kind', ['direct', 'room'] as const),
        title: readString(row, 'title'),
        notify: readOneOf(row, 'notify', NOTIFY_LEVELS),
        unread: readNumber(row, 'unread_count'),
        urgentUnread: readNumber(row, 'urgent_unread_count'),
        undelivered: readNumber(row, 'undelivered'),
        lastActivityAt: readOptionalNumber(row, 'last_activity_at'),
        hasDraft: readNumber(row, 'has_draft') === 1,
        leftAt: readOptionalNumber(row, 'left_at'),
        latest: text === null ? null : { fromSelf: readString(row, 'latest_direction') === 'out', senderName: readOptionalString(row, 'latest_sender'), text },
      };
    });
  }

  /** Keyset pagination on (sent_at, id): cost is independent of how deep the page is. */
  pageMessages(conversationId: number, before: MessageCursor | null, limit: number): MessagePage {
    requireInteger(conversationId, 'conversationId');
    const size = clampLimit(limit, maxPageSize);
    const rows =
      before === null
        ? this.statement(
            `SELECT ${messageColumns} FROM messages WHERE conversation_id = ?
             ORDER BY sent_at DESC, id DESC LIMIT ?`,
          ).all([conversationId, size + 1])
        : this.statement(
            `SELECT ${messageColumns} FROM messages WHERE conversation_id = ? AND (sent_at, id) < (?, ?)
             ORDER BY sent_at DESC, id DESC LIMIT ?`,
          ).all([conversationId, requireInteger(before.sentAt, 'before.sentAt'), requireInteger(before.id, 'before.id'), size + 1]);
    const hasMore = rows.length > size;
    const messages = rows.slice(0, size).map(toStoredMessage).reverse();
    const oldest = messages[0];
    return { messages, before: hasMore && oldest !== undefined ? { sentAt: oldest.sentAt, id: oldest.id } : null };
  }

  /** Newest matches first: FTS5 walks its doclists by rowid and stops at the limit. */
  search(query: string, limit: number): StoredMessage[] {
    const match = toFtsQuery(query);
    if (match === null) return [];
    return this.statement(
      `SELECT ${messageColumns} FROM messages WHERE id IN (
         SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid DESC LIMIT ?
       ) ORDER BY id DESC`,
    )
      .all([match, clampLimit(limit, maxSearchResults)])
      .map(toStoredMessage);
  }

  unreadCounts(): UnreadCounts {
    const row = this.statement(
      `SELECT coalesce(sum(unread_count), 0) AS unread, coalesce(sum(urgent_unread_count), 0) AS urgent FROM conversations`,
    ).get();
    return row === undefined ? { unread: 0, urgent: 0 } : { unread: readNumber(row, 'unread'), urgent: readNumber(row, 'urgent') };
  }

  /** Team rooms made quieter than 'all' (every other conversation is 'all'): read once when messaging starts. */
  quietRooms(): { conversationId: number; notify: NotifyLevel }[] {
    return this.statement(`SELECT id, notify FROM conversations WHERE kind = 'room' AND notify != 'all'`)
      .all()
      .map((row) => ({ conversationId: readNumber(row, 'id'), notify: readOneOf(row, 'notify', NOTIFY_LEVELS) }));
  }

  /**
   * A team room's notification level. 1:1 conversations stay at 'all': a message addressed to the
   * person alone is never quietened. False when there is no such room.
   */
  setRoomNotify(conversationId: number, level: NotifyLevel): boolean {
    requireInteger(conversationId, 'conversationId');
    if (!isNotifyLevel(level)) throw invalid('level');
    return this.statement(`UPDATE conversations SET notify = ? WHERE id = ? AND kind = 'room'`).run([level, conversationId]).changes === 1;
  }

  /** Marks a team room as left by the person, or (at null) joined again. False when there is no such room. */
  setRoomLeft(conversationId: number, at: number | null): boolean {
    requireInteger(conversationId, 'conversationId');
    if (at !== null) requireInteger(at, 'at');
    return this.statement(`UPDATE conversations SET left_at = ? WHERE id = ? AND kind = 'room'`).run([at, conversationId]).changes === 1;
  }

  /** Every team room this profile has, and whether the person left it: what sign-in reconciles with the bookmarks. */
  teamRooms(): TeamRoom[] {
    return this.statement(`SELECT id, jid, left_at FROM conversations WHERE kind = 'room'`)
      .all()
      .map((row) => {
        const leftAt = readOptionalNumber(row, 'left_at');
        return { conversationId: readNumber(row, 'id'), jid: readString(row, 'jid'), left: leftAt !== null, leftAt };
      });
  }

  /** True if anything was unread: callers tell the screens only then (a no-op would make an open thread read again, for ever). */
  markConversationRead(conversationId: number, at: number): boolean {
    requireInteger(conversationId, 'conversationId');
    return this.db.transaction(() => {
      const messages = this.statement(
        `UPDATE messages SET read_at = ? WHERE conversation_id = ? AND direction = 'in' AND read_at IS NULL`,
      ).run([at, conversationId]).changes;
      const counts = this.statement(
        `UPDATE conversations SET unread_count = 0, urgent_unread_count = 0 WHERE id = ? AND (unread_count <> 0 OR urgent_unread_count <> 0)`,
      ).run([conversationId]).changes;
      return messages + counts > 0;
    });
  }

  /**
   * Deletes with no remnant: secure_delete zeroes the rows' cells, the FTS5
   * trigger removes their tokens (secure-delete), and a TRUNCATE checkpoint
   * moves everything out of the WAL and empties it.
   */
  deleteMessages(ids: readonly number[]): DeleteResult {
    ids.forEach((id) => requireInteger(id, 'id'));
    const find = this.statement(`SELECT conversation_id, direction, read_at, urgency FROM messages WHERE id = ?`);
    const remove = this.statement(`DELETE FROM messages WHERE id = ?`);
    const uncount = this.statement(
      `UPDATE conversations SET unread_count = max(unread_count - 1, 0),
         urgent_unread_count = max(urgent_unread_count - ?, 0) WHERE id = ?`,
    );
    const deleted = this.db.transaction(() => {
      let count = 0;
      for (const id of ids) {
        const row = find.get([id]);
        if (row === undefined) continue;
        remove.run([id]);
        count += 1;
        if (readString(row, 'direction') === 'in' && row['read_at'] === null) {
          uncount.run([readString(row, 'urgency') === 'urgent' ? 1 : 0, readNumber(row, 'conversation_id')]);
        }
      }
      return count;
    });
    return { deleted, checkpointed: this.checkpoint() };
  }

  getSetting(key: string): string | null {
    requireText(key, 'key');
    const row = this.statement(`SELECT value FROM settings WHERE key = ?`).get([key]);
    return row === undefined ? null : readString(row, 'value');
  }

  setSetting(key: string, value: string): void {
    requireText(key, 'key');
    if (typeof value !== 'string') throw invalid('value');
    this.statement(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run([
      key,
      value,
    ]);
  }

  /** Appends to the hash-chained audit log (auditLog.ts). */
  appendAudit(input: AuditEntryInput): AuditEntry {
    return appendAuditEntry(this.db, this.statements, input);
  }

  verifyAuditChain(): boolean {
    return verifyAuditChain(this.statements);
  }

  checkpoint(): boolean {
    const row = this.db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get();
    return row !== undefined && row['busy'] === 0;
  }

  private statement(sql: string): SqlStatement {
    return this.statements.get(sql);
  }
}

function validateReceived(m: ReceivedMessageInput): void {
  requireInteger(m.conversationId, 'conversationId');
  requireText(m.senderJid, 'senderJid');
  requireInteger(m.sentAt, 'sentAt');
  requireInteger(m.receivedAt, 'receivedAt');
  if (m.body !== null && typeof m.body !== 'string') throw invalid('body');
}



function clampLimit(limit: number, max: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw invalid('limit');
  return Math.min(limit, max);
}


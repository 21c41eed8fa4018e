/**
 * Drafts: what a person has typed in a conversation's composer but not sent, one per
 * conversation. Sending clears it in the outbox's own transaction (OutboxQueries.queueOutgoing),
 * so a sent message never comes back as a draft. Synchronous; runs in the store worker.
 */
import { readNumber, readString } from './rowReaders.js';
import type { SqlDatabase } from './sqlPort.js';
import { StatementCache } from './statementCache.js';
import { invalid, requireInteger } from './storeArguments.js';
import type { Draft, DraftSaved } from './storeTypes.js';

/** The IPC cap on a message body: a draft may be over the composer's limit, never over this. */
export const MAX_DRAFT_LENGTH = 100_000;

export class DraftQueries {
  private readonly statements: StatementCache;

  constructor(private readonly db: SqlDatabase) {
    this.statements = new StatementCache(db);
  }

  /**
   * Keeps the draft (a blank one is removed) and says whether the conversation's draft marker
   * changed. 'no-conversation' if it does not exist (deleted meanwhile), rather than failing on
   * the foreign key.
   */
  saveDraft(conversationId: number, draft: Draft, now: number): DraftSaved {
    requireInteger(conversationId, 'conversationId');
    requireInteger(now, 'now');
    if (typeof draft.body !== 'string' || draft.body.length > MAX_DRAFT_LENGTH) throw invalid('body');
    if (typeof draft.urgent !== 'boolean') throw invalid('urgent');
    return this.db.transaction(() => {
      if (this.statements.get(`SELECT 1 FROM conversations WHERE id = ?`).get([conversationId]) === undefined) return 'no-conversation';
      const had = this.statements.get(`SELECT 1 FROM drafts WHERE conversation_id = ?`).get([conversationId]) !== undefined;
      if (draft.body.trim() === '') {
        this.statements.get(`DELETE FROM drafts WHERE conversation_id = ?`).run([conversationId]);
        return had ? 'removed' : 'unchanged';
      }
      this.statements
        .get(
          `INSERT INTO drafts (conversation_id, body, urgent, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (conversation_id) DO UPDATE SET body = excluded.body, urgent = excluded.urgent, updated_at = excluded.updated_at`,
        )
        .run([conversationId, draft.body, draft.urgent ? 1 : 0, now]);
      return had ? 'unchanged' : 'added';
    });
  }

  draftFor(conversationId: number): Draft | null {
    requireInteger(conversationId, 'conversationId');
    const row = this.statements.get(`SELECT body, urgent FROM drafts WHERE conversation_id = ?`).get([conversationId]);
    return row === undefined ? null : { body: readString(row, 'body'), urgent: readNumber(row, 'urgent') === 1 };
  }
}

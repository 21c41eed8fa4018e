/**
 * Each conversation keeps a copy of the start of its newest message (schema 8), so the first list
 * after unlock reads one small table instead of seeking 2,000 conversations' newest messages
 * through cold, encrypted pages (at 200,000 messages: 45 → 7 ms for the query, docs/BENCHMARKS.md).
 *
 * The copy is content, so it must never outlive its message: the triggers of schema 8 refresh it
 * whenever the message it copies is deleted (retention, delete after transcription) or changes
 * (retraction), and the store refreshes it after every insert. A retracted or structured newest
 * message gives no preview, never an older message's text.
 */

/** Characters of the newest message kept for a preview line: a long body is never copied whole. */
export const PREVIEW_CHARACTERS = 200;

/**
 * SET clause that re-reads the conversation's newest message into its preview columns (inside an
 * UPDATE of conversations). No message: every preview column NULL.
 * Changing what it copies needs a migration that recreates schema 8's triggers.
 */
export const PREVIEW_FROM_NEWEST = `(latest_message_id, latest_direction, latest_sender, latest_text) = (
    SELECT m.id, m.direction, m.sender_name,
      CASE WHEN m.retracted_at IS NULL AND m.content_type = 'text' THEN substr(m.body, 1, ${PREVIEW_CHARACTERS}) END
    FROM messages m WHERE m.conversation_id = conversations.id ORDER BY m.sent_at DESC, m.id DESC LIMIT 1
  )`;

/** Refreshes one conversation's preview: `conversationIdSql` is `old.conversation_id` in a trigger. */
export function refreshPreviewSql(conversationIdSql: string): string {
  return `UPDATE conversations SET ${PREVIEW_FROM_NEWEST} WHERE id = ${conversationIdSql}`;
}

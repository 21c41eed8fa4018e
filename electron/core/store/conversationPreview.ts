/**
 * Each conversation keeps a copy of the start of its newest message (schema 8), so the first list
 * after unlock reads one small table instead of seeking 2,000 conversations' newest messages
 * through cold, encrypted pages (at 200,000 messages: 45 → 7 ms for the query, docs/BENCHMARKS.md).
 * It is kept whatever the preview policy says: it never leaves the encrypted store unless listed.
 *
 * The copy is content, so it must never outlive its message: the triggers of schema 8 refresh it
 * whenever the message it copies is deleted (retention, the person deleting it) or changes
 * (retraction, removal after transcription, which blank it), and the store refreshes it after
 * every insert. A retracted or structured newest message gives no preview, never an older
 * message's text. Never write messages with REPLACE: its implicit delete fires no delete trigger
 * (neither this one nor the search index's); tests/unit/messageWrites.test.ts checks.
 */

/** Characters of the newest message kept for a preview line: a long body is never copied whole. */
export const PREVIEW_CHARACTERS = 200;

/**
 * SET clause that re-reads the conversation's newest message into its preview columns (inside an
 * UPDATE of conversations). No message: every preview column NULL. Schema 8's triggers write out
 * the same SQL: change both together, with a migration that recreates the triggers.
 */
export const PREVIEW_FROM_NEWEST = `(latest_message_id, latest_direction, latest_sender, latest_text) = (
    SELECT m.id, m.direction, m.sender_name,
      CASE WHEN m.retracted_at IS NULL AND m.content_type = 'text' THEN substr(m.body, 1, ${PREVIEW_CHARACTERS}) END
    FROM messages m WHERE m.conversation_id = conversations.id ORDER BY m.sent_at DESC, m.id DESC LIMIT 1
  )`;

/**
 * Versioned schema, tracked in PRAGMA user_version. Each migration runs in its
 * own transaction together with the version bump, so a crash leaves the file at
 * a whole version. Migrations are append-only: never edit a shipped one.
 */
import type { SqlDatabase } from './sqlPort.js';
import { StoreError } from './storeErrors.js';
import { incidentEventKey } from './incidentQueries.js';

export interface Migration {
  version: number;
  name: string;
  up(db: SqlDatabase): void;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'conversations, messages, full-text index, settings',
    up(db) {
      db.exec(`
        CREATE TABLE conversations (
          id INTEGER PRIMARY KEY,
          jid TEXT NOT NULL UNIQUE,
          kind TEXT NOT NULL CHECK (kind IN ('direct', 'room')),
          title TEXT NOT NULL,
          muted INTEGER NOT NULL DEFAULT 0 CHECK (muted IN (0, 1)),
          -- Denormalised so the list and the lock screen never scan messages;
          -- maintained by the store in the same transaction as the messages.
          last_activity_at INTEGER,
          unread_count INTEGER NOT NULL DEFAULT 0,
          urgent_unread_count INTEGER NOT NULL DEFAULT 0,
          created_at INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE messages (
          id INTEGER PRIMARY KEY,
          conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
          server_id TEXT,
          origin_id TEXT,
          direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
          sender_jid TEXT NOT NULL,
          sender_name TEXT,
          sender_role TEXT,
          body TEXT,
          content_type TEXT NOT NULL DEFAULT 'text' CHECK (content_type IN ('text', 'structured')),
          payload TEXT,
          sent_at INTEGER NOT NULL,
          received_at INTEGER NOT NULL,
          read_at INTEGER,
          delivery_state TEXT CHECK (delivery_state IN ('pending', 'sent', 'delivered', 'read', 'failed')),
          urgency TEXT NOT NULL DEFAULT 'normal' CHECK (urgency IN ('normal', 'urgent')),
          encryption TEXT NOT NULL DEFAULT 'none' CHECK (encryption IN ('none', 'omemo')),
          patient_identifier INTEGER NOT NULL DEFAULT 0 CHECK (patient_identifier IN (0, 1)),
          transcribed_by TEXT,
          transcribed_at INTEGER,
          record_reference TEXT,
          expires_at INTEGER,
          retracted_at INTEGER,
          retracted_by TEXT,
          retraction_reason TEXT,
          CHECK (direction = 'in' OR delivery_state IS NOT NULL)
        ) STRICT;

        -- Keyset pagination within a conversation: (sent_at, id) is a total order.
        CREATE INDEX messages_by_conversation ON messages (conversation_id, sent_at, id);
        -- De-duplication across live delivery, carbons, MUC reflection and MAM catch-up.
        CREATE UNIQUE INDEX messages_server_id ON messages (conversation_id, server_id) WHERE server_id IS NOT NULL;
        -- Scoped to the sender so nobody can suppress another's message by reusing its origin-id.
        CREATE UNIQUE INDEX messages_origin_id ON messages (conversation_id, sender_jid, origin_id) WHERE origin_id IS NOT NULL;
        -- Retention sweeps only touch expiring messages.
        CREATE INDEX messages_expiry ON messages (expires_at) WHERE expires_at IS NOT NULL;

        -- External-content FTS5 over messages.body: the text is stored once (in
        -- messages); the index holds only tokens. columnsize=0 drops the per-row
        -- size table (we rank by recency, not bm25).
        CREATE VIRTUAL TABLE messages_fts USING fts5(
          body,
          content = 'messages',
          content_rowid = 'id',
          columnsize = 0,
          tokenize = 'unicode61 remove_diacritics 2'
        );
        -- FTS5 secure-delete physically removes a deleted row's tokens from the
        -- index instead of leaving them behind a delete marker until a merge.
        INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 1);
        -- Merge segments 16 at a time rather than 4: less rewriting while a
        -- sync inserts, at the cost of a few more segments per search.
        INSERT INTO messages_fts (messages_fts, rank) VALUES ('automerge', 16);

        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.body IS NOT NULL BEGIN
          INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
        END;
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.body IS NOT NULL BEGIN
          INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
        END;
        -- Covers retraction (body set to NULL) and edits.
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
          INSERT INTO messages_fts (messages_fts, rowid, body) SELECT 'delete', old.id, old.body WHERE old.body IS NOT NULL;
          INSERT INTO messages_fts (rowid, body) SELECT new.id, new.body WHERE new.body IS NOT NULL;
        END;

        CREATE TABLE settings (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    name: 'outbox and audit log',
    up(db) {
      db.exec(`
        -- Messages we composed that the server has not yet acknowledged.
        CREATE TABLE outbox (
          message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
          attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER NOT NULL,
          last_error TEXT,
          created_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX outbox_due ON outbox (next_attempt_at);

        -- Tamper-evident governance trail (transcription, deletion, policy):
        -- each row's hash covers the previous row's hash. Never holds content.
        CREATE TABLE audit_log (
          seq INTEGER PRIMARY KEY,
          at INTEGER NOT NULL,
          kind TEXT NOT NULL,
          actor TEXT NOT NULL,
          details TEXT NOT NULL CHECK (json_valid(details)),
          prev_hash TEXT NOT NULL,
          hash TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 3,
    name: 'origin-id de-dup index keyed (conversation, origin-id, sender)',
    up(db) {
      // Same columns, same uniqueness, new order: lookups by (conversation, origin-id) without the
      // sender (our own messages coming back from the archive, receipts and markers for them) now
      // seek instead of walking every index entry of the conversation, which made a catch-up of a
      // large room quadratic. Lookups with all three columns (retractions, de-dup) still seek.
      db.exec(`
        DROP INDEX messages_origin_id;
        CREATE UNIQUE INDEX messages_origin_id ON messages (conversation_id, origin_id, sender_jid) WHERE origin_id IS NOT NULL;
      `);
    },
  },
  {
    version: 4,
    name: 'governance: who removed a message (by name), needs-transcription index',
    up(db) {
      // retracted_by keeps the remover's JID; the tombstone names the person as they signed it.
      // The partial index holds only untranscribed patient-identifiable messages, so inserts of
      // ordinary messages pay nothing for the "Needs transcription" list.
      db.exec(`
        ALTER TABLE messages ADD COLUMN retracted_by_name TEXT;
        CREATE INDEX messages_needing_transcription ON messages (sent_at)
          WHERE patient_identifier = 1 AND transcribed_at IS NULL AND retracted_at IS NULL;
      `);
    },
  },
  {
    version: 5,
    name: 'incident events and sends as rows (were whole-JSON settings); unused outbox index dropped',
    up(db) {
      db.exec(`
        -- Append-only: one row per distinct event copy, keyed by the hash of its JSON.
        CREATE TABLE incident_events (
          key TEXT PRIMARY KEY,
          incident_id TEXT NOT NULL,
          received_at INTEGER NOT NULL,
          event TEXT NOT NULL CHECK (json_valid(event))
        ) STRICT, WITHOUT ROWID;
        -- Retention purges whole incidents by their latest activity.
        CREATE INDEX incident_events_incident ON incident_events (incident_id, received_at);

        -- Incident messages the server has not acknowledged yet.
        CREATE TABLE incident_outbox (
          id TEXT PRIMARY KEY,
          incident_id TEXT NOT NULL,
          queued_at INTEGER NOT NULL,
          entry TEXT NOT NULL CHECK (json_valid(entry))
        ) STRICT, WITHOUT ROWID;

        -- Nothing reads the outbox by due time: every unsent message is sent on each connect.
        DROP INDEX outbox_due;
      `);
      moveIncidentSettings(db);
    },
  },
  {
    version: 6,
    name: 'drafts: what a person typed but has not sent, one per conversation',
    up(db) {
      // Kept here, encrypted, rather than in the page (whose storage is plaintext on disk), so a
      // conversation switch, a lock or a restart never loses a half-written message.
      db.exec(`
        CREATE TABLE drafts (
          conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
          body TEXT NOT NULL,
          urgent INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),
          updated_at INTEGER NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 7,
    name: 'notification level per conversation (replaces the muted flag nothing set)',
    up(db) {
      // Three levels, not two: a busy team room can still sound when someone names the person.
      // Urgent messages notify at every level (electron/common/notifyLevels.ts).
      db.exec(`
        ALTER TABLE conversations ADD COLUMN notify TEXT NOT NULL DEFAULT 'all' CHECK (notify IN ('all', 'mentions', 'urgent'));
        UPDATE conversations SET notify = 'urgent' WHERE muted = 1 AND kind = 'room';
        ALTER TABLE conversations DROP COLUMN muted;
      `);
    },
  },
  {
    version: 8,
    name: "each conversation keeps its newest message's preview, refreshed when that message goes or changes",
    up(db) {
      // Why, and the rule that the copy never outlives its message: conversationPreview.ts. The store
      // refreshes it after inserts (once per conversation per batch, off the per-row insert path).
      // The SQL is written out, not built from PREVIEW_FROM_NEWEST: a shipped migration never changes.
      const refresh = (conversationId: string): string => `UPDATE conversations SET (latest_message_id, latest_direction, latest_sender, latest_text) = (
          SELECT m.id, m.direction, m.sender_name,
            CASE WHEN m.retracted_at IS NULL AND m.content_type = 'text' THEN substr(m.body, 1, 200) END
          FROM messages m WHERE m.conversation_id = conversations.id ORDER BY m.sent_at DESC, m.id DESC LIMIT 1
        ) WHERE id = ${conversationId}`;
      db.exec(`
        ALTER TABLE conversations ADD COLUMN latest_message_id INTEGER;
        ALTER TABLE conversations ADD COLUMN latest_direction TEXT;
        ALTER TABLE conversations ADD COLUMN latest_sender TEXT;
        ALTER TABLE conversations ADD COLUMN latest_text TEXT;
        CREATE TRIGGER conversations_preview_delete AFTER DELETE ON messages
          WHEN old.id = (SELECT latest_message_id FROM conversations WHERE id = old.conversation_id)
        BEGIN
          ${refresh('old.conversation_id')};
        END;
        -- A message moved to another conversation refreshes both (nothing moves messages today).
        CREATE TRIGGER conversations_preview_update
          AFTER UPDATE OF body, content_type, retracted_at, sent_at, direction, sender_name, conversation_id ON messages
          WHEN old.id = (SELECT latest_message_id FROM conversations WHERE id = old.conversation_id)
            OR new.sent_at IS NOT old.sent_at OR new.conversation_id IS NOT old.conversation_id
        BEGIN
          ${refresh('old.conversation_id')};
          ${refresh('new.conversation_id')};
        END;
        ${refresh('conversations.id')};
      `);
    },
  },
  {
    version: 9,
    name: 'team rooms the person left',
    up(db) {
      // Kept here as well as by the bookmark's removal: a removal that failed (offline) must not
      // bring the room back at the next sign-in, and the conversation says it was left.
      db.exec(`ALTER TABLE conversations ADD COLUMN left_at INTEGER;`);
    },
  },
];

export const latestSchemaVersion = migrations.length;

/** Brings the database to `target` (default: latest). Returns the version it started at. */
export function migrate(db: SqlDatabase, target: number = latestSchemaVersion, list: readonly Migration[] = migrations): number {
  const current = Number(db.pragmaValue('user_version') ?? 0);
  if (current > list.length) throw new StoreError('newer-schema');
  for (const migration of list) {
    if (migration.version <= current || migration.version > target) continue;
    db.transaction(() => {
      migration.up(db);
      db.exec(`PRAGMA user_version = ${migration.version}`);
    });
  }
  return current;
}

/**
 * Version 5: the two incident settings become rows. Records that are not objects with an
 * incident id are dropped (the service already skipped them on load); the settings go.
 */
function moveIncidentSettings(db: SqlDatabase): void {
  const read = (key: string): Record<string, unknown>[] => {
    const row = db.prepare(`SELECT value FROM settings WHERE key = ?`).get([key]);
    if (row === undefined || typeof row['value'] !== 'string') return [];
    try {
      const parsed: unknown = JSON.parse(row['value']);
      return Array.isArray(parsed) ? parsed.filter((item): item is Record<string, unknown> => item !== null && typeof item === 'object') : [];
    } catch {
      return [];
    }
  };
  const insertEvent = db.prepare(`INSERT INTO incident_events (key, incident_id, received_at, event) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`);
  for (const event of read('incident.events')) {
    if (typeof event['incidentId'] !== 'string' || event['incidentId'] === '') continue;
    const json = JSON.stringify(event);
    // When it arrived was not kept: the sender's own time stands in, so retention counts from then.
    const at = Number.isSafeInteger(event['at']) ? (event['at'] as number) : 0;
    insertEvent.run([incidentEventKey(json), event['incidentId'], at, json]);
  }
  const insertSend = db.prepare(`INSERT INTO incident_outbox (id, incident_id, queued_at, entry) VALUES (?, ?, 0, ?) ON CONFLICT (id) DO NOTHING`);
  for (const entry of read('incident.outbox')) {
    const draft = entry['draft'] as Record<string, unknown> | undefined;
    if (typeof entry['id'] !== 'string' || typeof draft?.['incidentId'] !== 'string') continue;
    insertSend.run([entry['id'], draft['incidentId'], JSON.stringify(entry)]);
  }
  db.prepare(`DELETE FROM settings WHERE key IN ('incident.events', 'incident.outbox')`).run([]);
}

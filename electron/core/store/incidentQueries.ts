/**
 * Major-incident events and unsent incident messages in the store: append-only rows, one
 * transaction per burst, and a retention purge per incident. (They used to be one JSON setting
 * rewritten whole on every burst and never expired: a 500-responder call-in rewrote the lot each
 * turn, and the names, roles and METHANE text outlived every message.)
 *
 * The store does not interpret events: the incident service validates them on the way in and
 * again when it loads them. Rows are keyed by a hash of the event's JSON, so a copy that arrives
 * twice (1:1, the room, the archive) is stored once.
 */
import { createHash } from 'node:crypto';
import { readNumber, readString } from './rowReaders.js';
import type { SqlDatabase } from './sqlPort.js';
import { StatementCache } from './statementCache.js';
import { invalid, requireInteger, requireText } from './storeArguments.js';

/** One event as the incident service serialised it. */
export interface IncidentEventRow {
  incidentId: string;
  /** JSON of the event; hashed for its key. */
  event: string;
}

/** One message the server has not yet acknowledged. */
export interface IncidentSendRow {
  id: string;
  incidentId: string;
  entry: string;
}

export interface IncidentChanges {
  events: readonly IncidentEventRow[];
  queued: readonly IncidentSendRow[];
  /** Sends the server acknowledged. */
  sent: readonly string[];
}

export interface IncidentRecords {
  events: string[];
  outbox: string[];
}

export interface IncidentPurge {
  incidentIds: string[];
  events: number;
}

/** Big enough for any real incident event (details are capped at 4,000 characters); the service drops larger ones. */
export const INCIDENT_RECORD_MAX_CHARS = 64_000;

export const incidentEventKey = (eventJson: string): string => createHash('sha256').update(eventJson).digest('hex');

export class IncidentQueries {
  readonly #statements: StatementCache;

  constructor(private readonly db: SqlDatabase) {
    this.#statements = new StatementCache(db);
  }

  /** One transaction: new events (duplicates ignored), new sends, acknowledged sends removed. */
  save(changes: IncidentChanges, now: number): void {
    requireInteger(now, 'now');
    const insertEvent = this.#statements.get(
      `INSERT INTO incident_events (key, incident_id, received_at, event) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
    );
    const insertSend = this.#statements.get(
      `INSERT INTO incident_outbox (id, incident_id, queued_at, entry) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    );
    const deleteSend = this.#statements.get(`DELETE FROM incident_outbox WHERE id = ?`);
    this.db.transaction(() => {
      for (const row of changes.events) {
        requireText(row.incidentId, 'incidentId');
        insertEvent.run([incidentEventKey(record(row.event, 'event')), row.incidentId, now, row.event]);
      }
      for (const row of changes.queued) {
        requireText(row.id, 'id');
        requireText(row.incidentId, 'incidentId');
        insertSend.run([row.id, row.incidentId, now, record(row.entry, 'entry')]);
      }
      for (const id of changes.sent) {
        requireText(id, 'id');
        deleteSend.run([id]);
      }
    });
  }

  /** Everything held, in the order it was stored (the board does not depend on it). */
  load(): IncidentRecords {
    const events = this.#statements.get(`SELECT event FROM incident_events ORDER BY received_at, key`).all([]).map((row) => readString(row, 'event'));
    const outbox = this.#statements.get(`SELECT entry FROM incident_outbox ORDER BY queued_at, id`).all([]).map((row) => readString(row, 'entry'));
    return { events, outbox };
  }

  /**
   * Retention: every incident whose first record arrived before `cutoff` is deleted whole (events
   * and unsent messages), never a part of one, so a board is never half there. Counted from the
   * first record, not the latest: anyone can send an event for any incident, so "latest activity"
   * would let them keep its names and METHANE text forever. Incidents in `open` (declared and not
   * closed, as the board says) are kept until their first record is older than `openCutoff`: a
   * running incident must not vanish mid-response.
   */
  purgeBefore(cutoff: number, open: readonly string[] = [], openCutoff: number = cutoff): IncidentPurge {
    requireInteger(cutoff, 'cutoff');
    requireInteger(openCutoff, 'openCutoff');
    return this.db.transaction(() => {
      const stale = this.#statements
        .get(
          `SELECT incident_id FROM incident_events GROUP BY incident_id
           HAVING min(received_at) < ? AND (incident_id NOT IN (SELECT value FROM json_each(?)) OR min(received_at) < ?)`,
        )
        .all([cutoff, JSON.stringify(open.filter((id) => typeof id === 'string')), openCutoff])
        .map((row) => readString(row, 'incident_id'));
      let events = 0;
      const countEvents = this.#statements.get(`SELECT count(*) AS n FROM incident_events WHERE incident_id = ?`);
      const deleteEvents = this.#statements.get(`DELETE FROM incident_events WHERE incident_id = ?`);
      const deleteSends = this.#statements.get(`DELETE FROM incident_outbox WHERE incident_id = ?`);
      for (const incidentId of stale) {
        events += readNumber(countEvents.get([incidentId]) ?? { n: 0 }, 'n');
        deleteEvents.run([incidentId]);
        deleteSends.run([incidentId]);
      }
      return { incidentIds: stale, events };
    });
  }
}

function record(json: string, name: string): string {
  requireText(json, name);
  if (json.length > INCIDENT_RECORD_MAX_CHARS) throw invalid(`${name} too long`);
  return json;
}

/**
 * Retractions after transcription must reach the other participants even if the server is
 * away when the person presses "Delete originals", or Wardline restarts before it returns. Each
 * one is kept in the profile's encrypted settings (ids and a name, no content) until the server
 * acknowledges it (XEP-0198), then forgotten.
 */
import { randomBytes } from 'node:crypto';
import { buildRetraction } from '../messaging/index.js';
import type { WardlineStore } from '../store/index.js';
import type { XmlElement } from '../xmpp/index.js';
import type { RetractionTarget } from './chatTypes.js';

const QUEUE_SETTING = 'governance.pendingRetractions';

interface PendingRetraction {
  id: string;
  to: string;
  type: 'chat' | 'groupchat';
  targetId: string;
  byName: string;
  at: number;
}

export interface TranscriptionRetractionsDeps {
  store: WardlineStore;
  /** Resolves when the server acknowledges the stanza. */
  send(stanza: XmlElement): Promise<void>;
  log(line: string): void;
}

export class TranscriptionRetractions {
  readonly #deps: TranscriptionRetractionsDeps;
  /** Serialises reads and writes of the persisted queue. */
  #queue: Promise<unknown> = Promise.resolve();
  readonly #inFlight = new Set<string>();

  constructor(deps: TranscriptionRetractionsDeps) {
    this.#deps = deps;
  }

  /** Persists one retraction per target, then tries to send them. Returns how many were queued. */
  async queue(conversation: { jid: string; kind: 'direct' | 'room' }, targets: readonly RetractionTarget[], byName: string, at: number): Promise<number> {
    const type = conversation.kind === 'room' ? 'groupchat' : 'chat';
    const fresh: PendingRetraction[] = [];
    for (const target of targets) {
      // XEP-0424 §4: 1:1 retractions name the origin-id, room retractions the room's stanza-id.
      const targetId = type === 'groupchat' ? target.serverId : target.originId;
      if (targetId === null) {
        this.#deps.log(`chat retraction-skipped reason=no-${type === 'groupchat' ? 'stanza' : 'origin'}-id`);
        continue;
      }
      fresh.push({ id: `wl-${randomBytes(12).toString('hex')}`, to: conversation.jid, type, targetId, byName, at });
    }
    if (fresh.length > 0) await this.#update((pending) => [...pending, ...fresh]);
    void this.flush();
    return fresh.length;
  }

  /** Sends whatever is queued and not already on its way; safe to call on every new session. */
  async flush(): Promise<void> {
    const pending = await this.#update((list) => list);
    for (const retraction of pending) {
      if (this.#inFlight.has(retraction.id)) continue;
      this.#inFlight.add(retraction.id);
      this.#deps
        .send(buildRetraction({ ...retraction, transcribed: { byName: retraction.byName, at: retraction.at } }))
        .then(
          () => this.#update((list) => list.filter((r) => r.id !== retraction.id)),
          // Not acknowledged (offline, session replaced): it stays queued for the next flush.
          () => this.#deps.log('chat retraction-send-deferred'),
        )
        .catch(() => this.#deps.log('chat retraction-queue-write-failed'))
        .finally(() => this.#inFlight.delete(retraction.id));
    }
  }

  #update(change: (pending: PendingRetraction[]) => PendingRetraction[]): Promise<PendingRetraction[]> {
    const run = this.#queue.then(async () => {
      const before = parseQueue(await this.#deps.store.getSetting(QUEUE_SETTING));
      const after = change(before);
      if (after !== before) await this.#deps.store.setSetting(QUEUE_SETTING, JSON.stringify(after));
      return after;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function parseQueue(raw: string | null): PendingRetraction[] {
  if (raw === null) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter(isPendingRetraction) : [];
  } catch {
    return [];
  }
}

function isPendingRetraction(value: unknown): value is PendingRetraction {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r['id'] === 'string' &&
    typeof r['to'] === 'string' &&
    (r['type'] === 'chat' || r['type'] === 'groupchat') &&
    typeof r['targetId'] === 'string' &&
    typeof r['byName'] === 'string' &&
    typeof r['at'] === 'number'
  );
}

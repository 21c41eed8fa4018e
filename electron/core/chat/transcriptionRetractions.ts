/**
 * Retractions after transcription must reach the other participants even if the server is away
 * when the person presses "Delete originals", or Wardline restarts before it returns. The store
 * queues them in the transaction that removes the messages (store/pendingRetractions.ts); this
 * sends them and forgets each once the server acknowledges it (XEP-0198).
 */
import { buildRetraction } from '../messaging/index.js';
import type { PendingRetraction, WardlineStore } from '../store/index.js';
import type { XmlElement } from '../xmpp/index.js';

export interface TranscriptionRetractionsDeps {
  store: WardlineStore;
  /** Resolves when the server acknowledges the stanza. */
  send(stanza: XmlElement): Promise<void>;
  /**
   * Whether we are in this room now. A room takes nothing from someone not in it, yet the server
   * acknowledges the stanza, which would forget the retraction unsent: it waits until we are back.
   */
  inRoom(room: string): boolean;
  log(line: string): void;
}

export class TranscriptionRetractions {
  readonly #deps: TranscriptionRetractionsDeps;
  readonly #inFlight = new Set<string>();

  constructor(deps: TranscriptionRetractionsDeps) {
    this.#deps = deps;
  }

  /** Sends whatever is queued and not already on its way; safe to call at any time. */
  async flush(): Promise<void> {
    let pending: PendingRetraction[];
    try {
      pending = await this.#deps.store.pendingRetractions();
    } catch {
      return this.#deps.log('chat retraction-queue-unreadable');
    }
    for (const retraction of pending) {
      if (this.#inFlight.has(retraction.id)) continue;
      if (retraction.type === 'groupchat' && !this.#deps.inRoom(retraction.to)) continue;
      this.#inFlight.add(retraction.id);
      this.#deps
        .send(buildRetraction({ ...retraction, transcribed: { byName: retraction.byName, at: retraction.at } }))
        .then(
          () => this.#deps.store.forgetPendingRetraction(retraction.id),
          // Not acknowledged (offline, session replaced): it stays queued for the next flush.
          () => this.#deps.log('chat retraction-send-deferred'),
        )
        .catch(() => this.#deps.log('chat retraction-queue-write-failed'))
        .finally(() => this.#inFlight.delete(retraction.id));
    }
  }
}

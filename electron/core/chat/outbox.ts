/**
 * Sending without loss or repeats. A message is written to the encrypted outbox (with the
 * message row) before any byte goes out; it leaves the outbox only when the server acknowledges
 * it (XEP-0198), a receipt or marker arrives for it, or its own copy comes back (carbon, room
 * reflection, archive). Every resend reuses its origin-id, so a receiver that got it twice
 * stores it once; and a message is handed to the connection at most once per session.
 */
import { buildChatMessage, buildGroupchatMessage } from '../messaging/index.js';
import type { OutboxEntry, WardlineStore } from '../store/index.js';
import type { XmlElement } from '../xmpp/index.js';
import { errorName } from '../logSafeErrors.js';
import { buildSenderCard } from './senderCard.js';
import type { Unacknowledged } from './streamRefusals.js';

export interface OutboxDeps {
  store: WardlineStore;
  /** Resolves when the server acknowledges the stanza. */
  send(stanza: XmlElement): Promise<void>;
  self: { name: string; role: string };
  /** Room messages wait until we are in the room: the room would bounce them after the server acked them. */
  canSend(entry: OutboxEntry): boolean;
  changed(conversationIds: readonly number[]): void;
  log(line: string): void;
}

/** How many recent transmissions are remembered for matching bounces that name no conversation. */
const RECENT_LIMIT = 500;

export class Outbox {
  readonly #deps: OutboxDeps;
  /** origin-id → the entry last transmitted with it, oldest first (a server bounce names only the id). */
  readonly #recent = new Map<string, OutboxEntry>();
  /** messageId → the attempt currently with the connection (and the message's conversation). */
  readonly #inFlight = new Map<number, { attempt: symbol; conversationId: number; at: number }>();
  /**
   * Retried while an earlier attempt was still with the connection: that attempt's late ack must
   * not mark the retry 'sent' (its stanza was the one bounced), so the retry goes out after it.
   */
  readonly #resendAfterAttempt = new Map<number, OutboxEntry>();
  #ready = false;
  /** After the server ended a stream over a stanza: one message at a time, so the next refusal names it (streamRefusals.ts). */
  #oneAtATime = false;
  #flushing: Promise<number> | null = null;
  #flushAgain = false;

  constructor(deps: OutboxDeps) {
    this.#deps = deps;
  }

  /** Ready once the session is set up (rooms joined, catch-up done); false while offline. */
  setReady(ready: boolean): void {
    this.#ready = ready;
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** The message is already in the outbox: send it now if the session is ready, else on the next flush. */
  queued(entry: OutboxEntry): void {
    if (this.#ready && !this.#waitsItsTurn()) this.#transmit(entry);
  }

  /**
   * Until the outbox next empties, each message waits for the one before it to be acknowledged:
   * after a session the server ended over one of several unacknowledged messages, the next such
   * end has only the culprit with the connection.
   */
  oneAtATime(): void {
    this.#oneAtATime = true;
  }

  #waitsItsTurn(): boolean {
    return this.#oneAtATime && this.#inFlight.size > 0;
  }

  /** A bounced message the person (or an automatic retry) put back: sent again, after any attempt still in flight. */
  retried(entry: OutboxEntry): void {
    if (this.#inFlight.has(entry.messageId)) this.#resendAfterAttempt.set(entry.messageId, entry);
    else this.queued(entry);
  }

  /** Sends everything pending that is not already with the connection; returns how many went out. */
  flush(): Promise<number> {
    if (this.#flushing !== null) {
      // One more pass after the current one, so nothing queued meanwhile is missed.
      this.#flushAgain = true;
      return this.#flushing;
    }
    // The body may finish without ever awaiting (not ready: offline, or a room's catch-up ending
    // after a drop); its finally then runs before this assignment, which must not follow it, or
    // #flushing would stay set for good and every later flush would send nothing.
    let finished = false;
    const flushing = (async () => {
      let sent = 0;
      try {
        do {
          this.#flushAgain = false;
          if (!this.#ready) break;
          for (const entry of await this.#deps.store.pendingOutbox()) {
            if (this.#waitsItsTurn()) break;
            if (this.#transmit(entry)) sent += 1;
          }
          // Nothing left that can go now (empty, or only room messages waiting for their room):
          // nothing to single out, so back to sending at once.
          if (this.#inFlight.size === 0) this.#oneAtATime = false;
        } while (this.#flushAgain);
      } finally {
        finished = true;
        this.#flushing = null;
      }
      return sent;
    })();
    if (!finished) this.#flushing = flushing;
    return flushing;
  }

  /** The messages with the connection now, not yet acknowledged by the server. */
  inFlightMessages(): Unacknowledged[] {
    return [...this.#inFlight].map(([messageId, { conversationId, at }]) => ({ messageId, conversationId, sentAt: at }));
  }

  /** The message we recently transmitted with this origin-id, if any (this session only). */
  sentRecently(originId: string): OutboxEntry | undefined {
    return this.#recent.get(originId);
  }

  #transmit(entry: OutboxEntry): boolean {
    if (!this.#ready || this.#inFlight.has(entry.messageId) || !this.#deps.canSend(entry)) return false;
    const attempt = Symbol(entry.originId);
    this.#inFlight.set(entry.messageId, { attempt, conversationId: entry.conversationId, at: Date.now() });
    this.#recent.delete(entry.originId);
    this.#recent.set(entry.originId, entry);
    const oldest = this.#recent.keys().next();
    if (this.#recent.size > RECENT_LIMIT && oldest.done !== true) this.#recent.delete(oldest.value);
    const build = entry.conversationKind === 'room' ? buildGroupchatMessage : buildChatMessage;
    const stanza = build({ to: entry.conversationJid, id: entry.originId, body: entry.body, urgency: entry.urgency });
    stanza.append(buildSenderCard(this.#deps.self));
    const done = (): void => {
      if (this.#inFlight.get(entry.messageId)?.attempt === attempt) this.#inFlight.delete(entry.messageId);
    };
    this.#deps.send(stanza).then(
      async () => {
        const retry = this.#resendAfterAttempt.get(entry.messageId);
        if (retry !== undefined) {
          done();
          this.#resendAfterAttempt.delete(entry.messageId);
          if (this.#ready) this.#transmit(retry);
          return;
        }
        // In flight until 'sent' is stored: a flush whose outbox read was queued before this
        // write would otherwise still see it pending and send it a second time.
        try {
          if (await this.#deps.store.markSent(entry.messageId)) this.#deps.changed([entry.conversationId]);
        } catch (error) {
          this.#deps.log(`chat outbox-mark-failed message=${entry.messageId} error=${errorName(error)}`);
        } finally {
          done();
        }
        if (this.#oneAtATime) void this.flush();
      },
      async (error: unknown) => {
        done();
        // The retry is pending in the store: the next session's flush sends it.
        this.#resendAfterAttempt.delete(entry.messageId);
        // Stays in the outbox: resent after the next session starts (same origin-id).
        const kind = errorName(error);
        this.#deps.log(`chat send-unacked message=${entry.messageId} error=${kind}`);
        await this.#deps.store.recordSendAttempt(entry.messageId, kind).catch(() => undefined);
      },
    );
    return true;
  }
}

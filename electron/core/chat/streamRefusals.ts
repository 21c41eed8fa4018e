/**
 * A message the server will not take at all. Some servers end the whole stream over one stanza
 * (stream error policy-violation: over its stanza size limit, or a filtering module); the
 * message, still unacknowledged, would go out again after every reconnect, for ever, with
 * everything queued behind it, and the person would see only a clock. A message that was
 * unacknowledged when two sessions in a row ended that way is marked failed ('refused'), text
 * kept, for the person to shorten or retry. Two, not one: several messages may be unacknowledged
 * when it happens; after it the outbox sends one at a time (Outbox.oneAtATime), so at the next
 * such end only the culprit is with the connection.
 */
import type { WardlineStore } from '../store/index.js';

export const REFUSALS_BEFORE_FAILING = 2;
/**
 * Stream errors that end a session over what we sent: policy-violation (size limit, a filtering
 * module), and XML the server cannot read (a character XML forbids that slipped past our guards,
 * e.g. in a message queued by an older version).
 */
export const REFUSING_STREAM_ERRORS: ReadonlySet<string> = new Set(['policy-violation', 'not-well-formed', 'invalid-xml', 'restricted-xml']);
/**
 * A server refuses a stanza as it reads it: only a message sent this shortly before the end is a
 * suspect. (ejabberd also ends streams with policy-violation for its own reasons, e.g. too many
 * stanzas we had not acknowledged; a message long with the connection did not cause that.)
 */
export const REFUSAL_WINDOW_MS = 5_000;

/** A message that was with the connection, unacknowledged, when the server ended the stream. */
export interface Unacknowledged {
  messageId: number;
  conversationId: number;
  sentAt: number;
}

export interface StreamRefusalDeps {
  store: Pick<WardlineStore, 'markFailed'>;
  changed(conversationIds: readonly number[]): void;
  /** Refused for good: the person must act (an OS notification, without content). */
  failedForGood(conversationId: number): void;
  log(line: string): void;
}

export class StreamRefusals {
  /** messageId → refused sessions in a row it was unacknowledged in. */
  #strikes = new Map<number, number>();
  /** One refusal at a time: each reads and replaces #strikes. */
  #work: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: StreamRefusalDeps,
    private readonly now: () => number = Date.now,
  ) {}

  /** The session ended with one of REFUSING_STREAM_ERRORS while these messages were unacknowledged. */
  sessionRefused(unacknowledged: readonly Unacknowledged[]): Promise<void> {
    this.#work = this.#work.then(() => this.#refused(unacknowledged));
    return this.#work;
  }

  async #refused(unacknowledged: readonly Unacknowledged[]): Promise<void> {
    const strikes = new Map<number, number>();
    const since = this.now() - REFUSAL_WINDOW_MS;
    for (const { messageId, conversationId } of unacknowledged.filter((message) => message.sentAt >= since)) {
      const count = (this.#strikes.get(messageId) ?? 0) + 1;
      if (count < REFUSALS_BEFORE_FAILING) {
        strikes.set(messageId, count);
        continue;
      }
      const failed = await this.deps.store.markFailed(messageId, 'refused').catch(() => false);
      this.deps.log(`chat stream-refused message=${messageId} marked=${failed}`);
      if (!failed) continue;
      this.deps.changed([conversationId]);
      this.deps.failedForGood(conversationId);
    }
    // "In a row": a message not unacknowledged at this refusal starts again from zero.
    this.#strikes = strikes;
  }
}

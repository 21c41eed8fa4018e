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

  constructor(private readonly deps: StreamRefusalDeps) {}

  /** The session ended with stream error policy-violation while these messages were unacknowledged. */
  async sessionRefused(unacknowledged: readonly { messageId: number; conversationId: number }[]): Promise<void> {
    const strikes = new Map<number, number>();
    for (const { messageId, conversationId } of unacknowledged) {
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

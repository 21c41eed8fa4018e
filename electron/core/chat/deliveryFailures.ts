/**
 * Bounced messages: a <message type='error'/> answering one of ours marks it 'failed' (text
 * kept, reason parked on its outbox row), and the person can retry it with the same origin-id.
 * Temporary ('wait') errors are also retried automatically a bounded number of times; see
 * decideBounce for why. Only whoever the message went to, or our own server, may bounce it
 * (isBounceFromRecipient); anything else is logged, without content, and ignored.
 *
 * Logging: the error condition, ids and JIDs only. Error replies may echo our text; it is never read.
 */
import { decideBounce, isBounceFromRecipient, jidForLog, type MessageBounce } from '../messaging/index.js';
import type { ConversationKind, OutboxEntry, WardlineStore } from '../store/index.js';
import { errorName } from '../logSafeErrors.js';

export interface BounceTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface DeliveryFailureDeps {
  store: WardlineStore;
  ownDomain: string;
  /** What we transmitted this session with this origin-id (a server bounce names no conversation). */
  sentRecently(originId: string): { conversationId: number; conversationJid: string; conversationKind: ConversationKind } | undefined;
  /** Hands a re-queued message to the outbox (sent now if the session is ready, else on the next flush). */
  resend(entry: OutboxEntry): void;
  changed(conversationIds: readonly number[]): void;
  /** Refused for good: the person must act (an OS notification, without content). */
  failedForGood(conversationId: number): void;
  log(line: string): void;
  /** A room nothing can go to now: it shut us out, or the person left it. */
  roomShut(room: string): boolean;
  timers: BounceTimers;
  /** Waits before automatic resends after 'wait' errors (default WAIT_RETRY_DELAYS_MS). */
  waitRetryDelaysMs?: readonly number[];
}

/** Automatic-retry counts are kept for this many messages at most (oldest forgotten first). */
const RETRY_COUNT_LIMIT = 500;

export class DeliveryFailures {
  readonly #deps: DeliveryFailureDeps;
  /** messageId → automatic resends so far (this session). */
  readonly #autoRetries = new Map<number, number>();
  /** Pending automatic resends: timer → message. */
  readonly #timers = new Map<unknown, number>();
  #stopped = false;

  constructor(deps: DeliveryFailureDeps) {
    this.#deps = deps;
  }

  async bounced(bounce: MessageBounce): Promise<void> {
    const { store, log } = this.#deps;
    const conversation = await this.#conversationOf(bounce);
    if (conversation === null) {
      // Not ours (an incident stanza, a receipt, something long gone): nothing to mark.
      log(`chat bounce-unmatched condition=${bounce.condition} from=${jidForLog(bounce.from)}`);
      return;
    }
    if (!isBounceFromRecipient(bounce.from, { jid: conversation.jid, kind: conversation.kind }, this.#deps.ownDomain)) {
      // Security-relevant, like a spoofed carbon: who and why, never what.
      // Bare address only: a room occupant's full address carries their nick, usually a name.
      log(`chat rejected reason=spoofed-bounce from=${jidForLog(bounce.from)} conversation=${conversation.id}`);
      return;
    }
    const target = await store.findOutgoing(conversation.id, bounce.id);
    if (target === null) {
      log(`chat bounce-unmatched condition=${bounce.condition} from=${jidForLog(bounce.from)}`);
      return;
    }
    const retriesSoFar = this.#autoRetries.get(target.messageId) ?? 0;
    const decision = decideBounce(bounce, conversation.kind, retriesSoFar, this.#deps.waitRetryDelaysMs);
    const failed = await store.markFailed(target.messageId, decision.reason);
    log(
      `chat bounced message=${target.messageId} condition=${bounce.condition} type=${bounce.errorType ?? '-'} ` +
        `reason=${decision.reason} marked=${failed} auto-retry=${decision.retryAfterMs === null ? 'no' : `${decision.retryAfterMs}ms`}`,
    );
    if (!failed) return; // already delivered or read (or already failed): nothing to show or retry
    this.#deps.changed([conversation.id]);
    if (decision.retryAfterMs === null) this.#deps.failedForGood(conversation.id);
    else if (this.#stopped) await this.#resendNextSession(target.messageId);
    else this.#scheduleRetry(target.messageId, retriesSoFar + 1, decision.retryAfterMs);
  }

  /**
   * A room removed us (or refused our join): what waits in the outbox for it would wait unseen, so
   * it is marked failed now, text kept, for the person to retry once they are back in the room.
   */
  async roomClosed(room: string): Promise<void> {
    const waiting = (await this.#deps.store.pendingOutbox()).filter((entry) => entry.conversationKind === 'room' && entry.conversationJid === room);
    const conversationId = waiting[0]?.conversationId;
    if (conversationId === undefined) return;
    let failed = 0;
    for (const entry of waiting) if (await this.#deps.store.markFailed(entry.messageId, 'not-allowed-in-room')) failed += 1;
    this.#deps.log(`chat room-closed room=${jidForLog(room)} failed=${failed}`);
    if (failed === 0) return;
    this.#deps.changed([conversationId]);
    this.#deps.failedForGood(conversationId);
  }

  /**
   * The person's retry: back into the outbox with its origin-id. 'not-failed' if it is not a failed
   * message; 'room-closed' (and still failed) if it is for a room that has not let us back in, or
   * that the person left.
   */
  async retry(messageId: number): Promise<'requeued' | 'not-failed' | 'room-closed'> {
    const entry = await this.#deps.store.requeueFailed(messageId);
    if (entry === null) return 'not-failed';
    if (entry.conversationKind === 'room' && this.#deps.roomShut(entry.conversationJid)) {
      await this.#deps.store.markFailed(messageId, 'not-allowed-in-room');
      return 'room-closed';
    }
    this.#deps.log(`chat retry message=${messageId} by=person`);
    this.#deps.resend(entry);
    this.#deps.changed([entry.conversationId]);
    return 'requeued';
  }

  /**
   * Cancels the automatic resends still waiting and puts their messages back in the outbox, so the
   * next session sends them (a lock or restart must not leave them failed, unannounced, for good).
   * Resolves once the store has them: before it closes.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    const waiting = [...this.#timers.entries()];
    this.#timers.clear();
    for (const [handle, messageId] of waiting) {
      this.#deps.timers.clearTimeout(handle);
      await this.#resendNextSession(messageId);
    }
  }

  /** Back in the outbox, unsent: the next session's flush sends it. */
  async #resendNextSession(messageId: number): Promise<void> {
    const entry = await this.#deps.store.requeueFailed(messageId).catch((error: unknown) => {
      this.#deps.log(`chat retry-failed message=${messageId} error=${errorName(error)}`);
      return null;
    });
    if (entry !== null) this.#deps.log(`chat retry message=${messageId} by=automatic at=next-session`);
  }

  async #conversationOf(bounce: MessageBounce): Promise<{ id: number; jid: string; kind: ConversationKind } | null> {
    const recent = this.#deps.sentRecently(bounce.id);
    if (recent !== undefined) return { id: recent.conversationId, jid: recent.conversationJid, kind: recent.conversationKind };
    // After a restart: our own server's refusal may concern any conversation (found by the message's
    // id); anyone else's only their own conversation.
    const { from } = bounce;
    if (from.local === null && from.resource === null && from.domain === this.#deps.ownDomain) return this.#deps.store.findOutgoingConversation(bounce.id);
    return this.#deps.store.findConversationByJid(from.bare);
  }

  #scheduleRetry(messageId: number, count: number, delayMs: number): void {
    if (this.#stopped) return;
    this.#autoRetries.delete(messageId);
    this.#autoRetries.set(messageId, count);
    const oldest = this.#autoRetries.keys().next();
    if (this.#autoRetries.size > RETRY_COUNT_LIMIT && oldest.done !== true) this.#autoRetries.delete(oldest.value);
    const handle = this.#deps.timers.setTimeout(() => {
      this.#timers.delete(handle);
      if (this.#stopped) return;
      // Still failed (the person may have retried meanwhile): the same resend as theirs.
      void this.#deps.store
        .requeueFailed(messageId)
        .then(async (entry) => {
          if (entry === null) return;
          // Left or shut out meanwhile: it could only wait for ever; failed again, for the person to see.
          if (entry.conversationKind === 'room' && this.#deps.roomShut(entry.conversationJid)) {
            await this.#deps.store.markFailed(messageId, 'not-allowed-in-room');
            this.#deps.changed([entry.conversationId]);
            this.#deps.failedForGood(entry.conversationId);
            return;
          }
          this.#deps.log(`chat retry message=${messageId} by=automatic attempt=${count}`);
          this.#deps.resend(entry);
          this.#deps.changed([entry.conversationId]);
        })
        .catch((error: unknown) => this.#deps.log(`chat retry-failed message=${messageId} error=${errorName(error)}`));
    }, delayMs);
    this.#timers.set(handle, messageId);
  }
}

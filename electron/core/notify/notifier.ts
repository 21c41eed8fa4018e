/**
 * Turns messaging events into OS notifications, every one of them through redactNotification.
 * The chat tells us a message arrived (conversation, urgency, sender's name: never its text)
 * or that urgent messages are still unread (counts); the renderer tells us which conversation
 * is open and whether the window has focus ('ui:focus'); the session tells us when it locks.
 *
 * - A new normal message: one "New message" notification. Bursts are coalesced: at most one
 *   per messageQuietMs, so an archive catch-up after sign-in does not fire dozens. A team room
 *   set to "only when I am mentioned" or "only urgent messages" stays quiet unless one names the
 *   person ("You were mentioned", coalesced among mentions only) or is urgent.
 * - An urgent message: the chat's 'urgent-pending' is emitted on arrival and again on every
 *   reminder tick until read (interval and limit from NotificationPolicy); each one shows.
 * - One of our messages refused for good: "A message you sent was not delivered" (urgent, so it
 *   stays on screen: whoever sent it may have walked away believing it was on its way).
 * - Nothing for the conversation that is open in the focused window.
 */
import type { ChatEvent, ChatServiceOptions } from '../chat/chatTypes.js';
import { arrivalKind, DEFAULT_NOTIFICATION_POLICY, redactNotification, type NotificationKind, type NotificationPolicy } from './notificationPolicy.js';

/** What the shell shows. Title and body are already redacted; `urgent` asks for sound and persistence. */
export interface NotificationPort {
  show(notification: { title: string; body: string; urgent: boolean }): void;
  /** Takes back every notification still shown (the OS notification centre outlives a lock). */
  withdrawAll?(): void;
}

/** What the renderer reports through 'ui:focus'. */
export interface FocusState {
  conversationId: number | null;
  windowFocused: boolean;
}

export interface NotifierOptions {
  port: NotificationPort;
  policy?: Pick<NotificationPolicy, 'content'>;
  /** Minimum gap between two "new message" notifications (urgent ones are never held back). */
  messageQuietMs?: number;
  now?: () => number;
  log?: (line: string) => void;
}

export const DEFAULT_MESSAGE_QUIET_MS = 3_000;

/** The chat's urgent reminder options, from the notification policy. */
export function urgentReminderOptions(policy: Pick<NotificationPolicy, 'urgentIntervalMs' | 'urgentMaxReminders'>): NonNullable<ChatServiceOptions['urgent']> {
  return { intervalMs: policy.urgentIntervalMs, maxReminders: policy.urgentMaxReminders };
}

const NOT_FOCUSED: FocusState = Object.freeze({ conversationId: null, windowFocused: false });

/** Not a conversation: the incident screen. Never matches the focused conversation id. */
const INCIDENT_VIEW = -1;

export class Notifier {
  readonly #port: NotificationPort;
  readonly #content: NotificationPolicy['content'];
  readonly #quietMs: number;
  readonly #now: () => number;
  readonly #log: (line: string) => void;
  #focus: FocusState = NOT_FOCUSED;
  #locked = true;
  #lastMessageAt = Number.NEGATIVE_INFINITY;
  #lastMentionAt = Number.NEGATIVE_INFINITY;
  /** Who sent the latest urgent message per conversation, for 'sender-only' reminders. Cleared on lock. */
  readonly #urgentSenders = new Map<number, string | null>();

  constructor(options: NotifierOptions) {
    this.#port = options.port;
    this.#content = options.policy?.content ?? DEFAULT_NOTIFICATION_POLICY.content;
    this.#quietMs = options.messageQuietMs ?? DEFAULT_MESSAGE_QUIET_MS;
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? (() => {});
  }

  /** The renderer's view: which conversation is open, and whether the window has focus. */
  focus(state: FocusState): void {
    this.#focus = { conversationId: state.conversationId, windowFocused: state.windowFocused };
  }

  /** Locking forgets focus (nothing is on screen) and the senders remembered for reminders. */
  setLocked(locked: boolean): void {
    if (locked === this.#locked) return;
    this.#locked = locked;
    if (locked) {
      this.#focus = NOT_FOCUSED;
      this.#urgentSenders.clear();
      // Even redacted, "Urgent message from <name>" left in the notification centre tells the next
      // person at the PC who wrote; the lock screen's counts say what is waiting.
      this.#port.withdrawAll?.();
    }
  }

  handle(event: ChatEvent): void {
    switch (event.type) {
      case 'message-arrived': {
        if (event.urgent) {
          // 'urgent-pending' follows and notifies at every room level; remember who, for 'sender-only'.
          this.#urgentSenders.set(event.conversationId, event.senderName);
          return;
        }
        const kind = arrivalKind(event.notify, event.mentionsYou);
        if (kind === null) return;
        // A mention is not held back by an ordinary message shown a moment before, only by another mention.
        if (this.#now() - (kind === 'mention' ? this.#lastMentionAt : this.#lastMessageAt) < this.#quietMs) return;
        if (!this.#show(kind, event.conversationId, event.senderName, null)) return;
        this.#lastMessageAt = this.#now();
        if (kind === 'mention') this.#lastMentionAt = this.#now();
        return;
      }
      case 'urgent-pending':
        if (event.unreadUrgent < 1) return;
        this.#show('urgent', event.conversationId, this.#urgentSenders.get(event.conversationId) ?? null, event.unreadUrgent);
        return;
      case 'delivery-failed':
        this.#show('not-delivered', event.conversationId, null, null);
        return;
      default:
        return;
    }
  }

  /** A major-incident call-in or instruction awaits the person's answer: urgent, counts only. */
  incidentPending(outstanding: number): void {
    if (outstanding > 0) this.#show('urgent', INCIDENT_VIEW, null, outstanding);
  }

  #show(kind: NotificationKind, conversationId: number, senderName: string | null, count: number | null): boolean {
    const redacted = redactNotification({
      kind,
      senderName,
      sessionLocked: this.#locked,
      conversationFocused: this.#focus.windowFocused && this.#focus.conversationId === conversationId,
      policy: { content: this.#content },
      count,
    });
    if (redacted === null) return false;
    try {
      this.#port.show({ ...redacted, urgent: kind === 'urgent' || kind === 'not-delivered' });
      return true;
    } catch {
      this.#log(`notify show-failed kind=${kind}`);
      return false;
    }
  }
}

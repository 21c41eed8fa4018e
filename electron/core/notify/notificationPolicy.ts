/**
 * What an OS notification may say. Pure and exhaustively unit-tested: every OS notification
 * Wardline shows is the output of redactNotification, and message text is not one of its
 * inputs, so no notification can carry what someone wrote (NHS IM guidance: no message
 * content on lock screens or in notifications). Modelled on Signal Desktop's
 * "name and message / name only / no name or message" setting, minus the first option.
 *
 * - 'private' (default): "Wardline" / "New message" or "Urgent message". No sender, no content.
 * - 'sender-only': the same, plus "from NAME" (name neutralised and capped). The name is the one
 *   the sender chose, so an NHS number in it is masked whatever the display policy says:
 *   notifications outlive Wardline's lock in the OS notification centre.
 * - While Wardline is locked: counts at most, never a name, whatever the policy says.
 * - Nothing while the conversation is open in the focused window.
 * - 'mention' (a team room message names the person): "You were mentioned", plus "by NAME" under
 *   'sender-only'. Never the room: its name can say what it is about ("Bay 3 sepsis").
 * - 'not-delivered' (one of ours was refused): "A message you sent was not delivered", never a
 *   name under any policy (it would name who it was for, which says what it was about).
 */
import { maskNhsNumbers } from '../incident/redaction.js';
import { neutraliseName } from '../messaging/bodySafety.js';
import type { NotifyLevel } from '../../common/notifyLevels.js';

export type NotificationContent = 'private' | 'sender-only';
export type NotificationKind = 'message' | 'mention' | 'urgent' | 'not-delivered';

/** The notification part of admin policy (issue 5 §7 "notification mode"; issue 4 §4 interval and limit). */
export interface NotificationPolicy {
  content: NotificationContent;
  /** An unread urgent message is notified again every intervalMs ... */
  urgentIntervalMs: number;
  /** ... at most this many times after the first notification. */
  urgentMaxReminders: number;
}

export const DEFAULT_NOTIFICATION_POLICY: NotificationPolicy = Object.freeze({
  content: 'private',
  urgentIntervalMs: 2 * 60_000,
  urgentMaxReminders: 5,
});

export interface NotificationInput {
  kind: NotificationKind;
  /** Display name of who sent it; only ever shown under 'sender-only' while unlocked. */
  senderName: string | null;
  sessionLocked: boolean;
  /** The conversation is open AND Wardline's window has focus. */
  conversationFocused: boolean;
  policy: { content: NotificationContent };
  /** How many unread messages of this kind, if known; only used for the locked text. */
  count?: number | null;
}

export interface RedactedNotification {
  title: string;
  body: string;
}

export const NOTIFICATION_TITLE = 'Wardline';
/** Longest sender name shown, in code points, ellipsis included. */
export const MAX_SENDER_NAME = 40;

/**
 * A display name made safe for one line of an OS notification: control, bidi and invisible
 * formatting characters removed, whitespace (newlines included) collapsed, NHS numbers masked,
 * capped at MAX_SENDER_NAME code points. Null when nothing visible is left.
 */
export function neutraliseSenderName(raw: string | null): string | null {
  return neutraliseName(raw === null ? null : maskNhsNumbers(raw), MAX_SENDER_NAME);
}

export const NOT_DELIVERED_BODY = 'A message you sent was not delivered';

const PRIVATE_BODIES: Readonly<Record<NotificationKind, string>> = {
  message: 'New message',
  mention: 'You were mentioned',
  urgent: 'Urgent message',
  'not-delivered': NOT_DELIVERED_BODY,
};

function countedBody(kind: NotificationKind, count: number | null | undefined): string {
  if (kind === 'not-delivered' || kind === 'mention' || typeof count !== 'number' || !Number.isSafeInteger(count) || count < 2) return PRIVATE_BODIES[kind];
  return kind === 'urgent' ? `${count} urgent messages` : `${count} new messages`;
}

/** What a new, not urgent arrival notifies as at its conversation's level (urgent ones always notify, as 'urgent'). */
export function arrivalKind(level: NotifyLevel, mentionsYou: boolean): 'message' | 'mention' | null {
  if (mentionsYou) return level === 'urgent' ? null : 'mention';
  return level === 'all' ? 'message' : null;
}

/** The notification to show, or null for none. Never throws. */
export function redactNotification(input: NotificationInput): RedactedNotification | null {
  if (input.sessionLocked) {
    // Nothing is on screen while locked, so focus does not hide anything; counts only.
    return { title: NOTIFICATION_TITLE, body: countedBody(input.kind, input.count) };
  }
  if (input.conversationFocused) return null;
  const body = PRIVATE_BODIES[input.kind];
  if (input.policy.content !== 'sender-only' || input.kind === 'not-delivered') return { title: NOTIFICATION_TITLE, body };
  const name = neutraliseSenderName(input.senderName);
  if (name === null) return { title: NOTIFICATION_TITLE, body };
  return { title: NOTIFICATION_TITLE, body: `${body} ${input.kind === 'mention' ? 'by' : 'from'} ${name}` };
}

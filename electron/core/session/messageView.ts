import { DeliveryFailureReasonSchema, type ConversationSummary, type DeliveryFailureReason, type MessageView } from '../../common/contract.js';
import { mentionsYou, type MentionTarget } from '../../common/mentions.js';
import { maskNhsNumbers } from '../incident/redaction.js';
import { withoutTrailingNumber } from '../messaging/nhsNumber.js';
import type { LatestMessage, ConversationSummary as StoredConversation, StoredMessage } from '../store/index.js';
import { PREVIEW_CHARACTERS } from '../store/conversationPreview.js';

/** Text people typed (a message, a room's title, a record reference) as this screen may show it. */
export function shownText(text: string, maskIdentifiers: boolean): string {
  return maskIdentifiers ? maskNhsNumbers(text) : text;
}

/**
 * What the renderer may see of a stored message: no ids of other systems, no raw payloads.
 * `maskIdentifiers` (admin policy for shared screens) replaces NHS numbers in the text, in the
 * record reference someone typed when transcribing it, and in the names and roles people give
 * themselves (a room nickname can be anything).
 */
/** `you`: whom a colleague's message may mention (null without a messaging account). */
export function toMessageView(message: StoredMessage, maskIdentifiers = false, you: MentionTarget | null = null): MessageView {
  const body = message.retraction ? null : message.body;
  const { transcription } = message;
  return {
    id: message.id,
    direction: message.direction,
    senderName: shownText(message.senderName ?? message.senderJid, maskIdentifiers),
    senderRole: message.senderRole === null ? null : shownText(message.senderRole, maskIdentifiers),
    senderAddress: message.direction === 'in' ? message.senderJid : null,
    body: body === null ? null : shownText(body, maskIdentifiers),
    sentAt: message.sentAt,
    urgency: message.urgency,
    deliveryState: message.direction === 'out' ? message.deliveryState : null,
    failureReason: message.direction === 'out' && message.deliveryState === 'failed' ? failureReasonOf(message.failureReason) : null,
    patientIdentifier: message.patientIdentifier,
    mentionsYou: message.direction === 'in' && you !== null && mentionsYou(body, you),
    unread: message.direction === 'in' && message.readAt === null,
    transcription:
      transcription?.recordReference != null ? { ...transcription, recordReference: shownText(transcription.recordReference, maskIdentifiers) } : transcription,
    removal: message.retraction
      ? {
          byName: message.retraction.byName === null ? null : shownText(message.retraction.byName, maskIdentifiers),
          byAddress: message.retraction.by,
          at: message.retraction.at,
          afterTranscription: message.retraction.reason === 'transcribed',
        }
      : null,
  };
}

/** Characters of the newest message the list shows; the renderer may cut it shorter to fit. */
export const PREVIEW_SHOWN_CHARACTERS = 120;

/** Titles are typed by people (a room named after a patient), so masking covers them too. */
export interface ConversationContext {
  maskIdentifiers?: boolean;
  /** Team rooms that removed this person or would not let them back in (this session). */
  closedRooms?: ReadonlySet<string>;
  /** Rooms major incidents use (bare JIDs): they cannot be left. */
  incidentRooms?: ReadonlySet<string>;
}

const NO_ROOMS: ReadonlySet<string> = new Set();

export function toConversationView(c: StoredConversation, context: ConversationContext = {}): ConversationSummary {
  const { maskIdentifiers = false, closedRooms = NO_ROOMS, incidentRooms = NO_ROOMS } = context;
  return {
    id: c.id,
    title: shownText(c.title, maskIdentifiers),
    address: c.jid,
    kind: c.kind,
    unread: c.unread,
    urgentUnread: c.urgentUnread,
    undelivered: c.undelivered,
    lastActivityAt: c.lastActivityAt,
    hasDraft: c.hasDraft,
    notify: c.notify,
    closed: c.kind !== 'room' ? null : c.leftAt !== null ? 'left' : closedRooms.has(c.jid) ? 'removed' : null,
    incidentRoom: c.kind === 'room' && incidentRooms.has(c.jid),
    preview: c.latest === null ? null : previewOf(c.latest, c.kind, maskIdentifiers),
  };
}

/**
 * One line: whitespace runs become one space, NHS numbers are masked before the text is cut
 * (so a number is never half shown), and at most PREVIEW_SHOWN_CHARACTERS are kept.
 */
function previewOf(latest: LatestMessage, kind: StoredConversation['kind'], maskIdentifiers: boolean): ConversationSummary['preview'] {
  const line = shownText(withoutCutNumber(latest.text, maskIdentifiers).replace(/\s+/g, ' ').trim(), maskIdentifiers);
  if (line === '') return null;
  const characters = [...line];
  const text = characters.length > PREVIEW_SHOWN_CHARACTERS ? `${characters.slice(0, PREVIEW_SHOWN_CHARACTERS).join('').trimEnd()}…` : line;
  const author = latest.fromSelf ? 'You' : kind === 'room' && latest.senderName !== null ? shownText(latest.senderName, maskIdentifiers) : null;
  return { author, text };
}

/**
 * The store keeps only the first PREVIEW_CHARACTERS of a message, so a number across that cut
 * arrives as a fragment masking no longer recognises ("943 476 591", whose check digit gives the
 * tenth away). Where identifiers are masked, a copy that may have been cut loses its trailing run of
 * number characters: a fragment is never shown.
 */
function withoutCutNumber(text: string, maskIdentifiers: boolean): string {
  if (!maskIdentifiers || [...text].length < PREVIEW_CHARACTERS) return text;
  const kept = withoutTrailingNumber(text);
  return kept === text ? text : `${kept.trimEnd()}…`;
}

/** The stored code as the contract knows it; anything else (an older or damaged row) reads as 'unknown'. */
function failureReasonOf(stored: string | null): DeliveryFailureReason {
  const parsed = DeliveryFailureReasonSchema.safeParse(stored);
  return parsed.success ? parsed.data : 'unknown';
}

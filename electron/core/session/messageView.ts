import type { ConversationSummary, MessageView } from '../../common/contract.js';
import { maskNhsNumbers } from '../incident/redaction.js';
import type { ConversationSummary as StoredConversation, StoredMessage } from '../store/index.js';

/**
 * What the renderer may see of a stored message: no ids of other systems, no raw payloads.
 * `maskIdentifiers` (admin policy for shared screens) replaces NHS numbers in the text.
 */
export function toMessageView(message: StoredMessage, maskIdentifiers = false): MessageView {
  const body = message.retraction ? null : message.body;
  return {
    id: message.id,
    direction: message.direction,
    senderName: message.senderName ?? message.senderJid,
    senderRole: message.senderRole,
    body: body !== null && maskIdentifiers ? maskNhsNumbers(body) : body,
    sentAt: message.sentAt,
    urgency: message.urgency,
    deliveryState: message.direction === 'out' ? message.deliveryState : null,
    patientIdentifier: message.patientIdentifier,
    transcription: message.transcription,
    removal: message.retraction
      ? {
          byName: message.retraction.byName,
          byAddress: message.retraction.by,
          at: message.retraction.at,
          afterTranscription: message.retraction.reason === 'transcribed',
        }
      : null,
  };
}

export function toConversationView(c: StoredConversation): ConversationSummary {
  return {
    id: c.id,
    title: c.title,
    address: c.jid,
    kind: c.kind,
    unread: c.unread,
    urgentUnread: c.urgentUnread,
    lastActivityAt: c.lastActivityAt,
  };
}

import type { ConversationSummary, MessageView } from '../../common/contract.js';
import type { ConversationSummary as StoredConversation, StoredMessage } from '../store/index.js';

/** What the renderer may see of a stored message: no ids of other systems, no raw payloads. */
export function toMessageView(message: StoredMessage): MessageView {
  return {
    id: message.id,
    direction: message.direction,
    senderName: message.senderName ?? message.senderJid,
    senderRole: message.senderRole,
    body: message.retraction ? null : message.body,
    sentAt: message.sentAt,
    urgency: message.urgency,
    deliveryState: message.direction === 'out' ? message.deliveryState : null,
    patientIdentifier: message.patientIdentifier,
    transcription: message.transcription,
    removal: message.retraction
      ? { byName: message.retraction.byName, at: message.retraction.at, afterTranscription: message.retraction.reason === 'transcribed' }
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

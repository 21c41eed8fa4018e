/**
 * The columns every message read selects (FROM messages, unaliased), and how a row becomes a
 * StoredMessage. A bounced message's reason lives on its parked outbox row (see OutboxQueries.markFailed).
 */
import { readNumber, readOneOf, readOptionalNumber, readOptionalString, readString } from './rowReaders.js';
import type { SqlRow } from './sqlPort.js';
import type { StoredMessage } from './storeTypes.js';

export const messageColumns = `id, conversation_id, server_id, origin_id, direction, sender_jid, sender_name, sender_role,
  body, content_type, payload, sent_at, received_at, read_at, delivery_state, urgency, patient_identifier,
  transcribed_by, transcribed_at, record_reference, expires_at, retracted_at, retracted_by, retraction_reason, retracted_by_name,
  CASE WHEN delivery_state = 'failed' THEN (SELECT last_error FROM outbox WHERE outbox.message_id = messages.id) END AS failure_reason`;

export function toStoredMessage(row: SqlRow): StoredMessage {
  const transcribedBy = readOptionalString(row, 'transcribed_by');
  const retractedAt = readOptionalNumber(row, 'retracted_at');
  const base = {
    id: readNumber(row, 'id'),
    conversationId: readNumber(row, 'conversation_id'),
    serverId: readOptionalString(row, 'server_id'),
    originId: readOptionalString(row, 'origin_id'),
    senderJid: readString(row, 'sender_jid'),
    senderName: readOptionalString(row, 'sender_name'),
    senderRole: readOptionalString(row, 'sender_role'),
    body: readOptionalString(row, 'body'),
    contentType: readOneOf(row, 'content_type', ['text', 'structured'] as const),
    payload: readOptionalString(row, 'payload'),
    sentAt: readNumber(row, 'sent_at'),
    receivedAt: readNumber(row, 'received_at'),
    urgency: readOneOf(row, 'urgency', ['normal', 'urgent'] as const),
    expiresAt: readOptionalNumber(row, 'expires_at'),
    patientIdentifier: readNumber(row, 'patient_identifier') === 1,
    transcription:
      transcribedBy === null
        ? null
        : { by: transcribedBy, at: readNumber(row, 'transcribed_at'), recordReference: readOptionalString(row, 'record_reference') },
    retraction:
      retractedAt === null
        ? null
        : {
            at: retractedAt,
            by: readString(row, 'retracted_by'),
            byName: readOptionalString(row, 'retracted_by_name'),
            reason: readOptionalString(row, 'retraction_reason'),
          },
  };
  return readString(row, 'direction') === 'out'
    ? {
        ...base,
        direction: 'out',
        deliveryState: readOneOf(row, 'delivery_state', ['pending', 'sent', 'delivered', 'read', 'failed'] as const),
        failureReason: readOptionalString(row, 'failure_reason'),
      }
    : { ...base, direction: 'in', readAt: readOptionalNumber(row, 'read_at') };
}

/** Data shapes of the outbox and delivery-state operations (see outboxQueries.ts). Times are epoch ms. */
import type { ConversationKind, DeliveryState, Urgency } from './storeTypes.js';

/** A message we composed, stored before it is sent. */
export interface OutgoingMessageInput {
  conversationId: number;
  /** XEP-0359 origin-id (also the stanza id): the same on every resend, so receivers de-duplicate. */
  originId: string;
  body: string;
  urgency: Urgency;
  sentAt: number;
  /** Our own bare JID: reflections, carbons and archive copies de-duplicate against (sender, origin-id). */
  senderJid: string;
  senderName: string | null;
  senderRole: string | null;
  patientIdentifier: boolean;
  /**
   * Synced to disk before it returns (SQLite synchronous = FULL for this commit): the message
   * cannot leave at once (offline, or the session still setting up), so for a while this copy is
   * the only one; a power cut must not take it. Sent at once, the server's archive holds it too.
   */
  syncToDisk?: boolean;
}

export interface OutboxEntry {
  messageId: number;
  conversationId: number;
  conversationJid: string;
  conversationKind: ConversationKind;
  originId: string;
  body: string;
  urgency: Urgency;
  attempts: number;
  createdAt: number;
}

/** One of our outgoing messages, found by origin-id. */
export interface OutgoingRef {
  messageId: number;
  deliveryState: DeliveryState;
}

export interface ConversationRef {
  id: number;
  jid: string;
  kind: ConversationKind;
  title: string;
}

/** One of our messages seen coming back from the server. */
export interface OwnMessageConfirmation {
  conversationId: number;
  originId: string;
  /** The archive's stanza-id, when the copy carried a trusted one. */
  serverId: string | null;
  /**
   * True when the copy proves the message was fully handled (a room's reflection or archive: the
   * room broadcast it). A copy in our own 1:1 archive or a carbon does not: a server killed
   * mid-routing may have archived it for us but never for the recipient, so only the server's
   * ack or a receipt takes a 1:1 message out of the outbox.
   */
  settlesOutbox?: boolean;
}

export interface RetractionInput {
  conversationId: number;
  /** Who asked: only their own message is retracted (stored sender JID must match). */
  senderJid: string;
  /** origin-id in 1:1 chats, the room's stanza-id in rooms (XEP-0424). */
  targetId: string;
  by: 'origin-id' | 'server-id';
  at: number;
  /**
   * Set for a removal after transcription (Wardline's governance retraction): the remover's name
   * as they signed it. Any participant may remove a message this way; see GovernanceQueries.
   */
  transcribedBy?: string | null;
}

/** The newest incoming message of a conversation, for a displayed marker. */
export interface MarkerTarget {
  messageId: number;
  originId: string | null;
  serverId: string | null;
  senderJid: string;
}

export interface UrgentUnread {
  conversationId: number;
  unreadUrgent: number;
}

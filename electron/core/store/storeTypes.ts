/**
 * Public data shapes of the store. Times are Unix epoch milliseconds.
 * Ids are local integers; XMPP identities (jids, stanza ids) are separate fields.
 */
import type { NotifyLevel } from '../../common/notifyLevels.js';

export type ConversationKind = 'direct' | 'room';
export type Urgency = 'normal' | 'urgent';
export type DeliveryState = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';
export type ContentType = 'text' | 'structured';

export interface ConversationInput {
  jid: string;
  kind: ConversationKind;
  title: string;
}

/** A team room as sign-in reconciles it with the bookmarks. */
export interface TeamRoom {
  conversationId: number;
  jid: string;
  left: boolean;
  /** When the person left it (epoch ms); null while they take part. An invitation older than this is not acted on. */
  leftAt: number | null;
}

export interface ConversationSummary {
  id: number;
  jid: string;
  kind: ConversationKind;
  title: string;
  /** How much it may interrupt (team rooms; 1:1 conversations stay at 'all'). */
  notify: NotifyLevel;
  unread: number;
  urgentUnread: number;
  /** Our messages the server bounced, parked until the person retries them. */
  undelivered: number;
  lastActivityAt: number | null;
  /** A draft is waiting here (its text is never listed). */
  hasDraft: boolean;
  /** When the person left this team room; null while they take part (and for 1:1 conversations). */
  leftAt: number | null;
  /** The newest message, for the list's preview line; null unless asked for, or when it has no text. */
  latest: LatestMessage | null;
}

/** A message being written and not yet sent (the composer's text and its urgent choice). */
export interface Draft {
  body: string;
  urgent: boolean;
}

/** What saving a draft did: the conversation list marks conversations that have one. */
export type DraftSaved = 'no-conversation' | 'unchanged' | 'added' | 'removed';

export interface LatestMessage {
  fromSelf: boolean;
  senderName: string | null;
  /** The start of the body only (PREVIEW_CHARACTERS, conversationPreview.ts), never the whole of a long message. */
  text: string;
}

/** A name for a 1:1 conversation, applied only while it still has its placeholder title. */
export interface DirectConversationName {
  conversationId: number;
  placeholder: string;
  title: string;
}

export interface ListConversationsOptions {
  /** Read each conversation's newest message for a preview line (admin policy may turn previews off). */
  previews: boolean;
}

/** A message as a sync (live, carbons, MAM catch-up) delivers it. */
export interface ReceivedMessageInput {
  conversationId: number;
  /** XEP-0359 stanza-id assigned by the archive; unique per conversation. */
  serverId?: string | null;
  /** XEP-0359 origin-id chosen by the sender; unique per conversation and sender. */
  originId?: string | null;
  senderJid: string;
  /** Snapshot at receipt, so the record shows who they were then. */
  senderName?: string | null;
  senderRole?: string | null;
  body: string | null;
  contentType?: ContentType;
  /** JSON for structured content (e.g. incident call-in forms); never logged. */
  payload?: string | null;
  sentAt: number;
  /**
   * sentAt was read from this workstation's clock (no trusted stamp): stored no earlier than the
   * conversation's newest message, so a clock set back cannot file it among older history.
   */
  datedLocally?: boolean;
  receivedAt: number;
  urgency?: Urgency;
  expiresAt?: number | null;
  patientIdentifier?: boolean;
  encryption?: 'none' | 'omemo';
  /** Our own message sent from another device (carbon or archive): stored as outgoing, not unread. */
  fromSelf?: boolean;
  /**
   * It names the person (a room mention). Not stored: the result's `mentioned` lists its
   * conversation only if this copy was new, so a catch-up that fetches it again does not notify again.
   */
  mentionsYou?: boolean;
}

export interface Transcription {
  by: string;
  at: number;
  recordReference: string | null;
}

export interface Retraction {
  at: number;
  /** The remover's JID. */
  by: string;
  /** The remover's name as they signed the removal (transcription removals); null for a plain XEP-0424 retraction. */
  byName: string | null;
  /** 'transcribed' when removed after transcription into the record. */
  reason: string | null;
}

interface StoredMessageBase {
  id: number;
  conversationId: number;
  serverId: string | null;
  originId: string | null;
  senderJid: string;
  senderName: string | null;
  senderRole: string | null;
  body: string | null;
  contentType: ContentType;
  payload: string | null;
  sentAt: number;
  receivedAt: number;
  urgency: Urgency;
  expiresAt: number | null;
  patientIdentifier: boolean;
  transcription: Transcription | null;
  retraction: Retraction | null;
}

/** Incoming messages carry our read state; outgoing ones their delivery state. */
export type StoredMessage =
  | (StoredMessageBase & { direction: 'in'; readAt: number | null })
  | (StoredMessageBase & {
      direction: 'out';
      deliveryState: DeliveryState;
      /** Why it bounced (a reason code the messaging layer chose, never content); null unless 'failed'. */
      failureReason: string | null;
    });

/** Keyset cursor: the (sentAt, id) of the oldest message already shown. */
export interface MessageCursor {
  sentAt: number;
  id: number;
}

export interface MessagePage {
  /** Oldest first, ready to render. */
  messages: StoredMessage[];
  /** Pass as `before` for the next older page; null when there is none. */
  before: MessageCursor | null;
}

export interface InsertBatchResult {
  inserted: number;
  duplicates: number;
  /** Conversations where a row marked `mentionsYou` was new (absent when none). */
  mentioned?: number[];
}

export interface UnreadCounts {
  unread: number;
  urgent: number;
}

export interface DeleteResult {
  deleted: number;
  /** False if a reader kept the WAL from being truncated; the caller may retry. */
  checkpointed: boolean;
}

export interface AuditEntryInput {
  at: number;
  kind: string;
  actor: string;
  /** Metadata only: never message content or patient data. */
  details: Readonly<Record<string, string | number | boolean | null>>;
}

export interface AuditEntry extends AuditEntryInput {
  seq: number;
  prevHash: string;
  hash: string;
}

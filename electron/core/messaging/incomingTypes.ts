/**
 * What parseIncoming makes of a stanza. Every stanza becomes exactly one of these; ignored and
 * rejected outcomes carry a reason and never content, so they can be logged as they are.
 */
import type { Urgency } from '../store/storeTypes.js';
import type { MessageBounce } from './bounces.js';
import type { ConversationType } from './outgoingStanzas.js';

export interface JoinedRoom {
  /** Our nickname in the room: groupchat messages from room/nick are our own. */
  nick: string;
}

export interface IncomingContext {
  /** Our account's JID as bound (full); the bare JID is derived from it. */
  ownJid: string;
  /** The organisation's XMPP domains; subdomains count. Our own domain is always trusted. */
  trustedDomains: readonly string[];
  /** Rooms we have joined, keyed by bare room JID as bareJidOf() returns it. */
  joinedRooms: ReadonlyMap<string, JoinedRoom>;
  /**
   * Archive queries still awaiting their <fin/>: queryId → the archive queried (our bare JID
   * for our own archive, the room JID for a room's), as bareJidOf() returns it.
   */
  archiveQueries: ReadonlyMap<string, string>;
  now: () => number;
  /** Received bodies longer than this are truncated with a marker. Default DEFAULT_BODY_LIMIT. */
  bodyLimit?: number;
}

/** How the stanza reached us: directly, as a XEP-0280 carbon, or from a XEP-0313 archive. */
export type IncomingSource = 'live' | 'carbon' | 'archive';
/** 'out' = sent by us, from this or another device (sent carbons, archive, room reflections). */
export type Direction = 'in' | 'out';

interface Envelope {
  source: IncomingSource;
  direction: Direction;
  type: ConversationType;
  /** Sender's normalised full JID (room/nick in rooms). */
  from: string;
  /** Conversation key: the peer's bare JID for 1:1, the room's JID for groupchat. */
  conversation: string;
  /**
   * A room archive copy's writer: the real bare address the room archived with it (rooms that
   * show real addresses). Null for live stanzas, 1:1, and rooms that archive none.
   */
  author: string | null;
}

export interface IncomingMessage extends Envelope {
  kind: 'message';
  to: string | null;
  /** Occupant nickname in rooms; null in 1:1 chats. */
  nick: string | null;
  /** The stanza's id attribute: what 1:1 receipts and displayed markers quote. */
  messageId: string | null;
  /** XEP-0359 origin-id chosen by the sender (de-duplication of our own resends and reflections). */
  originId: string | null;
  /**
   * XEP-0359 stanza-id from the archive that owns this conversation (our account for 1:1, the
   * room for groupchat), or the archive result id. Null when no trustworthy one is present.
   */
  stanzaId: string | null;
  /** Sanitised text (see bodySafety). */
  body: string;
  truncated: boolean;
  urgency: Urgency;
  /** The sender asked for a XEP-0184 receipt (and the stanza has an id to quote). */
  receiptRequested: boolean;
  /** The sender would like XEP-0333 displayed markers. */
  markable: boolean;
  /** The body carries a valid NHS number. */
  patientIdentifier: boolean;
  /** Epoch ms: a trusted, sane XEP-0203 stamp, else the time of parsing. */
  sentAt: number;
  /**
   * sentAt is the time of parsing (no trusted stamp): our own clock, which may have been set back,
   * so the store files it no earlier than the conversation's newest message. Absent: false.
   */
  datedLocally?: boolean;
  /** The conversation is with someone outside the organisation's domains: hold for acceptance. */
  untrusted: boolean;
  /** The archive query this arrived in answer to; null unless source is 'archive'. */
  archiveQueryId: string | null;
}

export interface IncomingReceipt extends Envelope {
  kind: 'receipt';
  /** Stanza id of the message that was delivered. */
  id: string;
}

export interface IncomingDisplayed extends Envelope {
  kind: 'displayed';
  /** Read up to here: the message's stanza id (1:1) or room stanza-id (groupchat). */
  id: string;
}

export interface IncomingRetraction extends Envelope {
  kind: 'retraction';
  /**
   * The message to retract: its origin-id in 1:1 chats, its room stanza-id in groupchat
   * (XEP-0424). The caller must check it was sent by `from` before acting.
   */
  targetId: string;
  /**
   * Present on a Wardline removal after transcription: the remover's name (neutralised, capped)
   * as they signed it. Such a retraction may name another participant's message.
   */
  transcribedBy: string | null;
}

/**
 * A bounce of one of our messages kept in our own archive: it reached our full JID while we were
 * offline (Prosody's mod_mam archives errors sent to a full JID). Applied like a live bounce,
 * including who may send one (isBounceFromRecipient); never from a room's archive or a carbon.
 */
export interface IncomingBounce extends Envelope {
  kind: 'bounce';
  source: 'archive';
  bounce: MessageBounce;
  /** The archive query this arrived in answer to. */
  archiveQueryId: string;
}

/**
 * Someone in the organisation invited us into a team room (XEP-0249 direct, or XEP-0045 mediated
 * by the room). Inviter and room are both on the organisation's domains (checked by the parser);
 * whether to join (members-only, not left since) is the messaging service's decision.
 */
export interface IncomingInvitation extends Envelope {
  kind: 'invitation';
  /** The room's bare JID. */
  room: string;
  /** Who invited us: a bare JID. */
  inviter: string;
  /** Epoch ms: when the server (or archive) says it was sent, else the time of parsing. */
  sentAt: number;
}

export type IgnoreReason =
  | 'malformed'
  | 'not-a-message'
  | 'error-stanza'
  | 'headline'
  | 'unsupported-type'
  | 'missing-from'
  | 'missing-to'
  | 'invalid-jid'
  | 'not-addressed-to-us'
  | 'not-our-conversation'
  | 'unjoined-room'
  | 'room-system-message'
  | 'room-subject'
  | 'room-invite'
  | 'malformed-invitation'
  | 'muc-private-message'
  | 'groupchat-carbon'
  | 'groupchat-in-personal-archive'
  | 'malformed-forward'
  | 'malformed-id'
  | 'empty-body'
  | 'chat-state'
  | 'no-content';

export type RejectReason =
  /** A carbon whose outer `from` is not our bare JID. */
  | 'spoofed-carbon'
  /** An archive result not from the archive we queried, or for no outstanding query. */
  | 'spoofed-mam'
  /** A genuine carbon whose inner message doesn't involve us the way its wrapper claims. */
  | 'inconsistent-carbon'
  /** An archive result whose message doesn't belong in that archive. */
  | 'inconsistent-archive'
  /** A forwarded message wrapped again, or wrapped more than one way. */
  | 'nested-forward'
  /** A room invitation whose inviter or room is outside the organisation's domains. */
  | 'untrusted-invitation';

export type IncomingEvent =
  | IncomingMessage
  | IncomingReceipt
  | IncomingDisplayed
  | IncomingRetraction
  | IncomingBounce
  | IncomingInvitation
  | { kind: 'ignored'; reason: IgnoreReason }
  /** Security-relevant: log it (reason and sender JID, never content). */
  | { kind: 'rejected'; reason: RejectReason; from: string | null };

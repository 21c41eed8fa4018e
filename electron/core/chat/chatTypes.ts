/**
 * The messaging service's surface, as the session controller and the IPC
 * handlers use it. One ChatService per unlocked profile: started after unlock,
 * stopped before the store closes on lock.
 */
import type { MentionTarget } from '../../common/mentions.js';
import type { NotifyLevel } from '../../common/notifyLevels.js';
import type { RoomAffiliation } from './rooms.js';
import type { RoomServiceAnswer } from '../../common/contract.js';
import type { WardlineStore } from '../store/index.js';
import type { IncomingSource, MessageBounce } from '../messaging/index.js';
import type { AdminCaBundle, XmlElement, XmppConnectionOptions } from '../xmpp/index.js';
import type { BounceTimers } from './deliveryFailures.js';

export interface ChatAccount {
  /** Bare JID, e.g. "s.okafor@hospital.example". */
  jid: string;
  password: string;
  /** Optional explicit server; default the JID's domain and 5222 (STARTTLS). */
  host?: string;
  port?: number;
}

export interface ChatTrust {
  /** The hospital's CA bundle, trusted in addition to the OS store. */
  adminCa?: AdminCaBundle;
  /** Domains whose people are trusted colleagues; others are held for acceptance. */
  trustedDomains: string[];
}

export type Presence = 'available' | 'busy' | 'off-duty';

/**
 * Whether this workstation holds what the server holds for the person: 'catching-up' while a
 * fresh session fetches the archives and rejoins rooms; 'incomplete' when something could not be
 * fetched, joined or stored (retried automatically); 'complete' otherwise. A screen that says "no
 * new messages" or "no incident declared" may only do so when complete.
 */
export type HistoryState = 'catching-up' | 'complete' | 'incomplete';

export type ChatConnectionView =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'online'; since: number; history: HistoryState }
  | { kind: 'offline'; since: number; reason: string; retryAt: number | null };

export interface DirectoryEntry {
  jid: string;
  name: string;
  kind: 'person' | 'room';
  presence: Presence | 'offline' | null;
}

export type ChatEvent =
  | { type: 'connection'; state: ChatConnectionView }
  /** Something in these conversations changed (new message, delivery state, retraction). No content. */
  | { type: 'conversations-changed'; conversationIds: number[] }
  /** An urgent message arrived or is still unread at a re-notify tick. Counts only. */
  | { type: 'urgent-pending'; conversationId: number; unreadUrgent: number }
  /**
   * Someone else's message(s) newly stored in this conversation (one event per conversation per
   * batch). For notifications: the sender's display name (null if several), whether one of them
   * names this person (rooms), and the room's notification level; never the text.
   */
  | { type: 'message-arrived'; conversationId: number; urgent: boolean; senderName: string | null; mentionsYou: boolean; notify: NotifyLevel }
  | { type: 'directory-changed' }
  /** Messages from outside the organisation are waiting for the person to accept or decline. */
  | { type: 'held-changed'; senders: number }
  /** Signed in to the server (a fresh session, not a resumption). For the audit trail. */
  | { type: 'signed-in'; jid: string }
  /** Set up (rooms rejoined, archives caught up) or resumed: what waited for the connection may go now. */
  | { type: 'session-ready' }
  /** The server refused our credentials for good (SASL condition, e.g. not-authorized, account-disabled). */
  | { type: 'credentials-refused'; condition: string }
  /** One of our messages was refused for good (no automatic resend is coming). No content. */
  | { type: 'delivery-failed'; conversationId: number }
  /** Another participant removed a message here after transcribing it. For the audit trail. */
  | { type: 'removed-after-transcription'; conversationId: number; by: string; messageId: number };

/** Someone outside the trusted domains who wrote to us. Address and count only: no content. */
export interface HeldSender {
  jid: string;
  count: number;
  since: number;
}

export interface SendRequest {
  conversationId: number;
  body: string;
  urgent: boolean;
}

export interface ChatService {
  connection(): ChatConnectionView;
  /** Writes to the encrypted outbox first, then sends; resolves with the stored message id. */
  send(request: SendRequest): Promise<{ messageId: number }>;
  /**
   * Sends a bounced ('failed') message again with its original origin-id, so a recipient that
   * did get it stores it once. Refuses (ChatSendError 'not-failed') any message that is not failed.
   */
  retry(messageId: number): Promise<void>;
  /** Opens (or finds) the 1:1 conversation with a colleague. */
  openDirect(jid: string): Promise<number>;
  /** Creates a members-only persistent room (or joins an existing one) and bookmarks it. */
  /** `existingOnly`: never create the room (a room IT preconfigures); `moderated`: create it as an announcement room. */
  joinRoom(roomJid: string, title?: string, options?: { moderated?: boolean; existingOnly?: boolean }): Promise<number>;
  /** Members-only rooms admit only members: the room's owner adds colleagues by bare JID (admins: moderators). */
  addRoomMembers(roomJid: string, memberJids: readonly string[], affiliation?: 'member' | 'admin'): Promise<void>;
  /**
   * Sends a stanza built elsewhere (incident forms). Queued while offline; resolves when the
   * server acknowledges it (XEP-0198). The caller persists what must survive a restart.
   */
  sendStanza(stanza: XmlElement): Promise<void>;
  /** Marks the conversation read locally and sends displayed markers for what was shown. */
  markRead(conversationId: number): Promise<void>;
  /** Who is in the room now (the room revealed their address), not us, by name. */
  roomPresent(roomJid: string): RoomOccupant[];
  /** Rooms we are not in this session: they removed us or would not let us back in, or no bookmark joins them. */
  closedRooms(): ReadonlySet<string>;
  /** A room we are out of until the person joins it again (left, removed, refused). */
  roomShut(roomJid: string): boolean;
  /** The room's lists (asked of the server); RoomMembershipError when it refuses them all. */
  roomMembers(roomJid: string): Promise<RoomMembers>;
  /** Takes someone's membership away; RoomMembershipError when the server refuses. */
  removeRoomMember(roomJid: string, memberJid: string): Promise<void>;
  /**
   * The person leaves a team room on every workstation: out of it now, its bookmark retracted
   * (again at the next sign-in if offline now), marked left in the store. History stays.
   * RoomMembershipError while messages to it wait in the outbox.
   */
  leaveRoom(roomJid: string): Promise<void>;
  /** What a room message must contain to mention this person: @ their room nick, or their whole name. */
  mentionTarget(): MentionTarget;
  /** A team room's notification level, stored; false when the conversation is not a team room. */
  setRoomNotify(conversationId: number, level: NotifyLevel): Promise<boolean>;
  directory(): Promise<DirectoryEntry[]>;
  /** Where new team rooms are made (disco): found, none named by the server, or not known yet (offline, no answer). */
  roomService(): Promise<RoomServiceAnswer>;
  /** The name the directory (the roster, filled by IT) gives a colleague, or null. */
  colleagueName(jid: string): string | null;
  /** Outside senders whose messages are held, not stored as trusted. */
  heldSenders(): HeldSender[];
  /**
   * Resolves once the held messages stored earlier are read (retried if they could not be at
   * start); rejects if they still cannot, so a list shown is never silently short of them.
   */
  heldLoaded(): Promise<void>;
  /** Stores the sender's held messages and trusts this address from now on (kept in the profile). */
  acceptSender(jid: string): Promise<void>;
  /** Drops the sender's held messages (from the store too); later ones are held again. */
  declineSender(jid: string): Promise<void>;
  /** Drops held messages sent before `before` (retention); resolves with how many. */
  expireHeld(before: number): Promise<number>;
  /** The person's chosen presence, kept in the profile: every fresh session announces it. */
  presence(): Promise<Presence>;
  /** Keeps it in the profile, then announces it; rejects (and changes nothing) if it cannot be kept. */
  setPresence(presence: Presence): Promise<void>;
  /**
   * Sends the XEP-0424 retractions the store queued when messages were removed after
   * transcription (see store/pendingRetractions.ts), forgetting each once the server acknowledges
   * it. Also runs on every new session.
   */
  flushRetractions(): void;
  on(listener: (event: ChatEvent) => void): () => void;
  /** Stops sending and receiving; the outbox keeps whatever was not acknowledged. */
  stop(): Promise<void>;
}

export interface RoomOccupant {
  jid: string;
  /** The directory's name for them, else their nick in the room. */
  name: string;
}

/** A room's lists as the server keeps them; only in a members-only room do they say who can read it. */
export interface RoomMembers {
  membersOnly: boolean;
  members: RoomMember[];
}

/** Someone on a room's owner, admin or member list. */
export interface RoomMember {
  jid: string;
  /** The directory's name for them, else their nick in the room, else the address's local part. */
  name: string;
  affiliation: RoomAffiliation;
  /** In the room now (the room revealed their address). */
  here: boolean;
  you: boolean;
  /** Their status as the directory sees it; null when they are not in it (or it is us). */
  presence: Presence | 'offline' | null;
}

export interface ChatServiceOptions {
  store: WardlineStore;
  account: ChatAccount;
  trust: ChatTrust;
  /** Display name and role, sent with messages so recipients see who wrote them. */
  self: { name: string; role: string };
  now?: () => number;
  log?: (line: string) => void;
  /** Urgent unread messages are re-notified every intervalMs, at most maxReminders times (policy). */
  urgent?: { intervalMs?: number; maxReminders?: number };
  /** Retention: messages sent before this instant are not stored (policy lifespan). */
  retainedSince?: () => number;
  /** Injectable timers for the urgent re-notification tick. */
  timers?: ChatTimers;
  /**
   * Every live, carbon and archived message that carries a data form (major-incident events).
   * Return true when the message was fully handled there and must not also be stored as a chat
   * message (500 structured responses must not become 500 conversations).
   */
  onStructured?: (delivery: StructuredDelivery) => boolean;
  /**
   * A bounce of a message the chat layer did not send (major-incident messages go out through
   * sendStanza). Return true when it was recognised there; the chat layer then ignores it.
   */
  onForeignBounce?: (bounce: MessageBounce) => boolean;
  /**
   * Rooms the person stays in whatever their other workstations do (the rooms a major incident
   * uses), once known: a bookmark retracted elsewhere is put back, and a missing one at sign-in too.
   */
  keptRooms?: () => Promise<ReadonlySet<string>>;
  /** Automatic resends after temporary ('wait') bounces: delays (default WAIT_RETRY_DELAYS_MS) and test timers. */
  bounceRetry?: { delaysMs?: readonly number[]; timers?: BounceTimers };
  /** After a live message fails to store, the archive catch-up is retried after these delays (liveRepair.ts). */
  liveRepairDelaysMs?: readonly number[];
  /** Transport tuning and test hooks (backoff, keepalive, onSocket, resource). */
  connection?: Pick<XmppConnectionOptions, 'backoff' | 'keepaliveMs' | 'probeTimeoutMs' | 'loginTimeoutMs' | 'onSocket' | 'resource'>;
}

/**
 * A message carrying a XEP-0004 form, with the sender the transport vouches for: the 1:1 sender,
 * our own JID for our carbons and archived copies, or a room occupant's real JID when the room
 * revealed it. Room copies whose real sender is unknown are not delivered.
 */
export interface StructuredDelivery {
  /** The <message/> itself (unwrapped from its carbon or archive result). */
  message: XmlElement;
  actor: string;
  source: IncomingSource;
  /** The 1:1 peer or the room. */
  conversation: string;
  type: 'chat' | 'groupchat';
}

export interface ChatTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export type StartChat = (options: ChatServiceOptions) => ChatService;

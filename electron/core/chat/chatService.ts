/**
 * The messaging service for one unlocked profile: the XMPP connection wired to the encrypted
 * store. On every fresh session it enables carbons, announces the presence the person chose (kept
 * in the profile: keptPresence.ts), rejoins bookmarked rooms, catches up from the archives, and only
 * then flushes the outbox; a resumed session (XEP-0198) needs none of that. See outbox.ts,
 * archiveCatchUp.ts, incoming.ts, rooms.ts.
 *
 * Logging: event names, counts, ids and JIDs only; never bodies, names or anything a person wrote.
 */
import { randomBytes } from 'node:crypto';
import {
  bareJidOf,
  buildDisplayedMarker,
  buildEnableCarbons,
  checkOutgoingBody,
  containsNhsNumber,
  parseBounce,
  parseIncoming,
  isTrustedDomain,
  parseJid,
  type IncomingContext,
  type IncomingEvent,
  type IncomingMessage,
  type JoinedRoom,
  jidForLog,
  serverWordForLog,
  type MessageBounce,
} from '../messaging/index.js';
import type { OutboxEntry, TeamRoom } from '../store/index.js';
import { connectXmpp, xml, XmppError, type XmlElement, type XmppConnection, type XmppConnectionState } from '../xmpp/index.js';
import { ArchiveCatchUp } from './archiveCatchUp.js';
import { reasonForPeople } from './connectionReason.js';
import type {
  ChatConnectionView,
  ChatEvent,
  ChatService,
  ChatServiceOptions,
  DirectoryEntry,
  HeldSender,
  HistoryState,
  Presence,
  RoomMembers,
  RoomOccupant,
  SendRequest,
} from './chatTypes.js';
import { structuredDelivery } from './structured.js';
import { DeliveryFailures } from './deliveryFailures.js';
import { ConversationIds, titleFromJid } from './conversationIds.js';
import { buildPresence, Directory } from './directory.js';
import { applyReceived, LiveQueue, type IncomingDeps, type ReceivedItem } from './incoming.js';
import { errorName } from '../logSafeErrors.js';
import { heldDomain, HeldMessages } from './heldMessages.js';
import { KeptPresence } from './keptPresence.js';
import { AppliedBounces } from './appliedBounces.js';
import { LiveRepair } from './liveRepair.js';
import { SessionHistory } from './sessionHistory.js';
import { REFUSING_STREAM_ERRORS, StreamRefusals } from './streamRefusals.js';
import { Outbox } from './outbox.js';
import { RoomJoinError, RoomMembershipError, Rooms } from './rooms.js';
import { TranscriptionRetractions } from './transcriptionRetractions.js';
import { readSenderCard } from './senderCard.js';
import { RoomNotifyLevels } from './roomNotifyLevels.js';
import { LeftRooms } from './leftRooms.js';
import { readBookmarkEvent } from './bookmarkEvents.js';
import { discoInfoAnswer } from './entityCaps.js';
import { RoomFollowing } from './roomFollowing.js';
import { RoomInvitations } from './roomInvitations.js';
import { RoomService } from './roomService.js';
import type { RoomServiceAnswer } from '../../common/contract.js';
import { sendInvitations } from './invitationSending.js';
import { mentionsYou, type MentionTarget } from '../../common/mentions.js';
import type { NotifyLevel } from '../../common/notifyLevels.js';
import { DEFAULT_URGENT_INTERVAL_MS, DEFAULT_URGENT_MAX_REMINDERS, UrgentReminders } from './urgentReminders.js';

/** Asked per archive page; Prosody caps it at max_archive_query_results (default 50). */
export const ARCHIVE_PAGE_SIZE = 250;
/** A first sync of an archive reaches back this far. */
export const INITIAL_SYNC_WINDOW_MS = 30 * 24 * 60 * 60_000;
/** JSON array of outside addresses the person accepted. */
const ACCEPTED_SETTING = 'xmpp.acceptedSenders';

/** A send the composer must refuse: empty, too long, or not a conversation we have. */
const ROOM_CLOSED_MESSAGE = 'This room is not taking your messages: you left it, or it has not let you back in. Join it again (ask its owner to add you if it refuses), then retry. The message is kept.';

export class ChatSendError extends Error {
  constructor(
    readonly reason: 'empty' | 'too-long' | 'unknown-conversation' | 'stopped' | 'not-failed' | 'not-in-room',
    message: string,
  ) {
    super(message);
    this.name = 'ChatSendError';
  }
}

export function startChat(options: ChatServiceOptions): ChatService {
  return new Chat(options);
}

const PING = 'urn:xmpp:ping';
const NO_ROOMS: ReadonlySet<string> = new Set();
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

class Chat implements ChatService {
  readonly #options: ChatServiceOptions;
  readonly #store: ChatServiceOptions['store'];
  readonly #now: () => number;
  readonly #ownBare: string;
  readonly #connection: XmppConnection;
  readonly #listeners = new Set<(event: ChatEvent) => void>();
  readonly #conversations: ConversationIds;
  readonly #rooms: Rooms;
  /** Rooms the person left on this workstation; nothing goes to them. */
  readonly #left: LeftRooms;
  /** Rooms joined or left at the person's other workstations, followed here. */
  readonly #following: RoomFollowing;
  /** Invitations into team rooms, acted on once the session's set-up has joined the bookmarked rooms. */
  readonly #invitations: RoomInvitations;
  /** This session's set-up found a bookmark list (null: it could not be read). */
  #hadRoomList: boolean | null = null;
  readonly #directory: Directory;
  readonly #roomService: RoomService;
  readonly #outbox: Outbox;
  readonly #failures: DeliveryFailures;
  readonly #refusals: StreamRefusals;
  readonly #appliedBounces: AppliedBounces;
  /** Bounces are applied one at a time, and finished before the store closes. */
  #bounceWork: Promise<void> = Promise.resolve();
  readonly #catchUp: ArchiveCatchUp;
  readonly #live: LiveQueue;
  readonly #liveRepair: LiveRepair;
  readonly #urgent: UrgentReminders;
  readonly #notifyLevels: RoomNotifyLevels;
  readonly #retractions: TranscriptionRetractions;
  readonly #incomingDeps: IncomingDeps;
  #context: IncomingContext;
  /** Messages from outside the organisation, kept in the encrypted store until accepted or declined. */
  readonly #held: HeldMessages;
  readonly #conversationById = new Map<number, { id: number; jid: string; kind: 'direct' | 'room' }>();
  /** Outside addresses the person accepted; persisted in the profile's encrypted settings. */
  #accepted = new Set<string>();
  readonly #lastMarker = new Map<number, string>();
  readonly #unsubscribe: (() => void)[] = [];
  #view: ChatConnectionView;
  readonly #history = new SessionHistory((history) => this.#showHistory(history));
  /** The person's chosen presence, read from (and written to) the profile's encrypted settings. */
  readonly #presence: KeptPresence;
  /** Bumped per fresh session; a set-up routine from an older one stops at its next step. */
  #session = 0;
  /** The session whose set-up has announced our presence (after the archive catch-up). */
  #announced = -1;
  /** The session whose set-up ran to its end (presence sent, rooms rejoined, archives caught up). */
  #setUpFinished = 0;
  #resumed = false;
  #stopped = false;
  #setUp: Promise<void> = Promise.resolve();
  /** Acceptances run one at a time, and finish before the store closes. */
  #accepting: Promise<void> = Promise.resolve();

  constructor(options: ChatServiceOptions) {
    const own = parseJid(options.account.jid);
    if (own === null || own.local === null) throw new TypeError('The account must be a bare JID (name@domain).');
    this.#options = options;
    this.#store = options.store;
    this.#now = options.now ?? Date.now;
    this.#ownBare = own.bare;
    this.#conversations = new ConversationIds(this.#store);
    const log = this.#log;
    this.#held = new HeldMessages({ store: this.#store, log });
    this.#presence = new KeptPresence({ store: this.#store, log });
    // Read before anything can be held: a write waits for it, so it never replaces the stored list.
    void this.#held
      .load(options.retainedSince?.() ?? null)
      .then(() => {
        if (this.#held.all().length > 0) this.#emit({ type: 'held-changed', senders: this.heldSenders().length });
      })
      // load() logs a failed read itself; what can still fail is rewriting the list it read.
      .catch((error: unknown) => this.#log(`chat held-save-failed error=${errorName(error)}`));

    this.#connection = connectXmpp({
      jid: own.bare,
      password: options.account.password,
      host: options.account.host,
      port: options.account.port,
      adminCa: options.trust.adminCa,
      ...options.connection,
      log: (event, details) =>
        // Values can be a server's words (conditions, element names): escaped and cut.
        log(`xmpp ${event}${Object.entries(details ?? {}).map(([key, value]) => ` ${key}=${serverWordForLog(String(value))}`).join('')}`),
    });
    const iq = (request: XmlElement, timeoutMs?: number): Promise<XmlElement> => this.#connection.iq(request, timeoutMs);
    const send = (stanza: XmlElement): Promise<void> => this.#connection.send(stanza);

    this.#left = new LeftRooms(this.#store);
    this.#rooms = new Rooms({
      iq,
      send,
      log,
      nick: own.local,
      fallbackNick: own.bare,
      trustedDomains: [own.domain, ...options.trust.trustedDomains],
      closed: (room) => this.#roomClosed(room),
      left: () => this.#historyMissing(),
    });
    this.#following = new RoomFollowing({
      setUpFinished: () => this.#setUpFinished === this.#session && this.#isCurrent(this.#session),
      inRoom: (room) => this.#rooms.inRoom(room),
      leftHere: (room) => this.#left.has(room),
      keep: (room) => this.#keepRoom(room),
      join: (room, name) => this.#followJoin(room, name),
      leave: (room) => this.#leftElsewhere(room),
      log,
    });
    this.#invitations = new RoomInvitations({
      store: this.#store,
      setUpFinished: () => this.#setUpFinished === this.#session && this.#isCurrent(this.#session),
      inRoom: (room) => this.#rooms.inRoom(room),
      describe: (room) => this.#rooms.describe(room),
      // As the person's own "Join again": an existing room only, bookmarked, listed, caught up.
      join: async (room, name) => void (await this.joinRoom(room, name, { existingOnly: true })),
      log,
    });
    this.#roomService = new RoomService({ iq, domain: own.domain, log, now: this.#now });
    this.#directory = new Directory({
      iq,
      send,
      ownBare: own.bare,
      trustedDomains: options.trust.trustedDomains,
      changed: () => this.#emit({ type: 'directory-changed' }),
    });
    this.#context = {
      ownJid: own.bare,
      trustedDomains: options.trust.trustedDomains,
      joinedRooms: this.#rooms.joined as ReadonlyMap<string, JoinedRoom>,
      archiveQueries: new Map(),
      now: this.#now,
    };
    this.#notifyLevels = new RoomNotifyLevels(this.#store, log);
    this.#incomingDeps = {
      store: this.#store,
      conversations: this.#conversations,
      ownBare: own.bare,
      titleFor: (jid, kind, senderName) =>
        (kind === 'direct' ? this.#directory.nameOf(jid) : this.#rooms.bookmarks.get(jid)?.name) ?? senderName ?? titleFromJid(jid),
      send: (stanza) => void send(stanza).catch(() => undefined),
      now: this.#now,
      log,
      changed: (ids) => this.#emit({ type: 'conversations-changed', conversationIds: [...ids] }),
      mentionsYou: (body) => mentionsYou(body, this.mentionTarget()),
      arrived: (arrivals) =>
        void this.#notifyLevels.loaded.then(() => {
          if (this.#stopped) return;
          for (const arrival of arrivals) this.#emit({ type: 'message-arrived', ...arrival, notify: this.#notifyLevels.of(arrival.conversationId) });
        }),
      urgentArriving: (ids) => this.#urgent.arriving(ids),
      urgentArrived: (ids, announced) =>
        void this.#urgent
          .arrived(ids)
          .catch(() => log('chat urgent-notify-failed'))
          .finally(() => announced?.()),
      hold: (message) => this.#hold(message),
      isAccepted: (jid) => this.#accepted.has(jid),
      isTrustedAddress: (jid) => {
        const domain = parseJid(jid)?.domain;
        return domain !== undefined && isTrustedDomain(domain, [own.domain, ...options.trust.trustedDomains]);
      },
      retainedSince: () => options.retainedSince?.() ?? null,
      removedAfterTranscription: ({ conversationId, by, messageId }) => this.#emit({ type: 'removed-after-transcription', conversationId, by, messageId }),
      bounced: (bounce) => this.#bounced(bounce, 'archive'),
    };
    this.#retractions = new TranscriptionRetractions({ store: this.#store, send, log, inRoom: (room) => this.#rooms.joined.has(room) });
    this.#catchUp = new ArchiveCatchUp({
      store: this.#store,
      iq,
      apply: (items) => applyReceived(this.#incomingDeps, items),
      now: this.#now,
      log,
      pageSize: ARCHIVE_PAGE_SIZE,
      initialWindowMs: INITIAL_SYNC_WINDOW_MS,
    });
    this.#context = { ...this.#context, archiveQueries: this.#catchUp.outstanding };
    this.#liveRepair = new LiveRepair({ catchUp: () => this.#repairSession(), log, ...(options.liveRepairDelaysMs ? { delaysMs: options.liveRepairDelaysMs } : {}) });
    this.#live = new LiveQueue((items) => this.#applyLive(items), log, () => this.#historyMissing());
    this.#outbox = new Outbox({
      store: this.#store,
      send,
      self: options.self,
      canSend: (entry: OutboxEntry) => entry.conversationKind !== 'room' || this.#rooms.joined.has(entry.conversationJid),
      changed: (ids) => this.#emit({ type: 'conversations-changed', conversationIds: [...ids] }),
      log,
    });
    this.#failures = new DeliveryFailures({
      store: this.#store,
      ownDomain: own.domain,
      sentRecently: (originId) => this.#outbox.sentRecently(originId),
      resend: (entry) => this.#outbox.retried(entry),
      changed: (ids) => this.#emit({ type: 'conversations-changed', conversationIds: [...ids] }),
      failedForGood: (conversationId) => this.#emit({ type: 'delivery-failed', conversationId }),
      log,
      roomShut: (room) => this.roomShut(room),
      timers: options.bounceRetry?.timers ?? {
        setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
        clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
      },
      ...(options.bounceRetry?.delaysMs === undefined ? {} : { waitRetryDelaysMs: options.bounceRetry.delaysMs }),
    });
    this.#appliedBounces = new AppliedBounces(this.#store);
    this.#refusals = new StreamRefusals({
      store: this.#store,
      changed: (ids) => this.#emit({ type: 'conversations-changed', conversationIds: [...ids] }),
      failedForGood: (conversationId) => this.#emit({ type: 'delivery-failed', conversationId }),
      log,
    });
    this.#urgent = new UrgentReminders({
      store: this.#store,
      timers: options.timers ?? { setInterval: (callback, ms) => setInterval(callback, ms), clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout) },
      intervalMs: options.urgent?.intervalMs ?? DEFAULT_URGENT_INTERVAL_MS,
      maxReminders: options.urgent?.maxReminders ?? DEFAULT_URGENT_MAX_REMINDERS,
      notify: (conversationId, unreadUrgent) => this.#emit({ type: 'urgent-pending', conversationId, unreadUrgent }),
      log,
    });

    this.#view = toView(this.#connection.state(), this.#history.current);
    this.#unsubscribe.push(
      this.#connection.on('state', (state) => this.#onState(state)),
      this.#connection.on('stanza', (stanza) => this.#onStanza(stanza)),
      this.#connection.on('resumed', ({ resent }) => {
        this.#resumed = true;
        log(`chat session-resumed resent=${resent}`);
      }),
      this.#connection.on('session-restarted', ({ unacked }) => this.#onSessionRestarted(unacked)),
      this.#connection.on('session-ended', ({ kind, condition }) => {
        if (kind !== 'stream' || !REFUSING_STREAM_ERRORS.has(condition ?? '')) return;
        this.#outbox.oneAtATime();
        void this.#refusals.sessionRefused(this.#outbox.inFlightMessages());
      }),
    );
  }

  connection(): ChatConnectionView {
    return this.#view;
  }

  async send(request: SendRequest): Promise<{ messageId: number }> {
    if (this.#stopped) throw new ChatSendError('stopped', 'Messaging has stopped.');
    const conversation = await this.#conversationFor(request.conversationId);
    if (conversation === null) throw new ChatSendError('unknown-conversation', 'There is no such conversation.');
    if (conversation.kind === 'room') await this.#left.load();
    if (conversation.kind === 'room' && this.#left.has(conversation.jid)) {
      throw new ChatSendError('not-in-room', 'You left this room. Join it again to write in it.');
    }
    const check = checkOutgoingBody(request.body);
    if (!check.ok) throw new ChatSendError(check.reason, check.message);
    const originId = `wl-${randomBytes(12).toString('hex')}`;
    const urgency = request.urgent ? 'urgent' : 'normal';
    const messageId = await this.#store.queueOutgoing({
      conversationId: conversation.id,
      originId,
      body: check.body,
      urgency,
      sentAt: this.#now(),
      senderJid: this.#ownBare,
      senderName: this.#options.self.name,
      senderRole: this.#options.self.role,
      patientIdentifier: containsNhsNumber(check.body),
      // It cannot leave now: until it does, the outbox holds the only copy.
      syncToDisk: !this.#outbox.ready || this.#connection.state().kind !== 'online',
    });
    // Committed to the outbox, so it may leave now; listeners (the UI's IPC, its re-read of the
    // conversation) hear of it once it is on the wire rather than holding it back.
    this.#outbox.queued({
      messageId,
      conversationId: conversation.id,
      conversationJid: conversation.jid,
      conversationKind: conversation.kind,
      originId,
      body: check.body,
      urgency,
      attempts: 0,
      createdAt: this.#now(),
    });
    this.#emit({ type: 'conversations-changed', conversationIds: [conversation.id] });
    // Queued and kept, but it cannot go: the person is told now rather than left with a clock.
    if (conversation.kind === 'room' && this.#rooms.closed.has(conversation.jid)) this.#roomClosed(conversation.jid);
    return { messageId };
  }

  async retry(messageId: number): Promise<void> {
    if (this.#stopped) throw new ChatSendError('stopped', 'Messaging has stopped.');
    await this.#left.load();
    const outcome = await this.#failures.retry(messageId);
    if (outcome === 'not-failed') throw new ChatSendError('not-failed', 'This message is not waiting to be sent again.');
    if (outcome === 'room-closed') throw new ChatSendError('not-in-room', ROOM_CLOSED_MESSAGE);
  }

  #roomClosed(room: string): void {
    this.#failures.roomClosed(room).catch((error: unknown) => this.#log(`chat room-closed-failed error=${errorName(error)}`));
    // The conversation now says so, and offers no composer.
    this.#roomStateChanged(room);
  }

  #roomStateChanged(room: string): void {
    void this.#conversations.known(room, 'room').then(
      (id) => id !== null && this.#emit({ type: 'conversations-changed', conversationIds: [id] }),
      () => undefined,
    );
  }

  /** A conversation's address and kind never change, so one lookup serves every later send. */
  async #conversationFor(id: number): Promise<{ id: number; jid: string; kind: 'direct' | 'room' } | null> {
    const cached = this.#conversationById.get(id);
    if (cached !== undefined) return cached;
    const found = await this.#store.findConversationById(id);
    if (found !== null) this.#conversationById.set(id, { id: found.id, jid: found.jid, kind: found.kind });
    return found;
  }

  async openDirect(jid: string): Promise<number> {
    const peer = parseJid(jid);
    if (peer === null || peer.local === null || peer.resource !== null) throw new TypeError('A colleague is addressed by a bare JID (name@domain).');
    const title = this.#directory.nameOf(peer.bare) ?? peer.local;
    const id = await this.#conversations.resolve(peer.bare, 'direct', title);
    if (id === null) throw new TypeError('That address is a team room: join it as a room.');
    // The list shows it at once, before anyone has written in it.
    this.#emit({ type: 'conversations-changed', conversationIds: [id] });
    if (peer.bare !== this.#ownBare && !this.#directory.has(peer.bare) && this.#connection.state().kind === 'online') {
      // No roster name: the local part is only a placeholder, and would hide the name they sign with.
      this.#directory.add(peer.bare, null).catch((error: unknown) => this.#log(`chat roster-add-failed error=${errorName(error)}`));
    }
    return id;
  }

  async joinRoom(roomJid: string, title?: string, options: { moderated?: boolean; existingOnly?: boolean } = {}): Promise<number> {
    const room = parseJid(roomJid);
    if (room === null || room.local === null || room.resource !== null) throw new TypeError('A room is addressed by a bare JID (room@conference.domain).');
    const name = title?.trim() || room.local;
    // Checked before joining or bookmarking: a refused address must not be rejoined every session.
    if ((await this.#store.findConversationByJid(room.bare))?.kind === 'direct') throw new TypeError('That address is a 1:1 conversation, not a room.');
    await this.#rooms.join(room.bare, name, options);
    await this.#rooms.bookmark(room.bare, name).catch((error: unknown) => this.#log(`chat bookmark-failed room=${jidForLog(room)} error=${errorName(error)}`));
    return this.#roomEntered(room.bare, name);
  }

  /**
   * Joined at another workstation of the person's (its bookmark published there): joined here too.
   * Never created from here (it exists: it was just joined). A failure that may pass is a gap the
   * repair closes (it joins the bookmarked rooms again).
   */
  async #followJoin(room: string, name: string): Promise<void> {
    if ((await this.#store.findConversationByJid(room))?.kind === 'direct') throw new TypeError('That address is a 1:1 conversation, not a room.');
    await this.#rooms.join(room, name, { existingOnly: true }).catch((error: unknown) => {
      if (error instanceof RoomJoinError) this.#log(`chat room-join-failed room=${jidForLog(room)} error=${serverWordForLog(error.condition)}`);
      if (!(error instanceof RoomJoinError && (error.refusedForGood || error.condition === 'left'))) this.#historyMissing();
      throw error;
    });
    this.#rooms.bookmarks.set(room, { room, name, nick: this.#rooms.nick });
    await this.#roomEntered(room, name);
  }

  /** Left at another workstation: out of it here for this session, and nothing in it waits for the person. */
  async #leftElsewhere(room: string): Promise<boolean> {
    if (!this.#rooms.leftElsewhere(room)) return false;
    this.#emit({ type: 'directory-changed' });
    const id = await this.#conversations.known(room, 'room');
    if (id !== null) {
      // Told after the read is stored: the room's "not in it" change went out before it, and the
      // list would keep the old unread count until something else changed.
      if (await this.#store.markConversationRead(id)) this.#emit({ type: 'conversations-changed', conversationIds: [id] });
      this.#urgent.read(id);
    }
    return true;
  }

  /**
   * A room a major incident uses stays whatever another workstation did: its bookmark is put back,
   * so the server, later sign-ins and the person's other workstations keep it too.
   */
  async #keepRoom(room: string): Promise<boolean> {
    if (!(await this.#keptRooms()).has(room)) return false;
    await this.#restoreBookmark(room);
    return true;
  }

  /** Publishes a kept room's bookmark again, under the name we know it by; returns that name. */
  async #restoreBookmark(room: string): Promise<string> {
    const name = this.#rooms.bookmarks.get(room)?.name ?? (await this.#store.findConversationByJid(room))?.title ?? room;
    await this.#rooms.bookmark(room, name);
    return name;
  }

  /** The rooms a major incident uses, once the stored incidents are read. */
  async #keptRooms(): Promise<ReadonlySet<string>> {
    return (await this.#options.keptRooms?.()) ?? NO_ROOMS;
  }

  /** In the room now: listed, no longer marked left, its history caught up, and what waited for it sent. */
  async #roomEntered(room: string, name: string): Promise<number> {
    const id = await this.#conversations.resolve(room, 'room', name);
    if (id === null) throw new TypeError('That address is a 1:1 conversation, not a room.');
    await this.#store.setRoomLeft(id, null);
    await this.#left.rejoined(room);
    this.#emit({ type: 'conversations-changed', conversationIds: [id] });
    const session = this.#session;
    void this.#catchUpArchive(room, room, () => this.#isCurrent(session)).then((fetched) => {
      if (fetched === null) this.#historyMissing();
      // Removals made while we were out of the room go now.
      void this.#retractions.flush();
      return this.#outbox.flush();
    });
    this.#emit({ type: 'directory-changed' });
    return id;
  }

  closedRooms(): ReadonlySet<string> {
    return this.#rooms.closed;
  }

  roomShut(roomJid: string): boolean {
    return this.#rooms.closed.has(roomJid) || this.#left.has(roomJid);
  }

  roomPresent(roomJid: string): RoomOccupant[] {
    const room = bareJidOf(roomJid);
    if (room === null) throw new TypeError('Not a room JID.');
    const people = new Map<string, RoomOccupant>();
    // One line per person however many workstations they are in it from; the directory's name first.
    for (const [nick, jid] of this.#rooms.present(room)) {
      if (jid !== this.#ownBare && !people.has(jid)) people.set(jid, { jid, name: this.#directory.nameOf(jid) ?? nick });
    }
    return [...people.values()].sort((a, b) => a.name.localeCompare(b.name, 'en-GB') || a.jid.localeCompare(b.jid));
  }

  async roomMembers(roomJid: string): Promise<RoomMembers> {
    const room = bareJidOf(roomJid);
    if (room === null) throw new TypeError('Not a room JID.');
    const here = new Map([...this.#rooms.present(room)].map(([nick, jid]) => [jid, nick]));
    const rank = { owner: 0, admin: 1, member: 2 } as const;
    const { membersOnly, members } = await this.#rooms.members(room);
    const listed = members
      .map(({ jid, affiliation }) => ({
        jid,
        // Our own line by the name we sign with (the roster rarely lists ourselves).
        name: jid === this.#ownBare ? this.#options.self.name : (this.#directory.nameOf(jid) ?? here.get(jid) ?? titleFromJid(jid)),
        affiliation,
        here: here.has(jid),
        you: jid === this.#ownBare,
        presence: jid !== this.#ownBare && this.#directory.has(jid) ? this.#directory.presenceOf(jid) : null,
      }))
      .sort((a, b) => rank[a.affiliation] - rank[b.affiliation] || a.name.localeCompare(b.name, 'en-GB') || a.jid.localeCompare(b.jid));
    return { membersOnly, members: listed };
  }

  async removeRoomMember(roomJid: string, memberJid: string): Promise<void> {
    const room = bareJidOf(roomJid);
    const member = bareJidOf(memberJid);
    if (room === null || member === null) throw new TypeError('Not a JID.');
    await this.#rooms.removeMember(room, member);
  }

  async leaveRoom(roomJid: string): Promise<void> {
    const room = bareJidOf(roomJid);
    const conversation = room === null ? null : await this.#store.findConversationByJid(room);
    if (room === null || conversation?.kind !== 'room') throw new RoomMembershipError('That is not one of your team rooms.', 'not-a-room');
    // They could never go from here once we are out of the room: the person decides first.
    const waiting = (await this.#store.pendingOutbox()).filter((entry) => entry.conversationId === conversation.id).length;
    if (waiting > 0) {
      throw new RoomMembershipError(`${waiting} of your messages to this room ${waiting === 1 ? 'has' : 'have'} not gone yet. Leave the room once they have.`, 'outbox-waiting');
    }
    // Stored first, with the bookmark's retraction owed: if the server cannot be told now, the next
    // sign-in tells it (#joinBookmarkedRooms). Owed before marked: sign-in takes a room marked left
    // but owing nothing, and bookmarked, for one joined again elsewhere.
    await this.#left.left(room);
    try {
      await this.#store.setRoomLeft(conversation.id, this.#now());
    } catch (error) {
      // Not left after all (the person is told): the debt goes too, or the next sign-in would leave for them.
      await this.#left.rejoined(room).catch(() => undefined);
      throw error;
    }
    // Nothing in a room left is waiting for the person any more: no urgent reminders from it.
    await this.#store.markConversationRead(conversation.id);
    this.#urgent.read(conversation.id);
    // Not waited for: offline, the bookmark's retraction would hold the person for the request's timeout.
    void this.#rooms
      .leave(room)
      .then(() => this.#left.settled(room))
      .catch((error: unknown) => this.#log(`chat room-leave-unfinished room=${jidForLog(room)} error=${errorName(error)}`));
    this.#emit({ type: 'conversations-changed', conversationIds: [conversation.id] });
    this.#emit({ type: 'directory-changed' });
  }

  async addRoomMembers(roomJid: string, memberJids: readonly string[], affiliation: 'member' | 'admin' = 'member'): Promise<void> {
    const room = bareJidOf(roomJid);
    if (room === null) throw new TypeError('Not a room JID.');
    const members = memberJids.map((jid) => {
      const bare = bareJidOf(jid);
      if (bare === null) throw new TypeError('Not a JID.');
      return bare;
    });
    const { added, refused } = await this.#rooms.addMembers(room, members, affiliation);
    // Membership alone tells nobody: each person added is invited, so the room appears in their list.
    const uninvited = await sendInvitations({ send: (stanza) => this.#connection.send(stanza), log: this.#log }, room, added.filter((jid) => jid !== this.#ownBare));
    if (refused !== null) throw refused;
    if (uninvited > 0) {
      throw new RoomMembershipError(
        `Added to the room, but ${uninvited === 1 ? 'one invitation was' : `${uninvited} invitations were`} not confirmed as sent, so the room may not appear in their conversation list. Add them again once messaging is connected.`,
        'invitation-not-sent',
      );
    }
  }

  sendStanza(stanza: XmlElement): Promise<void> {
    if (this.#stopped) return Promise.reject(new ChatSendError('stopped', 'Messaging has stopped.'));
    // A room refuses a message from someone not in it. Offline, or online but not yet set up
    // (rooms not rejoined), a room message is not queued on the connection, where it would go out
    // first thing on the next session and be refused: the caller keeps it for 'session-ready'.
    // Once set up, it goes to the server even to a room we are not in, whose refusal the caller shows.
    if (stanza.attrs['type'] === 'groupchat' && !(this.#connection.state().kind === 'online' && this.#setUpFinished === this.#session)) {
      return Promise.reject(new ChatSendError('not-in-room', 'Not back in the room yet: it goes once messaging has reconnected.'));
    }
    return this.#connection.send(stanza);
  }

  mentionTarget(): MentionTarget {
    // Rooms show us by our nick, which is the account's local part (Rooms' `nick` above).
    return { handle: parseJid(this.#ownBare)?.local ?? null, name: this.#options.self.name };
  }

  /** A team room's notification level, stored; false when the conversation is not a team room. */
  async setRoomNotify(conversationId: number, level: NotifyLevel): Promise<boolean> {
    if (!(await this.#notifyLevels.set(conversationId, level))) return false;
    this.#emit({ type: 'conversations-changed', conversationIds: [conversationId] });
    return true;
  }

  async markRead(conversationId: number): Promise<void> {
    const changed = await this.#store.markConversationRead(conversationId);
    this.#urgent.read(conversationId);
    // Only a real change: the open thread re-reads on it, and would mark read again.
    if (changed) this.#emit({ type: 'conversations-changed', conversationIds: [conversationId] });
    const [conversation, target] = await Promise.all([
      this.#store.findConversationById(conversationId),
      this.#store.latestIncoming(conversationId),
    ]);
    if (conversation === null || target === null || this.#stopped) return;
    const type = conversation.kind === 'room' ? 'groupchat' : 'chat';
    // XEP-0333: 1:1 markers quote the message id (ours equal the origin-id), room markers the room's stanza-id.
    const id = type === 'groupchat' ? target.serverId : target.originId;
    if (id === null || this.#lastMarker.get(conversationId) === id) return;
    this.#lastMarker.set(conversationId, id);
    this.#connection.send(buildDisplayedMarker({ to: conversation.jid, id, type })).catch(() => undefined);
  }

  /** The name the directory (the roster, filled by IT) gives a colleague, or null. */
  colleagueName(jid: string): string | null {
    const bare = parseJid(jid)?.bare;
    return bare === undefined ? null : (this.#directory.nameOf(bare) ?? null);
  }

  async directory(): Promise<DirectoryEntry[]> {
    const rooms = [...this.#rooms.bookmarks.values()].map((bookmark) => ({
      jid: bookmark.room,
      name: bookmark.name,
      kind: 'room' as const,
      presence: null,
    }));
    return [...this.#directory.people(), ...rooms];
  }

  /** Where new team rooms are made ("ward7-nursing" → ward7-nursing@that), asked of the server once online. */
  roomService(): Promise<RoomServiceAnswer> {
    return this.#roomService.answer(this.#connection.state().kind === 'online');
  }

  async presence(): Promise<Presence> {
    await this.#presence.loaded();
    return this.#presence.now();
  }

  async setPresence(presence: Presence): Promise<void> {
    if (this.#stopped) throw new ChatSendError('stopped', 'Messaging has stopped.');
    // Kept before it is announced: what colleagues see is what the next session announces too.
    await this.#presence.set(presence);
    // Offline, or before this session's set-up has announced us, that set-up announces it.
    if (this.#connection.state().kind === 'online' && this.#announced === this.#session) await this.#connection.send(buildPresence(presence));
  }

  flushRetractions(): void {
    void this.#retractions.flush();
  }

  on(listener: (event: ChatEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#session += 1;
    this.#outbox.setReady(false);
    this.#urgent.stop();
    const resendsKept = this.#failures.stop();
    this.#liveRepair.stop();
    await this.#connection.close();
    for (const off of this.#unsubscribe.splice(0)) off();
    // Whatever was received must be written before the store closes.
    await this.#live.idle();
    await this.#bounceWork;
    await resendsKept;
    await this.#following.idle();
    await this.#invitations.idle();
    await this.#setUp.catch(() => undefined);
    await this.#accepting;
    await this.#held.idle();
  }

  heldLoaded(): Promise<void> {
    return this.#held.loaded();
  }

  /** Who is waiting outside the organisation, with counts: addresses only, never content. */
  heldSenders(): HeldSender[] {
    const senders = new Map<string, HeldSender>();
    for (const m of this.#held.all()) {
      const seen = senders.get(m.conversation);
      if (seen) seen.count++;
      else senders.set(m.conversation, { jid: m.conversation, count: 1, since: m.sentAt });
    }
    return [...senders.values()];
  }

  acceptSender(jid: string): Promise<void> {
    const work = this.#accepting.then(() => this.#accept(jid));
    this.#accepting = work.catch(() => undefined);
    return work;
  }

  async #accept(jid: string): Promise<void> {
    const accepted = new Set([...(await this.#loadAccepted()), jid]);
    await this.#store.setSetting(ACCEPTED_SETTING, JSON.stringify([...accepted]));
    this.#accepted = accepted;
    // Stored first, then forgotten: a crash in between stores them again on the next accept,
    // and the store drops the copies (origin-id / stanza-id).
    let stored = 0;
    for (let mine = this.#held.of(jid); mine.length > 0; mine = this.#held.of(jid)) {
      await applyReceived(this.#incomingDeps, mine.map((event) => ({ event, card: null })));
      await this.#held.remove(jid, new Set(mine));
      stored += mine.length;
    }
    this.#log(`chat held-accepted domain=${heldDomain(jid)} count=${stored}`);
    this.#emit({ type: 'held-changed', senders: this.heldSenders().length });
  }

  async declineSender(jid: string): Promise<void> {
    const removed = await this.#held.remove(jid);
    this.#log(`chat held-declined domain=${heldDomain(jid)} count=${removed}`);
    this.#emit({ type: 'held-changed', senders: this.heldSenders().length });
  }

  async expireHeld(before: number): Promise<number> {
    const dropped = await this.#held.expire(before);
    if (dropped > 0) this.#emit({ type: 'held-changed', senders: this.heldSenders().length });
    return dropped;
  }

  async #loadAccepted(): Promise<Set<string>> {
    const raw = await this.#store.getSetting(ACCEPTED_SETTING);
    try {
      const parsed: unknown = raw === null ? [] : JSON.parse(raw);
      this.#accepted = new Set(Array.isArray(parsed) ? parsed.filter((j): j is string => typeof j === 'string') : []);
    } catch {
      this.#accepted = new Set();
    }
    return this.#accepted;
  }

  #onState(state: XmppConnectionState): void {
    // A dropped stream may resume (history kept, below) or be replaced by a fresh session, which
    // must catch up before anything may say it is complete.
    if (state.kind !== 'online') this.#history.dropped();
    this.#view = toView(state, this.#history.current);
    this.#emit({ type: 'connection', state: this.#view });
    if (state.kind !== 'online') {
      this.#outbox.setReady(false);
      // Only the server refusing these credentials for good: not a temporary failure, not our
      // own refusal of the server (server-not-verified), not a mechanism or configuration problem.
      if (state.kind === 'offline' && state.reason.kind === 'auth' && state.retryAt === null && isRevocation(state.reason.condition)) {
        this.#emit({ type: 'credentials-refused', condition: state.reason.condition ?? 'not-authorized' });
      }
      return;
    }
    this.#context = { ...this.#context, ownJid: state.jid };
    // 'resumed' / 'session-restarted' are emitted right after this state: decide once they have been.
    queueMicrotask(() => {
      if (this.#resumed) {
        this.#resumed = false;
        // A resumed stream keeps the server's view of us, but a set-up cut off by the drop (it
        // stops while offline) never sent presence or rejoined rooms: run it again, or we would
        // show online and receive nothing live until the next fresh session.
        if (this.#setUpFinished === this.#session) {
          // Resuming skips set-up: a repair the drop interrupted must still run.
          if (this.#history.resumed() !== 'complete') this.#liveRepair.failed();
          this.#outbox.setReady(true);
          void this.#outbox.flush();
          void this.#retractions.flush();
          void this.#tellOwedLeaves();
          void this.#following.setUpFinished();
          void this.#invitations.setUpFinished();
          this.#emit({ type: 'session-ready' });
          return;
        }
        this.#log('chat session-resumed setup=again');
      } else {
        this.#emit({ type: 'signed-in', jid: state.jid });
      }
      this.#setUp = this.#setUpSession();
    });
  }

  /**
   * A fresh session replaced a lost one. Outbox messages among `unacked` are resent by the flush at
   * the end of set-up (after rooms are rejoined); receipts and markers are resent at once.
   */
  #onSessionRestarted(unacked: XmlElement[]): void {
    let resent = 0;
    for (const stanza of unacked) {
      if (stanza.name !== 'message' || stanza.getChild('body') !== undefined) continue;
      this.#connection.send(stanza).catch(() => undefined);
      resent += 1;
    }
    this.#log(`chat session-restarted unacked=${unacked.length} resent-now=${resent}`);
  }

  async #setUpSession(): Promise<void> {
    const session = ++this.#session;
    const current = (): boolean => this.#isCurrent(session);
    const started = this.#now();
    const shutOut = [...this.#rooms.closed];
    this.#rooms.sessionLost();
    this.#following.sessionStarted();
    this.#invitations.sessionStarted();
    this.#hadRoomList = null;
    // Tried again this session: no longer "not in this room" unless the room refuses us again.
    for (const room of shutOut) this.#roomStateChanged(room);
    this.#directory.sessionLost();
    this.#history.setUpStarted();
    try {
      // Before any catch-up: accepted outside senders must not be held again.
      await this.#loadAccepted().catch((error: unknown) => this.#log(`chat accepted-load-failed error=${errorName(error)}`));
      // The first presence this session sends is the kept one, never a default.
      await this.#presence.loaded();
      await this.#connection.iq(buildEnableCarbons(`carbons-${session}`)).catch((error: unknown) => this.#log(`chat carbons-failed error=${errorName(error)}`));
      await this.#directory.loadRoster().catch((error: unknown) => this.#log(`chat roster-failed error=${errorName(error)}`));
      if (!current()) return;
      // Archive first, presence second: Prosody does not flood offline messages live to a session
      // that has queried its archive, so a backlog is fetched in pages instead of one stanza at a
      // time (each with a receipt). A top-up after presence closes the gap in between.
      // A failed step leaves the history incomplete (repaired later) but never skips the rest:
      // rooms must still be joined and the outbox flushed.
      const first = await this.#catchUpArchive(this.#ownBare, undefined, current);
      if (!current()) return;
      this.#connection.send(buildPresence(this.#presence.now())).catch(() => undefined);
      this.#announced = session;
      const joined = await this.#joinBookmarkedRooms();
      if (!current()) return;
      if (this.#hadRoomList !== null) {
        await this.#invitations.signedIn(started, this.#hadRoomList).catch((error: unknown) => this.#log(`chat invitations-since-failed error=${errorName(error)}`));
      }
      const topUp = await this.#catchUpArchive(this.#ownBare, undefined, current);
      if (!current()) return;
      const caught = [first, topUp];
      for (const room of [...this.#rooms.joined.keys()]) caught.push(await this.#catchUpArchive(room, room, current));
      if (!current()) return;
      const fetched = caught.reduce<number>((sum, n) => sum + (n ?? 0), 0);
      this.#setUpFinished = session;
      if (this.#history.setUpFinished(joined && caught.every((n) => n !== null)) !== 'complete') this.#liveRepair.failed();
      this.#outbox.setReady(true);
      const flushed = await this.#outbox.flush();
      void this.#retractions.flush();
      void this.#following.setUpFinished();
      void this.#invitations.setUpFinished();
      this.#log(`chat session-ready rooms=${this.#rooms.joined.size} archived=${fetched} flushed=${flushed} ms=${this.#now() - started}`);
      this.#emit({ type: 'session-ready' });
    } catch (error) {
      this.#log(`chat session-setup-failed error=${errorName(error)}`);
      // Still send what we can: 1:1 messages do not need rooms or the archive.
      if (current()) {
        // Announced as the person chose, if the failure came before that step.
        if (this.#announced !== session) {
          this.#connection.send(buildPresence(this.#presence.now())).catch(() => undefined);
          this.#announced = session;
        }
        this.#setUpFinished = session;
        this.#history.setUpFinished(false);
        this.#liveRepair.failed();
        this.#outbox.setReady(true);
        void this.#outbox.flush();
        void this.#following.setUpFinished();
        void this.#invitations.setUpFinished();
        this.#emit({ type: 'session-ready' });
      }
    }
  }

  /**
   * Joins the bookmarked rooms not joined yet, except those the person left here (whose retraction,
   * if still owed, is told now; one bookmarked again since, with nothing owed, was joined again
   * elsewhere and is joined here too); false if the bookmarks or a room could not be (a room that
   * refuses us for good is no failure: it says so). A room of ours with no bookmark (left on another
   * workstation, or its bookmark never stored) is not joined: it says "not in this room" this
   * session, and what waits for it fails visibly instead of waiting unseen.
   */
  async #joinBookmarkedRooms(): Promise<boolean> {
    let bookmarks: { room: string; name: string }[] | null;
    let rooms: TeamRoom[];
    const joinedElsewhere = new Set<string>();
    try {
      // Read once: the rooms left come from the same rows (no second read on the first session).
      rooms = await this.#store.teamRooms();
      this.#left.adopt(rooms);
      bookmarks = await this.#rooms.loadBookmarks();
      this.#hadRoomList = bookmarks !== null;
      const owed = new Set(await this.#left.owed());
      for (const room of owed) {
        if (bookmarks?.some((bookmark) => bookmark.room === room) === true) await this.#rooms.forgetBookmark(room);
        await this.#left.settled(room);
      }
      // Left here, and bookmarked again since without a retraction still owed from here: the person
      // joined it again at another workstation. (A leave racing this read is in `owed`: LeftRooms
      // records it before `rooms` can show it.)
      for (const room of rooms) {
        if (!room.left || owed.has(room.jid) || !this.#left.has(room.jid) || bookmarks?.some((bookmark) => bookmark.room === room.jid) !== true) continue;
        this.#log(`chat room-joined-elsewhere room=${jidForLog(room.jid)}`);
        await this.#store.setRoomLeft(room.conversationId, null);
        await this.#left.rejoined(room.jid);
        joinedElsewhere.add(room.jid);
        this.#emit({ type: 'conversations-changed', conversationIds: [room.conversationId] });
      }
    } catch (error) {
      this.#log(`chat bookmarks-failed error=${errorName(error)}`);
      return false;
    }
    // Queued for a room left (before this session knew it was): failed, visibly, not left waiting.
    // One read of the outbox, and only when a room was left.
    const left = new Set(rooms.filter((room) => room.left && !joinedElsewhere.has(room.jid)).map((room) => room.jid));
    const waitingIn = left.size === 0 ? [] : (await this.#store.pendingOutbox().catch((error: unknown) => (this.#log(`chat room-closed-failed error=${errorName(error)}`), []))).filter((entry) => left.has(entry.conversationJid));
    for (const room of new Set(waitingIn.map((entry) => entry.conversationJid))) {
      await this.#failures.roomClosed(room).catch((error: unknown) => this.#log(`chat room-closed-failed error=${errorName(error)}`));
    }
    const kept = await this.#keptRooms();
    // No bookmark list at all (the node deleted: a server migration, IT's clean-up) is no list of
    // rooms either: the rooms we hold are shut out below as with an empty list, so what waits for
    // them fails visibly instead of waiting for a join that never comes.
    const toJoin: { room: string; name: string }[] = [...(bookmarks ?? [])];
    const bookmarked = new Set(toJoin.map((bookmark) => bookmark.room));
    for (const room of rooms) {
      if (room.left || bookmarked.has(room.jid) || this.#rooms.joined.has(room.jid)) continue;
      if (kept.has(room.jid)) {
        // A room a major incident uses, its bookmark gone (another workstation left it): put back.
        this.#log(`chat room-kept room=${jidForLog(room.jid)} reason=incident`);
        const name = await this.#restoreBookmark(room.jid).catch((error: unknown) => {
          this.#log(`chat bookmark-failed room=${jidForLog(room.jid)} error=${errorName(error)}`);
          return room.jid;
        });
        toJoin.push({ room: room.jid, name });
        continue;
      }
      this.#log(`chat room-absent room=${jidForLog(room.jid)} reason=no-bookmark`);
      this.#rooms.shutOut(room.jid);
    }
    const joined = await Promise.all(
      toJoin
        .filter((bookmark) => !this.#rooms.joined.has(bookmark.room) && !this.#left.has(bookmark.room))
        .map((bookmark) =>
          // Only rooms that still exist: a bookmark of a room IT closed must not recreate it, with
          // the first member to sign in as its owner.
          this.#rooms.join(bookmark.room, bookmark.name, { existingOnly: true }).then(
            () => this.#listRoom(bookmark.room, bookmark.name).then(() => true),
            (error: unknown) => {
              // Left while the join was on its way: what the person wanted, not a gap in the history.
              if (error instanceof RoomJoinError && error.condition === 'left') return true;
              this.#log(`chat room-join-failed room=${jidForLog(bookmark.room)} error=${error instanceof RoomJoinError ? serverWordForLog(error.condition) : errorName(error)}`);
              // A room that will not have us (removed, banned, gone) says so in its conversation; it
              // is no gap to repair. Retrying it for ever kept "history incomplete" up at every sign-in.
              return error instanceof RoomJoinError && error.refusedForGood;
            },
          ),
        ),
    );
    return joined.every(Boolean);
  }

  /**
   * Leaves made while offline, told to the server on a resumed stream (which runs no set-up, where
   * they are told otherwise): until then the person's other workstations stay in those rooms.
   */
  async #tellOwedLeaves(): Promise<void> {
    for (const room of await this.#left.owed().catch(() => [])) {
      try {
        await this.#rooms.forgetBookmark(room);
      } catch (error) {
        // No bookmark to retract is what a leave wants; anything else stays owed.
        if (!(error instanceof XmppError && error.condition === 'item-not-found')) {
          this.#log(`chat room-leave-unfinished room=${jidForLog(room)} error=${errorName(error)}`);
          continue;
        }
      }
      await this.#left.settled(room).catch(() => undefined);
    }
  }

  /** A room joined from the bookmarks is in the list even before anyone writes in it (a new workstation). */
  async #listRoom(room: string, name: string): Promise<void> {
    const listed = await this.#conversations.ensure(room, 'room', name);
    if (listed?.created === true) this.#emit({ type: 'conversations-changed', conversationIds: [listed.id] });
  }

  /** Something the server holds is missing here (a live message not stored, a catch-up or join failed). */
  #historyMissing(): void {
    this.#history.missing(this.#setUpFinished === this.#session);
    this.#liveRepair.failed();
  }

  /**
   * Repairs a session with something missing: rejoins bookmarked rooms that failed, then the
   * archives again from their cursors (what was stored meanwhile is de-duplicated). A session
   * still being set up needs nothing: its set-up catches up. Rejects while offline (the stream may
   * resume, which skips set-up) or if a room or a page could not be, so the repair tries again.
   */
  async #repairSession(): Promise<void> {
    const session = this.#session;
    if (this.#stopped || this.#setUpFinished !== session) return;
    const current = (): boolean => this.#isCurrent(session);
    const offline = (): Error => new Error('Offline: the repair waits for the connection.');
    if (!current()) throw offline();
    const token = this.#history.repairStarted();
    const joined = await this.#joinBookmarkedRooms();
    // The outbox holds room messages until their room is joined (Outbox.canSend): rooms this just
    // got back into may have some waiting.
    if (current()) {
      void this.#outbox.flush();
      // Removals waiting for a room (TranscriptionRetractions.inRoom) go once it is joined again.
      void this.#retractions.flush();
    }
    if (!joined) throw new Error('A room could not be joined.');
    await this.#catchUp.run(this.#ownBare, undefined, current);
    for (const room of [...this.#rooms.joined.keys()]) await this.#catchUp.run(room, room, current);
    if (!current()) throw offline();
    // Not complete if something went missing meanwhile (it may be behind where this had got to): LiveRepair runs again.
    this.#history.repaired(token);
  }

  #showHistory(history: HistoryState): void {
    if (this.#view.kind !== 'online' || this.#view.history === history) return;
    this.#view = { ...this.#view, history };
    this.#emit({ type: 'connection', state: this.#view });
  }

  /** Messages fetched, or null if the archive (ours, or a room's) could not be caught up. */
  async #catchUpArchive(archive: string, room: string | undefined, current: () => boolean): Promise<number | null> {
    try {
      return (await this.#catchUp.run(archive, room, current)).fetched;
    } catch (error) {
      this.#log(`chat catch-up-failed archive=${room === undefined ? 'own' : jidForLog(room)} error=${errorName(error)}`);
      return null;
    }
  }

  #isCurrent(session: number): boolean {
    return session === this.#session && !this.#stopped && this.#connection.state().kind === 'online';
  }

  #onStanza(stanza: XmlElement): void {
    switch (stanza.name) {
      case 'message':
        this.#onMessage(stanza);
        return;
      case 'presence':
        if (!this.#rooms.handlePresence(stanza)) this.#directory.handlePresence(stanza);
        return;
      case 'iq':
        this.#onIq(stanza);
        return;
    }
  }

  #onMessage(stanza: XmlElement): void {
    if (stanza.attrs['type'] === 'error') return this.#onBounce(stanza);
    const bookmarks = readBookmarkEvent(stanza, this.#ownBare);
    if (bookmarks.kind === 'foreign') return this.#log(rejectionLogLine({ reason: 'foreign-bookmarks', from: bookmarks.from }));
    if (bookmarks.kind === 'changes') return this.#following.changed(bookmarks.changes);
    this.#catchUp.sawResult(stanza);
    const event = this.#withLiveAuthor(parseIncoming(stanza, this.#context));
    switch (event.kind) {
      case 'ignored':
        if (event.reason !== 'chat-state' && event.reason !== 'room-subject' && event.reason !== 'room-system-message') {
          this.#log(`chat ignored reason=${event.reason}`);
        }
        return;
      case 'rejected':
        this.#log(rejectionLogLine(event));
        return;
      case 'invitation':
        // Nothing is stored: the room itself joins the list, if it should (roomInvitations.ts).
        this.#invitations.received(event);
        return;
    }
    if (event.kind === 'message' && this.#options.onStructured !== undefined) {
      const delivery = structuredDelivery(stanza, event, this.#ownBare, (room, nick) => this.#rooms.realJid(room, nick), this.#incomingDeps.isTrustedAddress);
      if (delivery !== null && this.#options.onStructured(delivery)) return;
    }
    const item: ReceivedItem = { event, card: event.kind === 'message' ? readSenderCard(stanza) : null };
    if (event.source === 'archive') {
      if (event.kind === 'message' && event.archiveQueryId !== null) this.#catchUp.collect(event.archiveQueryId, item);
      else this.#collectArchiveUpdate(stanza, item);
      return;
    }
    this.#live.push(item);
  }

  /**
   * A live room stanza's writer is whoever holds the nick as it arrives: looked up now, not when
   * its batch is stored (by then they may have left, and someone else may hold the nick).
   */
  #withLiveAuthor(event: IncomingEvent): IncomingEvent {
    if (event.kind === 'ignored' || event.kind === 'rejected' || event.source !== 'live' || event.type !== 'groupchat' || event.direction === 'out') return event;
    const slash = event.from.indexOf('/');
    const author = slash === -1 ? null : this.#rooms.realJid(event.conversation, event.from.slice(slash + 1));
    return author === null ? event : { ...event, author };
  }

  /** One of our messages was refused by the server or the recipient (see deliveryFailures.ts). */
  #onBounce(stanza: XmlElement): void {
    const bounce = parseBounce(stanza, this.#ownBare);
    if (bounce === null) return this.#log('chat ignored reason=error-stanza');
    this.#bounced(bounce, 'live').catch((error: unknown) => this.#log(`chat bounce-failed error=${errorName(error)}`));
  }

  /**
   * A live bounce, or one our archive kept (its page fails if this does). The archive also keeps
   * every bounce handled live: one already applied is not applied again (appliedBounces.ts).
   */
  #bounced(bounce: MessageBounce, source: 'live' | 'archive'): Promise<void> {
    if (this.#options.onForeignBounce?.(bounce) === true) return Promise.resolve();
    const applied = this.#bounceWork.then(async () => {
      if (source === 'archive' && (await this.#appliedBounces.has(bounce))) return this.#log(`chat bounce-already-applied condition=${bounce.condition}`);
      await this.#failures.bounced(bounce);
      await this.#appliedBounces.add(bounce);
    });
    this.#bounceWork = applied.catch(() => undefined);
    return applied;
  }

  /** Receipts, markers and retractions from an archive page belong to that page too. */
  #collectArchiveUpdate(stanza: XmlElement, item: ReceivedItem): void {
    const queryId = stanza.getChild('result', 'urn:xmpp:mam:2')?.attrs['queryid'];
    if (typeof queryId === 'string') this.#catchUp.collect(queryId, item);
  }

  /**
   * Live messages never move the archive cursors: only a completed archive page proves there is
   * no gap before its last id. (Moving them from live stanza-ids lost a message when the server
   * was killed mid-burst.) The price is re-fetching, after a fresh session, what already arrived
   * live since the last catch-up; the store drops those as duplicates.
   */
  async #applyLive(items: ReceivedItem[]): Promise<void> {
    await applyReceived(this.#incomingDeps, items);
  }

  #onIq(iq: XmlElement): void {
    const type = iq.attrs['type'];
    if (type !== 'get' && type !== 'set') return;
    const id = iq.attrs['id'];
    const reply = (element: XmlElement): void => void this.#connection.send(element).catch(() => undefined);
    const roster = this.#directory.handleRosterPush(iq);
    if (roster !== null) return reply(roster);
    const from = iq.attrs['from'];
    if (type === 'get' && iq.getChild('ping', PING) !== undefined) return reply(xml('iq', { type: 'result', id, to: from }));
    const disco = discoInfoAnswer(iq);
    if (disco !== null) return reply(disco);
    // RFC 6120 §8.2.3: every get/set gets an answer.
    reply(
      xml(
        'iq',
        { type: 'error', id, to: from },
        xml('error', { type: 'cancel' }, xml('service-unavailable', { xmlns: STANZAS })),
      ),
    );
  }

  #hold(message: IncomingMessage): Promise<void> {
    const { added, saved } = this.#held.add(message);
    if (added) this.#emit({ type: 'held-changed', senders: this.heldSenders().length });
    return saved;
  }

  #emit(event: ChatEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        this.#log(`chat listener-failed event=${event.type}`);
      }
    }
  }

  readonly #log = (line: string): void => {
    this.#options.log?.(line);
  };
}

/**
 * The log line for a stanza refused as spoofed or inconsistent. Security-relevant: who and why,
 * never what. Bare address only: the resource is sender-written text (spaces included) that could
 * forge key=value pairs or carry an identifier.
 */
export function rejectionLogLine(event: { reason: string; from: string | null }): string {
  return `chat rejected reason=${event.reason} from=${jidForLog(event.from)}`;
}

/** SASL conditions (RFC 6120 §6.5) that mean the account itself was refused: revoked, disabled or expired. */
const REVOCATION_CONDITIONS: ReadonlySet<string> = new Set(['not-authorized', 'account-disabled', 'credentials-expired']);

export function isRevocation(condition: string | undefined): boolean {
  return condition !== undefined && REVOCATION_CONDITIONS.has(condition);
}

function toView(state: XmppConnectionState, history: HistoryState): ChatConnectionView {
  switch (state.kind) {
    case 'connecting':
      return { kind: 'connecting', attempt: state.attempt };
    case 'online':
      return { kind: 'online', since: state.since, history };
    case 'offline':
      // Plain words for people; the technical kind, code and condition are in the xmpp log lines.
      return { kind: 'offline', since: state.since, reason: reasonForPeople(state.reason, state.retryAt !== null), retryAt: state.retryAt };
  }
}


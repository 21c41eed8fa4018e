/**
 * Team rooms (XEP-0045): join (creating a members-only, persistent, archived room when it does not
 * exist yet), membership, and the room list remembered as XEP-0402 bookmarks in PEP, so every
 * workstation the person signs in to rejoins the same rooms.
 */
import { xml, XmppError, type XmlElement } from '../xmpp/index.js';
import { bareJidOf, jidForLog, neutraliseName, roomVouchesFor, serverWordForLog, type JoinedRoom } from '../messaging/index.js';
import { bookmarkOf } from './bookmarkEvents.js';
import { DISCO_INFO } from './entityCaps.js';

const MUC = 'http://jabber.org/protocol/muc';
const MUC_USER = 'http://jabber.org/protocol/muc#user';
const MUC_OWNER = 'http://jabber.org/protocol/muc#owner';
const MUC_ADMIN = 'http://jabber.org/protocol/muc#admin';
const PUBSUB = 'http://jabber.org/protocol/pubsub';
const BOOKMARKS = 'urn:xmpp:bookmarks:1';
const DATA = 'jabber:x:data';
/** The room-archiving (MAM) field as Prosody (mod_muc_mam) and ejabberd (mod_mam) name it. */
const ARCHIVING_FIELDS = ['muc#roomconfig_enablearchiving', 'mam'] as const;
/** A room's name from the room itself, at most as long as one a person types (the contract's Label). */
const MAX_ROOM_NAME = 80;

/** A disco#info answer's word that only the room's members may enter. */
const isMembersOnly = (answer: XmlElement): boolean =>
  (answer.getChild('query', DISCO_INFO)?.getChildren('feature') ?? []).some((feature) => feature.attrs['var'] === 'muc_membersonly');
const PUBSUB_OWNER = 'http://jabber.org/protocol/pubsub#owner';
const PUBLISH_OPTIONS = 'http://jabber.org/protocol/pubsub#publish-options';
const NODE_CONFIG = 'http://jabber.org/protocol/pubsub#node_config';
/** Only we can read our room list; it is kept, all of it, and not pushed at every sign-in. */
const XEP_0402_OPTIONS = [
  ['pubsub#persist_items', 'true'],
  ['pubsub#max_items', 'max'],
  ['pubsub#send_last_published_item', 'never'],
  ['pubsub#access_model', 'whitelist'],
] as const;
const PRIVACY_OPTIONS = XEP_0402_OPTIONS.filter(([key]) => key === 'pubsub#persist_items' || key === 'pubsub#access_model');

/** A submitted XEP-0004 form of the given FORM_TYPE. */
function dataForm(formType: string, fields: readonly (readonly [string, string])[]): XmlElement {
  const field = (key: string, value: string, type?: string): XmlElement => xml('field', { var: key, type }, xml('value', {}, value));
  return xml('x', { xmlns: DATA, type: 'submit' }, field('FORM_TYPE', formType, 'hidden'), ...fields.map(([key, value]) => field(key, value)));
}

export interface Bookmark {
  room: string;
  name: string;
  nick: string;
}

export interface RoomsDeps {
  iq(request: XmlElement, timeoutMs?: number): Promise<XmlElement>;
  send(stanza: XmlElement): Promise<void>;
  log(line: string): void;
  /** Our nickname in every room: the JID's local part, unique in the organisation. */
  nick: string;
  /** The organisation's domains, our own included: whose rooms may reveal who is who. */
  trustedDomains: readonly string[];
  /**
   * Used when someone else holds `nick` in a room (a namesake from another domain): our bare JID,
   * unique by construction. Without it a namesake kept us out of the room for good.
   */
  fallbackNick?: string;
  joinTimeoutMs?: number;
  /** The room removed us, or refused to let us in: nothing we queue for it can go until a join succeeds. */
  closed?(room: string): void;
  /** We are out of the room for a while (the room service shutting down): join it again later. */
  left?(room: string): void;
}

/** Join refusals that last (membership, a ban, a room that is gone), unlike a timeout. */
const REFUSED_FOR_GOOD: ReadonlySet<string> = new Set(['forbidden', 'registration-required', 'not-authorized', 'not-allowed', 'item-not-found', 'gone']);

interface PendingJoin {
  resolve(outcome: { created: boolean }): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Who may read a members-only room, by affiliation (XEP-0045 §9.5, §10.5). */
export type RoomAffiliation = 'owner' | 'admin' | 'member';
const AFFILIATIONS: readonly RoomAffiliation[] = ['owner', 'admin', 'member'];

/** The room (or the server) would not list or change its members: said in people's words. */
export class RoomMembershipError extends Error {
  constructor(message: string, readonly condition: string) {
    super(message);
    this.name = 'RoomMembershipError';
  }
}

const REFUSALS: ReadonlySet<string> = new Set(['forbidden', 'not-allowed', 'not-authorized']);

function isRefusal(error: unknown): boolean {
  return error instanceof XmppError && error.kind === 'iq' && REFUSALS.has(error.condition ?? '');
}

function conditionOf(error: unknown): string {
  return error instanceof XmppError ? (error.condition ?? error.kind) : 'error';
}

/** Server answer → a sentence for the person; the condition is logged for IT by the caller. */
function membershipError(error: unknown, refusedWords: string): RoomMembershipError {
  const condition = conditionOf(error);
  if (isRefusal(error)) return new RoomMembershipError(refusedWords, condition);
  if (error instanceof XmppError && error.kind === 'iq') return new RoomMembershipError(`The server refused this (${condition}).`, condition);
  return new RoomMembershipError('The server did not answer. Try again once messaging is connected.', condition);
}

/** What a join refusal means for the person; the condition itself is logged for IT. */
const JOIN_REFUSALS: Readonly<Record<string, string>> = {
  'registration-required': 'This room lets in only its members: ask its owner to add you.',
  forbidden: 'This room does not let you in (you may have been banned): ask its owner.',
  'not-authorized': 'This room needs a password Wardline does not use: ask its owner.',
  'item-not-found': 'There is no such room.',
  gone: 'This room has been closed.',
  conflict: 'Someone else is using your name in this room. Try again in a moment.',
  timeout: 'The room did not answer. Try again once messaging is connected.',
  'session-lost': 'The connection dropped while joining. Try again once messaging is connected.',
};

export class RoomJoinError extends Error {
  constructor(readonly condition: string) {
    super(JOIN_REFUSALS[condition] ?? `The room could not be joined (${condition}).`);
    this.name = 'RoomJoinError';
  }

  /** The room will not have us (membership, a ban, gone): shown as such, not retried as a gap. */
  get refusedForGood(): boolean {
    return REFUSED_FOR_GOOD.has(this.condition);
  }
}

export class Rooms {
  /** Rooms joined in this session: parseIncoming's context (room → our nick). */
  readonly joined = new Map<string, JoinedRoom>();
  /** Rooms that removed us or refused our join this session; a successful join takes a room off. */
  readonly closed = new Set<string>();
  readonly bookmarks = new Map<string, Bookmark>();
  /** room → nick → real bare JID, from occupant presence (rooms reveal it: whois=anyone). */
  readonly #occupants = new Map<string, Map<string, string>>();
  /** Rooms to create moderated (incident announcement rooms): only moderators speak. */
  readonly #moderated = new Set<string>();
  readonly #pending = new Map<string, PendingJoin>();
  /** Joins on their way (existence check, entering, configuring): one per room. */
  readonly #joining = new Map<string, { joining: Promise<{ created: boolean }>; existingOnly: boolean }>();
  /** Rooms we are leaving: the room's goodbye to us is not a removal. */
  readonly #leaving = new Set<string>();
  readonly #deps: RoomsDeps;

  constructor(deps: RoomsDeps) {
    this.#deps = deps;
  }

  /** The session ended: the server has forgotten our occupancy; joins in flight will never finish. */
  sessionLost(): void {
    this.joined.clear();
    this.closed.clear();
    this.#occupants.clear();
    this.#leaving.clear();
    for (const [room, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new RoomJoinError('session-lost'));
      this.#pending.delete(room);
    }
  }

  /** Our nickname in rooms (the account's local part). */
  get nick(): string {
    return this.#deps.nick;
  }

  /** In the room, or on the way in. */
  inRoom(room: string): boolean {
    return this.joined.has(room) || this.#pending.has(room);
  }

  /**
   * Reads our bookmarks (XEP-0402), replacing what we held (another workstation may have removed
   * some). Null when there is no bookmark list at all: no rooms, and nothing to tell about leaving.
   */
  async loadBookmarks(): Promise<Bookmark[] | null> {
    let answer: XmlElement;
    try {
      answer = await this.#deps.iq(xml('iq', { type: 'get' }, xml('pubsub', { xmlns: PUBSUB }, xml('items', { node: BOOKMARKS }))));
    } catch (error) {
      if ((error as { condition?: unknown }).condition === 'item-not-found') {
        this.bookmarks.clear();
        return null;
      }
      throw error;
    }
    this.bookmarks.clear();
    const items = answer.getChild('pubsub', PUBSUB)?.getChild('items')?.getChildren('item') ?? [];
    for (const item of items) {
      const bookmark = bookmarkOf(item);
      if (bookmark !== null) this.bookmarks.set(bookmark.room, { ...bookmark, nick: this.#deps.nick });
    }
    return [...this.bookmarks.values()];
  }

  /** Publishes one bookmark item; private to us (whitelist), kept (persist, max items). */
  async bookmark(room: string, name: string): Promise<void> {
    const item = xml('item', { id: room }, xml('conference', { xmlns: BOOKMARKS, name, autojoin: 'true' }, xml('nick', {}, this.#deps.nick)));
    try {
      await this.#publishBookmark(item, XEP_0402_OPTIONS);
    } catch (error) {
      if (!(error instanceof XmppError) || error.kind !== 'iq') throw error;
      // ejabberd 23.01 knows neither max_items nor send_last_published_item as publish-options and
      // refuses the publish (resource-constraint); a node created without them keeps one item, so
      // every bookmark would replace the last. Any server may also answer precondition-not-met for
      // a node configured otherwise. Either way: configure the node ourselves, then publish with
      // the preconditions every server knows (still private, still persistent).
      this.#deps.log(`chat bookmarks-configuring-node condition=${serverWordForLog(error.condition ?? '-')}`);
      await this.#configureBookmarksNode();
      await this.#publishBookmark(item, PRIVACY_OPTIONS);
    }
    this.bookmarks.set(room, { room, name, nick: this.#deps.nick });
  }

  /**
   * We leave: out of the room now if we are in it, and its bookmark retracted so no workstation of
   * ours joins it again. The retraction needs the server: it rejects offline (the caller retries it).
   */
  async leave(room: string): Promise<void> {
    this.#exit(room);
    await this.forgetBookmark(room);
  }

  /**
   * The person left the room at another workstation (its bookmark was retracted there): out of it
   * here too, for this session, as if it had had no bookmark at sign-in. False if we were not in it.
   */
  leftElsewhere(room: string): boolean {
    this.bookmarks.delete(room);
    if (!this.#exit(room)) return false;
    this.#close(room);
    return true;
  }

  /** Out of the room now if we are in it or on our way in; false if neither. */
  #exit(room: string): boolean {
    const joined = this.joined.get(room);
    const pending = this.#pending.get(room);
    // A join still on its way would put us back in: it fails ('left'), and the room hears we go.
    if (pending !== undefined) this.#settle(room, pending, new RoomJoinError('left'));
    if (joined === undefined && pending === undefined) return false;
    this.joined.delete(room);
    this.#occupants.delete(room);
    this.#leaving.add(room);
    this.#deps.send(xml('presence', { to: `${room}/${joined?.nick ?? this.#deps.nick}`, type: 'unavailable' })).catch(() => undefined);
    return true;
  }

  /** Retracts a room's bookmark (XEP-0402: one item per room, so other workstations see it go). */
  async forgetBookmark(room: string): Promise<void> {
    // Gone from our list at once (the directory's rooms); the server's copy when it answers.
    this.bookmarks.delete(room);
    await this.#deps.iq(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB }, xml('retract', { node: BOOKMARKS, notify: 'true' }, xml('item', { id: room })))));
  }

  async #publishBookmark(item: XmlElement, options: readonly (readonly [string, string])[]): Promise<void> {
    await this.#deps.iq(
      xml(
        'iq',
        { type: 'set' },
        xml('pubsub', { xmlns: PUBSUB }, xml('publish', { node: BOOKMARKS }, item), xml('publish-options', {}, dataForm(PUBLISH_OPTIONS, options))),
      ),
    );
  }

  /** Sets the XEP-0402 node configuration, creating the node with it if it does not exist yet. */
  async #configureBookmarksNode(): Promise<void> {
    try {
      await this.#deps.iq(xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB_OWNER }, xml('configure', { node: BOOKMARKS }, dataForm(NODE_CONFIG, XEP_0402_OPTIONS)))));
    } catch (error) {
      if (!(error instanceof XmppError) || error.condition !== 'item-not-found') throw error;
      // Created and configured in one request, so the node is never open, not even briefly.
      await this.#deps.iq(
        xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB }, xml('create', { node: BOOKMARKS }), xml('configure', {}, dataForm(NODE_CONFIG, XEP_0402_OPTIONS)))),
      );
    }
  }

  /**
   * Enters the room. If we created it (status 201), configures it before anyone else can enter:
   * members-only, persistent, archived, real JIDs visible to members (people must be able to
   * check who they are talking to).
   */
  async join(room: string, name: string, options: { moderated?: boolean; existingOnly?: boolean } = {}): Promise<{ created: boolean }> {
    if (options.moderated === true) this.#moderated.add(room);
    if (this.joined.has(room)) return { created: false };
    // A second join while one is on its way (an invitation and the person's own join, or another
    // workstation's) shares it: entering twice would cancel the first.
    const inFlight = this.#joining.get(room);
    if (inFlight !== undefined) {
      const shared = inFlight.joining.then(() => ({ created: false }));
      // A join that may create the room (a declaration) does not take the answer of one that only
      // enters an existing room (the policy room's check at sign-in): "there is no such room" is
      // no answer for it. It tries itself once that one is over.
      if (inFlight.existingOnly && options.existingOnly !== true) return shared.catch(() => this.join(room, name, options));
      return shared;
    }
    const joining = this.#join(room, name, options);
    const entry = { joining, existingOnly: options.existingOnly === true };
    this.#joining.set(room, entry);
    try {
      return await joining;
    } finally {
      if (this.#joining.get(room) === entry) this.#joining.delete(room);
    }
  }

  async #join(room: string, name: string, options: { existingOnly?: boolean }): Promise<{ created: boolean }> {
    let outcome: { created: boolean };
    let nick = this.#deps.nick;
    try {
      // Entering a room that does not exist creates it, with us as its owner: never for a room IT
      // configures or closed, nor for one we only remember (a bookmark, another workstation's join).
      const absent = options.existingOnly === true ? await this.#absence(room) : null;
      if (absent !== null) throw new RoomJoinError(absent);
      try {
        outcome = await this.#enter(room, nick);
      } catch (error) {
        const fallback = this.#deps.fallbackNick;
        if (!(error instanceof RoomJoinError && error.condition === 'conflict' && fallback !== undefined)) throw error;
        this.#deps.log(`chat room-nick-taken room=${jidForLog(room)}`);
        nick = fallback;
        outcome = await this.#enter(room, nick);
      }
    } catch (error) {
      if (error instanceof RoomJoinError && error.refusedForGood) this.#close(room);
      throw error;
    }
    if (outcome.created) await this.#configure(room, name);
    this.closed.delete(room);
    this.#leaving.delete(room);
    this.joined.set(room, { nick });
    return outcome;
  }

  /**
   * Who is on the room's lists, by affiliation (one request per list), and whether only they may
   * enter (members-only). Prosody lets members of a members-only room that reveals addresses read
   * every list, and an admin elsewhere only the lists at or below their own: a list refused is left
   * out; all three refused (or no answer) → RoomMembershipError.
   */
  async members(room: string): Promise<{ membersOnly: boolean; members: { jid: string; affiliation: RoomAffiliation }[] }> {
    const [info, ...lists] = await Promise.allSettled([
      this.#deps.iq(xml('iq', { type: 'get', to: room }, xml('query', { xmlns: DISCO_INFO }))),
      ...AFFILIATIONS.map((affiliation) => this.#deps.iq(xml('iq', { type: 'get', to: room }, xml('query', { xmlns: MUC_ADMIN }, xml('item', { affiliation }))))),
    ]);
    const failed = lists.find((list): list is PromiseRejectedResult => list.status === 'rejected' && !isRefusal(list.reason));
    const refusedAll = lists.every((list) => list.status === 'rejected');
    if (failed !== undefined || refusedAll) {
      const reason = failed?.reason ?? (lists[0] as PromiseRejectedResult).reason;
      this.#deps.log(`chat room-members-failed room=${jidForLog(room)} condition=${serverWordForLog(conditionOf(reason))}`);
      throw membershipError(reason, 'This room does not show its members to you.');
    }
    // Highest affiliation first; a JID listed twice keeps the first.
    const byJid = new Map<string, RoomAffiliation>();
    lists.forEach((list, i) => {
      if (list.status !== 'fulfilled') return;
      for (const item of list.value.getChild('query', MUC_ADMIN)?.getChildren('item') ?? []) {
        const jid = bareJidOf(item.attrs['jid']);
        if (jid !== null && !byJid.has(jid)) byJid.set(jid, AFFILIATIONS[i] ?? 'member');
      }
    });
    return {
      membersOnly: info.status === 'fulfilled' && isMembersOnly(info.value),
      members: [...byJid].map(([jid, affiliation]) => ({ jid, affiliation })),
    };
  }

  /** Takes a person's membership away (affiliation none): a members-only room then removes them. */
  async removeMember(room: string, jid: string): Promise<void> {
    try {
      await this.#deps.iq(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: MUC_ADMIN }, xml('item', { affiliation: 'none', jid }))));
    } catch (error) {
      const refusal = membershipError(error, "Only the room's owners and admins can remove people, and an admin can remove members only.");
      this.#deps.log(`chat room-member-remove-failed room=${jidForLog(room)} condition=${serverWordForLog(refusal.condition)}`);
      throw refusal;
    }
  }

  /** Everyone in a room we are in whose address it revealed (nick → bare JID), ourselves included. */
  present(room: string): ReadonlyMap<string, string> {
    return this.#occupants.get(room) ?? new Map();
  }

  /** The real bare JID behind a room nick, when the room revealed it in the occupant's presence. */
  realJid(room: string, nick: string): string | null {
    return this.#occupants.get(room)?.get(nick) ?? null;
  }

  /**
   * One request per person: XEP-0045 allows several items in one, but Prosody 0.12 applies only
   * the first and answers success, so the rest were silently left out of a members-only room.
   * A refusal for one person does not stop the others: who was added, and the first refusal, are returned.
   */
  async addMembers(room: string, members: readonly string[], affiliation: 'member' | 'admin' = 'member'): Promise<{ added: string[]; refused: unknown }> {
    let refused: unknown = null;
    const added: string[] = [];
    for (const jid of new Set(members)) {
      try {
        await this.#deps.iq(xml('iq', { type: 'set', to: room }, xml('query', { xmlns: MUC_ADMIN }, xml('item', { affiliation, jid }))));
        added.push(jid);
      } catch (error) {
        refused ??= error;
      }
    }
    return { added, refused };
  }

  /**
   * What a room says about itself (XEP-0030 disco#info): whether only its members may enter, and
   * its name. Null when there is no such room (or it was closed); other failures reject.
   */
  async describe(room: string): Promise<{ membersOnly: boolean; name: string | null } | null> {
    const answer = await this.#discoInfo(room);
    if (typeof answer === 'string') return null;
    const identity = answer
      .getChild('query', DISCO_INFO)
      ?.getChildren('identity')
      .find((candidate) => candidate.attrs['category'] === 'conference');
    const name = identity?.attrs['name'];
    return {
      membersOnly: isMembersOnly(answer),
      // Shown as a conversation title: one line, no invisible or reordering marks, as long as a name typed for a room may be.
      name: neutraliseName(typeof name === 'string' ? name : null, MAX_ROOM_NAME),
    };
  }

  /** Self-presence and join errors; returns true if the presence was about a join of ours. */
  handlePresence(presence: XmlElement): boolean {
    const from = presence.attrs['from'];
    if (typeof from !== 'string') return false;
    const slash = from.indexOf('/');
    const room = bareJidOf(slash === -1 ? from : from.slice(0, slash));
    if (room === null) return false;
    const pending = this.#pending.get(room);
    if (presence.attrs['type'] === 'error') {
      if (pending === undefined) return false;
      const condition = presence.getChild('error')?.getChildElements().find((child) => child.getName() !== 'text')?.getName() ?? 'error';
      this.#settle(room, pending, new RoomJoinError(condition));
      return true;
    }
    const x = presence.getChild('x', MUC_USER);
    this.#trackOccupant(room, slash === -1 ? null : from.slice(slash + 1), presence, x);
    const codes = new Set((x?.getChildren('status') ?? []).map((status) => status.attrs['code']));
    if (!codes.has('110')) return this.joined.has(room) || pending !== undefined;
    if (presence.attrs['type'] === 'unavailable') {
      this.joined.delete(room);
      if (this.#leaving.delete(room)) {
        this.#deps.log(`chat room-left room=${jidForLog(room)} reason=left`);
        return true;
      }
      if (codes.has('332')) {
        // The room service is shutting down (XEP-0045 status 332): not a removal; join again later.
        this.#deps.log(`chat room-left room=${jidForLog(room)} reason=shutdown`);
        this.#deps.left?.(room);
        return true;
      }
      // We were removed (kicked, membership revoked, room destroyed).
      this.#deps.log(`chat room-left room=${jidForLog(room)}`);
      this.#close(room);
      return true;
    }
    if (pending !== undefined) this.#settle(room, pending, { created: codes.has('201') });
    return true;
  }

  /** A room of ours we will not be in this session (no bookmark to join it from): shown as such. */
  shutOut(room: string): void {
    if (!this.joined.has(room)) this.#close(room);
  }

  #close(room: string): void {
    this.closed.add(room);
    this.#deps.closed?.(room);
  }

  #trackOccupant(room: string, nick: string | null, presence: XmlElement, x: XmlElement | undefined): void {
    if (nick === null || nick === '' || !this.joined.has(room) && !this.#pending.has(room)) return;
    let occupants = this.#occupants.get(room);
    if (presence.attrs['type'] === 'unavailable') {
      occupants?.delete(nick);
      return;
    }
    const real = bareJidOf(x?.getChild('item')?.attrs['jid']);
    // Another organisation's room may not say an occupant is one of our staff (roomVouchesFor).
    if (real === null || !roomVouchesFor(room, real, this.#deps.trustedDomains)) return;
    if (occupants === undefined) this.#occupants.set(room, (occupants = new Map()));
    occupants.set(nick, real);
  }

  #enter(room: string, nick: string): Promise<{ created: boolean }> {
    const existing = this.#pending.get(room);
    if (existing !== undefined) this.#settle(room, existing, new RoomJoinError('superseded'));
    const promise = new Promise<{ created: boolean }>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(room);
        reject(new RoomJoinError('timeout'));
      }, this.#deps.joinTimeoutMs ?? 15_000);
      this.#pending.set(room, { resolve, reject, timer });
    });
    // History comes from the archive (catch-up), not from the room's replay.
    const presence = xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: MUC }, xml('history', { maxstanzas: '0' })));
    this.#deps.send(presence).catch(() => undefined);
    return promise;
  }

  /**
   * XEP-0030 disco#info on the room: null when it exists; otherwise the service's word, item-not-found
   * (no such room) or gone (closed: Prosody keeps a destroyed room's tombstone).
   */
  async #absence(room: string): Promise<'item-not-found' | 'gone' | null> {
    try {
      const answer = await this.#discoInfo(room);
      return typeof answer === 'string' ? answer : null;
    } catch (error) {
      // No answer (a slow server, a dropped link) is not "no such room": a join that may pass later.
      throw new RoomJoinError(error instanceof XmppError && error.kind === 'iq' ? (error.condition ?? 'error') : 'timeout');
    }
  }
  /** The room's disco#info answer, or the service's word for no such room or a closed one; other failures reject. */
  async #discoInfo(room: string): Promise<XmlElement | 'item-not-found' | 'gone'> {
    try {
      return await this.#deps.iq(xml('iq', { type: 'get', to: room }, xml('query', { xmlns: DISCO_INFO })));
    } catch (error) {
      if (error instanceof XmppError && error.kind === 'iq' && (error.condition === 'item-not-found' || error.condition === 'gone')) return error.condition;
      throw error;
    }
  }


  async #configure(room: string, name: string): Promise<void> {
    // Archiving has no XEP-0045 field, and servers reject fields their form lacks (ejabberd answers
    // bad-request and leaves the new room locked), so ask for the form and use the name it offers.
    const form = await this.#deps.iq(xml('iq', { type: 'get', to: room }, xml('query', { xmlns: MUC_OWNER })));
    const offered = new Set(
      (form.getChild('query', MUC_OWNER)?.getChild('x', DATA)?.getChildren('field') ?? []).map((f) => f.attrs['var']),
    );
    const archiving = ARCHIVING_FIELDS.find((key) => offered.has(key));
    if (archiving === undefined) this.#deps.log(`chat room-archiving-unconfigurable room=${jidForLog(room)}`);
    const field = (key: string, value: string, type?: string): XmlElement => xml('field', { var: key, type }, xml('value', {}, value));
    await this.#deps.iq(
      xml(
        'iq',
        { type: 'set', to: room },
        xml(
          'query',
          { xmlns: MUC_OWNER },
          xml(
            'x',
            { xmlns: DATA, type: 'submit' },
            field('FORM_TYPE', 'http://jabber.org/protocol/muc#roomconfig', 'hidden'),
            field('muc#roomconfig_roomname', name),
            // A moderated (announcement) room is hidden but not members-only: in XEP-0045 members get
            // voice by default, so staff join it as visitors and only its admins (coordinators) speak.
            field('muc#roomconfig_membersonly', this.#moderated.has(room) ? '0' : '1'),
            field('muc#roomconfig_moderatedroom', this.#moderated.has(room) ? '1' : '0'),
            field('muc#roomconfig_persistentroom', '1'),
            ...(archiving === undefined ? [] : [field(archiving, '1')]),
            field('muc#roomconfig_whois', 'anyone'),
            field('muc#roomconfig_publicroom', '0'),
          ),
        ),
      ),
    );
  }

  #settle(room: string, pending: PendingJoin, outcome: { created: boolean } | Error): void {
    clearTimeout(pending.timer);
    this.#pending.delete(room);
    if (outcome instanceof Error) pending.reject(outcome);
    else pending.resolve(outcome);
  }
}

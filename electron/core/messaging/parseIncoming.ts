/**
 * Incoming message stanzas → IncomingEvent. Pure and total: any stanza, however hostile,
 * yields one event and never throws (only an invalid *context*, a programming error, throws).
 *
 * Trust rules, the heart of it:
 * - Carbons (XEP-0280) are unwrapped only when the outer `from` is exactly our bare JID; any
 *   other sender (or none) is 'spoofed-carbon'. The inner message must then involve us the
 *   way the wrapper says (sent: from us; received: to us).
 * - Archive results (XEP-0313) are accepted only for an outstanding query, from the archive
 *   that query went to (our archive: our bare JID or no `from`; a room's: the room JID), and
 *   only for messages that belong in that archive. Otherwise 'spoofed-mam'.
 * - A stanza-id (XEP-0359) is trusted only when stamped `by` the archive that owns the
 *   conversation (our bare JID for 1:1, the room JID for groupchat) — servers strip ids that
 *   claim to be theirs, so only the owner could have set it — and only if exactly one such id
 *   is present. Archive results use the result's own id.
 * - Senders outside the organisation's domains are flagged untrusted, not dropped.
 * - Error messages are bounces. Live ones are read by parseBounce; an archived one counts only
 *   from our own archive and addressed to us (see archivedBounce).
 */
import type { XmlElement } from '../xmpp/xml.js';
import { DEFAULT_BODY_LIMIT, neutraliseName, sanitizeBody } from './bodySafety.js';
import { parseBounce } from './bounces.js';
import type {
  Direction,
  IgnoreReason,
  IncomingContext,
  IncomingEvent,
  IncomingSource,
  RejectReason,
} from './incomingTypes.js';
import { isTrustedDomain, parseJid, roomVouchesFor, type Jid } from './jid.js';
import { NS } from './namespaces.js';
import { containsNhsNumber } from './nhsNumber.js';
import type { ConversationType } from './outgoingStanzas.js';
import { isInvitation, readInvitation } from './roomInvitations.js';
import { parseDelayStamp } from './sentTime.js';
import {
  attr,
  childElements,
  childNamed,
  childrenNamed,
  clientChildren,
  hasChild,
  idAttr,
  isClientStanza,
  trustedStanzaId,
} from './stanzaReading.js';

const CHAT_STATES = 'http://jabber.org/protocol/chatstates';

type Frame =
  | { source: 'live' }
  | { source: 'carbon'; carbon: 'sent' | 'received'; forwardedDelay: XmlElement | undefined }
  | { source: 'archive'; archive: string; archiveId: string; queryId: string; forwardedDelay: XmlElement | undefined };

interface Account {
  own: Jid;
  context: IncomingContext;
  now: number;
}

const ignored = (reason: IgnoreReason): IncomingEvent => ({ kind: 'ignored', reason });
const rejected = (reason: RejectReason, from: Jid | null): IncomingEvent => ({
  kind: 'rejected',
  reason,
  from: from?.full ?? null,
});

export function parseIncoming(stanza: XmlElement, context: IncomingContext): IncomingEvent {
  const own = parseJid(context.ownJid);
  if (own === null) throw new RangeError('IncomingContext.ownJid is not a valid JID');
  const account: Account = { own, context, now: context.now() };
  try {
    return parseStanza(stanza, account);
  } catch {
    // Defence in depth: the readers are total, but a parser bug must not crash the session.
    return ignored('malformed');
  }
}

function parseStanza(stanza: XmlElement, account: Account): IncomingEvent {
  if (!isClientStanza(stanza, 'message')) return ignored('not-a-message');
  if (attr(stanza, 'type') === 'error') return ignored('error-stanza');

  const wrappers = [
    ...childrenNamed(stanza, 'sent', NS.carbons),
    ...childrenNamed(stanza, 'received', NS.carbons),
    ...childrenNamed(stanza, 'result', NS.mam),
  ];
  const wrapper = wrappers[0];
  if (wrapper === undefined) return parseMessage(stanza, { source: 'live' }, account);

  const outerFrom = attr(stanza, 'from');
  const outerJid = outerFrom === undefined ? null : parseJid(outerFrom);
  if (wrappers.length > 1) return rejected('nested-forward', outerJid);

  if (wrapper.getNS() === NS.carbons) {
    // XEP-0280 §11: only our own bare JID may send carbons. No `from` is not good enough.
    if (outerJid === null || outerJid.resource !== null || outerJid.bare !== account.own.bare) {
      return rejected('spoofed-carbon', outerJid);
    }
    const forwarded = unwrap(wrapper);
    if (forwarded === null) return ignored('malformed-forward');
    if (isWrapped(forwarded.message)) return rejected('nested-forward', outerJid);
    const carbon = wrapper.getName() === 'sent' ? 'sent' : 'received';
    return parseMessage(forwarded.message, { source: 'carbon', carbon, forwardedDelay: forwarded.delay }, account);
  }

  // XEP-0313 result: must answer a query we made, from the archive we sent it to.
  const queryId = idAttr(wrapper, 'queryid');
  const archive = queryId === null ? undefined : account.context.archiveQueries.get(queryId);
  if (queryId === null || archive === undefined) return rejected('spoofed-mam', outerJid);
  const fromArchive =
    outerFrom === undefined
      ? archive === account.own.bare
      : outerJid !== null && outerJid.resource === null && outerJid.bare === archive;
  if (!fromArchive) return rejected('spoofed-mam', outerJid);
  const archiveId = idAttr(wrapper, 'id');
  const forwarded = unwrap(wrapper);
  if (archiveId === null || forwarded === null) return ignored('malformed-forward');
  if (isWrapped(forwarded.message)) return rejected('nested-forward', outerJid);
  return parseMessage(
    forwarded.message,
    { source: 'archive', archive, archiveId, queryId, forwardedDelay: forwarded.delay },
    account,
  );
}

/** <forwarded><delay/>?<message/></forwarded> inside a carbon or archive result. */
function unwrap(wrapper: XmlElement): { message: XmlElement; delay: XmlElement | undefined } | null {
  const forwarded = childrenNamed(wrapper, 'forwarded', NS.forward);
  if (forwarded.length !== 1 || forwarded[0] === undefined) return null;
  const messages = childElements(forwarded[0]).filter((child) => isClientStanza(child, 'message'));
  if (messages.length !== 1 || messages[0] === undefined) return null;
  return { message: messages[0], delay: childNamed(forwarded[0], 'delay', NS.delay) };
}

/** A forwarded message must not itself be a carbon or archive result: we unwrap one level only. */
function isWrapped(message: XmlElement): boolean {
  return (
    hasChild(message, 'sent', NS.carbons) ||
    hasChild(message, 'received', NS.carbons) ||
    hasChild(message, 'result', NS.mam) ||
    hasChild(message, 'forwarded', NS.forward)
  );
}

interface Routing {
  type: ConversationType;
  direction: Direction;
  from: Jid;
  to: Jid | null;
  conversation: string;
  nick: string | null;
  /** Who may stamp a trusted stanza-id or delay for this conversation. */
  archiveOwner: string;
  /** A room archive copy's writer, as the room recorded them; null otherwise. */
  author: string | null;
}

/** Nicks are compared exactly (XEP-0045 resourceprep does not fold case): "JSmith" is not "jsmith". */
function sameNick(a: string, b: string): boolean {
  return a.normalize('NFC') === b.normalize('NFC');
}

/** Decide type, direction and conversation, or why the message doesn't belong to us. */
function route(message: XmlElement, frame: Frame, account: Account): Routing | IncomingEvent {
  const { own, context } = account;
  const rawType = attr(message, 'type') ?? 'normal';
  if (rawType === 'error') return ignored('error-stanza');
  if (rawType === 'headline') return ignored('headline');
  if (rawType !== 'chat' && rawType !== 'groupchat' && rawType !== 'normal') return ignored('unsupported-type');

  const fromRaw = attr(message, 'from');
  if (fromRaw === undefined) return ignored('missing-from');
  const from = parseJid(fromRaw);
  const toRaw = attr(message, 'to');
  const to = toRaw === undefined ? null : parseJid(toRaw);
  if (from === null || (toRaw !== undefined && to === null)) return ignored('invalid-jid');

  if (rawType === 'groupchat') {
    const room = from.bare;
    if (frame.source === 'carbon') return ignored('groupchat-carbon');
    if (frame.source === 'archive' && frame.archive !== room) {
      return frame.archive === own.bare ? ignored('groupchat-in-personal-archive') : rejected('inconsistent-archive', from);
    }
    const joined = context.joinedRooms.get(room);
    if (frame.source === 'live' && joined === undefined) return ignored('unjoined-room');
    if (from.resource === null) return ignored('room-system-message');
    // Live, the room guarantees nobody else holds our nick while we are in it. An archive copy may
    // come from whoever held the nick while we were away, so there the real address the room
    // archived with it decides (our rooms reveal it: whois=anyone); a room that hides it, or may
    // not vouch for it (roomVouchesFor), falls back to the nick.
    const recorded = frame.source === 'archive' ? archivedSender(message) : 'none';
    const archivedBy = recorded === 'none' || recorded === 'ambiguous' || roomVouchesFor(room, recorded, [own.domain, ...context.trustedDomains]) ? recorded : 'none';
    const nickIsOurs = joined !== undefined && sameNick(from.resource, joined.nick);
    const ours = archivedBy === 'none' ? nickIsOurs : archivedBy !== 'ambiguous' && archivedBy === own.bare;
    return {
      type: 'groupchat',
      direction: ours ? 'out' : 'in',
      from,
      to,
      conversation: room,
      nick: from.resource,
      archiveOwner: room,
      author: archivedBy === 'none' || archivedBy === 'ambiguous' ? null : archivedBy,
    };
  }

  // 1:1 (chat, or normal treated as chat). Room occupants' private messages are not supported.
  if (frame.source === 'archive' && frame.archive !== own.bare) return rejected('inconsistent-archive', from);
  if (context.joinedRooms.has(from.bare) || (to !== null && context.joinedRooms.has(to.bare)) || isRoomPrivateMessage(message)) {
    // The marker matters for archive copies: the personal archive is read before rooms are joined.
    return ignored('muc-private-message');
  }
  const base = { type: 'chat' as const, from, to, nick: null, archiveOwner: own.bare, author: null };

  if (frame.source === 'carbon') {
    if (frame.carbon === 'sent') {
      if (from.bare !== own.bare) return rejected('inconsistent-carbon', from);
      if (to === null) return ignored('missing-to');
      return { ...base, direction: 'out', conversation: to.bare };
    }
    if (to === null || to.bare !== own.bare) return rejected('inconsistent-carbon', from);
    return { ...base, direction: 'in', conversation: from.bare };
  }
  if (frame.source === 'archive') {
    if (from.bare === own.bare) {
      if (to === null) return ignored('missing-to');
      return { ...base, direction: 'out', conversation: to.bare };
    }
    if (to === null || to.bare !== own.bare) return ignored('not-our-conversation');
    return { ...base, direction: 'in', conversation: from.bare };
  }
  if (to !== null && to.bare !== own.bare) return ignored('not-addressed-to-us');
  // From our own account but not a carbon: another of our devices writing to us (note to self).
  if (from.bare === own.bare) return { ...base, direction: 'out', conversation: own.bare };
  return { ...base, direction: 'in', conversation: from.bare };
}

/**
 * The bare address a room's archive recorded as this message's author: its muc#user item with a
 * jid, which Prosody's muc_mam appends when the room shows real addresses (and strips, with any
 * other muc#user element, when it does not). The room does not remove one an occupant wrote into
 * the message, so more than one (or one that is not an address) is 'ambiguous', never believed;
 * 'none' when the room recorded none.
 */
function archivedSender(message: XmlElement): string | 'none' | 'ambiguous' {
  const items = childrenNamed(message, 'x', NS.mucUser).flatMap((x) => childrenNamed(x, 'item', NS.mucUser)).filter((item) => attr(item, 'jid') !== undefined);
  if (items.length === 0) return 'none';
  const only = items.length === 1 ? parseJid(attr(items[0]!, 'jid')) : null;
  return only === null ? 'ambiguous' : only.bare;
}

/** XEP-0045 §7.5: a room occupant's private message carries an (empty) muc#user element; invitations carry one too. */
function isRoomPrivateMessage(message: XmlElement): boolean {
  return childNamed(message, 'x', NS.mucUser) !== undefined && !isInvitation(message);
}


/**
 * How far back a live (or carbon-copied) message's own delay stamp may put it. A sender can write any <delay> into
 * its message, naming our domain or the room, and the server passes it on; honoured without a
 * bound, it would file a message years back in the history (and in the record, as when it was
 * sent), or past retention, where it is never stored. Legitimate live delays are short: a stream
 * resumed after a network drop. Older stamps give way to the time it reached us.
 */
export const LIVE_DELAY_WINDOW_MS = 15 * 60_000;

/**
 * Trusted delay stamps: the wrapper's (set by our server or the archive), or one set by our server
 * or the room. Without one the message is dated by our own clock (`local`).
 */
function sentAt(message: XmlElement, frame: Frame, routing: Routing, account: Account): { at: number; local: boolean } {
  const local = { at: account.now, local: true };
  if (frame.source !== 'live' && frame.forwardedDelay !== undefined) {
    const at = parseDelayStamp(attr(frame.forwardedDelay, 'stamp'), account.now);
    if (at !== null) return { at, local: false };
  }
  const stampers = new Set([account.own.domain, routing.archiveOwner]);
  for (const delay of childrenNamed(message, 'delay', NS.delay)) {
    const by = parseJid(attr(delay, 'from'));
    if (by === null || by.resource !== null || !stampers.has(by.bare)) continue;
    const at = parseDelayStamp(attr(delay, 'stamp'), account.now);
    if (at === null) continue;
    return frame.source !== 'archive' && at < account.now - LIVE_DELAY_WINDOW_MS ? local : { at, local: false };
  }
  return local;
}

/**
 * One <body>: the one without xml:lang if any, else the first (several bodies could show different
 * text); an empty one only when all are (a careless or hostile `<body/>` must not hide the text beside it).
 */
function pickBody(message: XmlElement): XmlElement | undefined {
  const bodies = clientChildren(message, 'body');
  const withText = bodies.filter((body) => body.getText().trim() !== '');
  const candidates = withText.length > 0 ? withText : bodies;
  return candidates.find((body) => attr(body, 'xml:lang') === undefined) ?? candidates[0];
}

const MAX_REMOVER_NAME = 80;

/** The remover's name from a governance marker, made safe for one line; null if absent or empty. */
function transcribedBy(message: XmlElement): string | null {
  const marker = childNamed(message, 'transcribed', NS.governance);
  if (marker === undefined) return null;
  return neutraliseName(attr(marker, 'by') ?? null, MAX_REMOVER_NAME);
}

/**
 * A room invitation to us (roomInvitations.ts): never stored as a message, whatever body a server
 * or client put beside it. Our own (a sent carbon, our archive's copy) are ignored; one naming a
 * room or inviter outside the organisation is refused (logged as such).
 */
function invitation(message: XmlElement, frame: Frame, routing: Routing, account: Account): IncomingEvent {
  if (routing.type !== 'chat' || routing.direction !== 'in') return ignored('room-invite');
  const read = readInvitation(message, routing.from, [account.own.domain, ...account.context.trustedDomains]);
  if (read.kind === 'malformed') return ignored('malformed-invitation');
  if (read.kind === 'untrusted') return rejected('untrusted-invitation', routing.from);
  return {
    kind: 'invitation',
    source: frame.source,
    direction: 'in',
    type: 'chat',
    from: routing.from.full,
    conversation: routing.conversation,
    author: null,
    room: read.room,
    inviter: read.inviter,
    sentAt: sentAt(message, frame, routing, account).at,
  };
}

/**
 * A bounce our archive kept because it reached our full JID while we were away. Only from our own
 * archive (a room's keeps none for us) and only one addressed to us: one we sent is not about our
 * messages. Whether its sender may fail the message is decided where it is applied, as live.
 */
function archivedBounce(message: XmlElement, frame: Extract<Frame, { source: 'archive' }>, account: Account): IncomingEvent {
  if (frame.archive !== account.own.bare) return ignored('error-stanza');
  const to = parseJid(attr(message, 'to'));
  const parsed = parseBounce(message);
  if (parsed === null || to === null || to.bare !== account.own.bare) return ignored('error-stanza');
  const bounce = { ...parsed, archiveId: frame.archiveId };
  return {
    kind: 'bounce',
    source: 'archive',
    direction: 'in',
    type: 'chat',
    from: bounce.from.full,
    conversation: bounce.from.bare,
    author: null,
    bounce,
    archiveQueryId: frame.queryId,
  };
}

function parseMessage(message: XmlElement, frame: Frame, account: Account): IncomingEvent {
  if (frame.source === 'archive' && attr(message, 'type') === 'error') return archivedBounce(message, frame, account);
  const routing = route(message, frame, account);
  if ('kind' in routing) return routing;
  const source: IncomingSource = frame.source;
  const envelope = {
    source,
    direction: routing.direction,
    type: routing.type,
    from: routing.from.full,
    conversation: routing.conversation,
    author: routing.author,
  };

  const retract = childNamed(message, 'retract', NS.retract);
  if (retract !== undefined) {
    const targetId = idAttr(retract, 'id');
    if (targetId === null) return ignored('malformed-id');
    return { kind: 'retraction', ...envelope, targetId, transcribedBy: transcribedBy(message) };
  }
  if (isInvitation(message)) return invitation(message, frame, routing, account);

  const body = pickBody(message);
  const sanitized = body === undefined ? null : sanitizeBody(body.getText(), account.context.bodyLimit ?? DEFAULT_BODY_LIMIT);
  // An empty body is no message, but must not hide a receipt or marker beside it.
  const emptyBody = sanitized !== null && sanitized.text.trim().length === 0;
  if (sanitized !== null && !emptyBody) {
    const { text, truncated } = sanitized;
    const messageId = idAttr(message, 'id');
    const originId = childNamed(message, 'origin-id', NS.sid);
    const peerDomain = parseJid(routing.conversation)?.domain ?? '';
    const untrusted =
      peerDomain !== account.own.domain && !isTrustedDomain(peerDomain, account.context.trustedDomains);
    const sent = sentAt(message, frame, routing, account);
    return {
      kind: 'message',
      ...envelope,
      to: routing.to?.full ?? null,
      nick: routing.nick,
      messageId,
      originId: originId === undefined ? null : idAttr(originId, 'id'),
      stanzaId: frame.source === 'archive' ? frame.archiveId : trustedStanzaId(message, routing.archiveOwner),
      body: text,
      truncated,
      urgency: hasChild(message, 'urgent', NS.urgency) ? 'urgent' : 'normal',
      receiptRequested: messageId !== null && hasChild(message, 'request', NS.receipts),
      markable: hasChild(message, 'markable', NS.markers),
      patientIdentifier: containsNhsNumber(text),
      sentAt: sent.at,
      datedLocally: sent.local,
      untrusted,
      archiveQueryId: frame.source === 'archive' ? frame.queryId : null,
    };
  }

  const receipt = childNamed(message, 'received', NS.receipts);
  if (receipt !== undefined) {
    const id = idAttr(receipt, 'id');
    return id === null ? ignored('malformed-id') : { kind: 'receipt', ...envelope, id };
  }
  const displayed = childNamed(message, 'displayed', NS.markers);
  if (displayed !== undefined) {
    const id = idAttr(displayed, 'id');
    return id === null ? ignored('malformed-id') : { kind: 'displayed', ...envelope, id };
  }
  if (emptyBody) return ignored('empty-body');
  if (clientChildren(message, 'subject').length > 0) return ignored('room-subject');
  if (childElements(message).some((child) => child.getNS() === CHAT_STATES)) return ignored('chat-state');
  return ignored('no-content');
}

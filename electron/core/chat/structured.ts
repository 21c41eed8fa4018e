/**
 * Which messages carry a data form, and who sent them as far as the transport can vouch. The
 * incident service trusts nothing else about the sender (see docs/INCIDENT-PROTOCOL.md, "The actor").
 */
import { bareJidOf, type IncomingMessage } from '../messaging/index.js';
import type { XmlElement } from '../xmpp/index.js';
import type { StructuredDelivery } from './chatTypes.js';

const DATA_FORMS = 'jabber:x:data';
const FORWARD = 'urn:xmpp:forward:0';
const CARBONS = 'urn:xmpp:carbons:2';
const MAM = 'urn:xmpp:mam:2';

/** The <message/> inside a carbon or archive result (parseIncoming has already validated the wrapper). */
function innerMessage(stanza: XmlElement, source: IncomingMessage['source']): XmlElement | null {
  if (source === 'live') return stanza;
  const wrapper =
    source === 'archive'
      ? stanza.getChild('result', MAM)
      : (stanza.getChild('sent', CARBONS) ?? stanza.getChild('received', CARBONS));
  return wrapper?.getChild('forwarded', FORWARD)?.getChild('message') ?? null;
}

/**
 * The delivery, or null when the message has no form or its sender cannot be established, or is
 * outside the organisation (`trusted`: a partner's member of one of our rooms is no responder or
 * coordinator; review finding). Archived room messages name the real sender in the room archive's
 * own <x muc#user><item jid/> (a whois=anyone room; parseIncoming checked the result came from the
 * room we queried); live room messages use the occupant's presence.
 */
export function structuredDelivery(
  stanza: XmlElement,
  event: IncomingMessage,
  ownBare: string,
  realJid: (room: string, nick: string) => string | null,
  trusted: (jid: string) => boolean,
): StructuredDelivery | null {
  if (event.untrusted) return null;
  const message = innerMessage(stanza, event.source);
  if (message === null || message.getChild('x', DATA_FORMS) === undefined) return null;
  let actor: string | null;
  if (event.type === 'chat') actor = event.direction === 'out' ? ownBare : bareJidOf(event.from);
  // Rooms: never the nick, not even our own (someone may hold it while we are away); only the real
  // JID the room vouches for.
  else if (event.nick === null) actor = null;
  else if (event.source === 'archive') {
    // The writer the room's archive recorded, as parseIncoming read it: exactly one muc#user item with
    // an address, never one of several. Servers differ in where theirs goes (Prosody appends it,
    // ejabberd puts it first and keeps a writer's own element it cannot decode), so neither first nor
    // last can be trusted. No item, no actor: the nick's holder today may not be who wrote it then.
    actor = event.author;
  } else actor = realJid(event.conversation, event.nick);
  if (actor === null || !trusted(actor)) return null;
  return { message, actor, source: event.source, conversation: event.conversation, type: event.type };
}

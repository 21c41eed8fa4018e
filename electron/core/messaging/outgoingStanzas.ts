/**
 * Builders for the message stanzas Wardline sends. Pure: they return an XmlElement for the
 * connection to send and never touch a socket.
 *
 * Ids: the caller supplies a unique id (it is written to the outbox first). For chat and
 * groupchat messages it is both the stanza id and the XEP-0359 origin-id, so receipts and
 * displayed markers (which quote the stanza id) and de-duplication all use one id, and a
 * resend after a reconnect is recognisably the same message.
 */
import { xml, type XmlElement } from '../xmpp/xml.js';
import type { Urgency } from '../store/storeTypes.js';
import { parseJid } from './jid.js';
import { NS } from './namespaces.js';
import { requireId } from './ids.js';

export type ConversationType = 'chat' | 'groupchat';

export interface OutgoingMessage {
  /** Peer's bare JID (chat) or the room's JID (groupchat). */
  to: string;
  /** Unique id chosen by the caller; also the origin-id. */
  id: string;
  /** Text to send; run it through checkOutgoingBody first. */
  body: string;
  urgency?: Urgency;
}

/** Body other clients show for a retraction they don't understand (XEP-0428 fallback). */
export const RETRACTION_FALLBACK_BODY =
  "This person attempted to retract a previous message, but it's unsupported by your client.";

function requireJid(to: string, what: string, bare: boolean): string {
  const jid = parseJid(to);
  if (jid === null || (bare && jid.resource !== null)) {
    throw new RangeError(`${what} must be a valid ${bare ? 'bare ' : ''}JID`);
  }
  return jid.full;
}

/**
 * Urgency rides in Wardline's own namespaced element and nowhere else: the body is left
 * exactly as written (no "[URGENT]" prefix), because the body is what is transcribed into
 * the record, searched and de-duplicated, and a prefix would be indistinguishable from
 * someone typing it. Other clients ignore the element and show an ordinary message.
 */
function urgencyElements(urgency: Urgency | undefined): XmlElement[] {
  return urgency === 'urgent' ? [xml('urgent', { xmlns: NS.urgency })] : [];
}

function buildMessage(type: ConversationType, message: OutgoingMessage): XmlElement {
  const id = requireId(message.id, 'Message id');
  return xml(
    'message',
    { type, to: requireJid(message.to, type === 'chat' ? 'Recipient' : 'Room', true), id },
    xml('body', {}, message.body),
    xml('origin-id', { xmlns: NS.sid, id }),
    // XEP-0184 §5.3: receipts are not requested in groupchat; markers serve rooms instead.
    ...(type === 'chat' ? [xml('request', { xmlns: NS.receipts })] : []),
    xml('markable', { xmlns: NS.markers }),
    xml('store', { xmlns: NS.hints }),
    ...urgencyElements(message.urgency),
  );
}

/** A 1:1 message: body, origin-id, receipt request, markable, store hint, optional urgency. */
export function buildChatMessage(message: OutgoingMessage): XmlElement {
  return buildMessage('chat', message);
}

/** A room message: as a chat message, but without a receipt request. */
export function buildGroupchatMessage(message: OutgoingMessage): XmlElement {
  return buildMessage('groupchat', message);
}

/**
 * XEP-0184 receipt for a 1:1 message. `id` is the received message's stanza id. Typed chat
 * so the server carbon-copies it to our other devices.
 */
export function buildReceipt(reply: { to: string; id: string }): XmlElement {
  return xml(
    'message',
    { type: 'chat', to: requireJid(reply.to, 'Receipt recipient', false) },
    xml('received', { xmlns: NS.receipts, id: requireId(reply.id, 'Receipt id') }),
  );
}

/**
 * XEP-0333 displayed marker: "read up to here". `id` is the message's stanza id in 1:1
 * chats and the room-assigned stanza-id in groupchat (XEP-0333 §4). Stored in the archive so
 * our other devices learn on catch-up what this one has read.
 */
export function buildDisplayedMarker(reply: { to: string; id: string; type: ConversationType }): XmlElement {
  return xml(
    'message',
    { type: reply.type, to: requireJid(reply.to, 'Marker recipient', reply.type === 'groupchat') },
    xml('displayed', { xmlns: NS.markers, id: requireId(reply.id, 'Marker id') }),
    xml('store', { xmlns: NS.hints }),
  );
}

export interface OutgoingRetraction {
  to: string;
  type: ConversationType;
  /** This retraction message's own id (also its origin-id). */
  id: string;
  /** Message to retract: its origin-id in 1:1 chats, the room's stanza-id in groupchat (XEP-0424 §4). */
  targetId: string;
  /** Removal after transcription into the record: who (their display name) and when. */
  transcribed?: { byName: string; at: number };
}

/** What other clients show for a removal after transcription. Names the remover, never the content. */
export function transcribedFallbackBody(byName: string): string {
  return `This message was removed after transcription into the patient record by ${byName}.`;
}

/** XEP-0424 retraction, with the XEP-0428 fallback body and a store hint so it reaches the archive. */
export function buildRetraction(retraction: OutgoingRetraction): XmlElement {
  const id = requireId(retraction.id, 'Retraction id');
  return xml(
    'message',
    { type: retraction.type, to: requireJid(retraction.to, 'Retraction recipient', true), id },
    xml('retract', { xmlns: NS.retract, id: requireId(retraction.targetId, 'Retracted message id') }),
    ...(retraction.transcribed
      ? [xml('transcribed', { xmlns: NS.governance, by: retraction.transcribed.byName, at: new Date(retraction.transcribed.at).toISOString() })]
      : []),
    xml('fallback', { xmlns: NS.fallback, for: NS.retract }),
    xml('body', {}, retraction.transcribed ? transcribedFallbackBody(retraction.transcribed.byName) : RETRACTION_FALLBACK_BODY),
    xml('origin-id', { xmlns: NS.sid, id }),
    xml('store', { xmlns: NS.hints }),
  );
}

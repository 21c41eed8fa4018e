/**
 * Team-room invitations. We send XEP-0249 direct invitations (Prosody and ejabberd relay and
 * archive them like any message; no server module is needed), carrying the room's address and
 * nothing else: no reason text, no room name, no password. A reason is free text a person would
 * expect to be treated like a message, and the room's name can say what (or whom) it is about;
 * the invited person's Wardline reads the name from the room itself once it is let in.
 *
 * Received, both forms are read: direct (XEP-0249: from the inviter) and mediated (XEP-0045
 * §7.8.2: from the room, naming the inviter), which other clients send for members-only rooms.
 * Only the addresses are read; a reason, password or body beside them is never looked at.
 */
import { xml, type XmlElement } from '../xmpp/xml.js';
import { requireId } from './ids.js';
import { isTrustedDomain, parseJid, type Jid } from './jid.js';
import { NS } from './namespaces.js';
import { attr, childrenNamed } from './stanzaReading.js';

/**
 * A contentless XEP-0249 invitation to `room` for `to` (both bare JIDs). The XEP-0334 store hint
 * asks the invitee's archive to keep it although it has no body (Prosody archives invitations
 * anyway; ejabberd's archive keeps a body-less message only when asked): that archive is how a
 * person signed out when they were added hears of it.
 */
export function buildDirectInvitation(invitation: { to: string; room: string; id: string }): XmlElement {
  return xml(
    'message',
    { to: invitation.to, id: requireId(invitation.id, 'invitation id') },
    xml('x', { xmlns: NS.conferenceInvite, jid: invitation.room }),
    xml('store', { xmlns: NS.hints }),
  );
}

/** Does the message carry an invitation of either form (valid or not)? */
export function isInvitation(message: XmlElement): boolean {
  return childrenNamed(message, 'x', NS.conferenceInvite).length > 0 || childrenNamed(message, 'x', NS.mucUser).some((x) => childrenNamed(x, 'invite', NS.mucUser).length > 0);
}

export type InvitationReading =
  | { kind: 'invitation'; room: string; inviter: string }
  /** Not a usable invitation (several, no address, an address that is not a room's bare JID). */
  | { kind: 'malformed' }
  /** Inviter or room outside the organisation's domains: refused and logged as such. */
  | { kind: 'untrusted' };

/** A room's bare address: local@domain, no resource. */
function bareRoom(raw: string | undefined): Jid | null {
  const jid = parseJid(raw);
  return jid === null || jid.local === null || jid.resource !== null ? null : jid;
}

/**
 * The room and inviter of an invitation `from` (the stanza's sender as routed). `trustedDomains`
 * must include our own domain: an inviter and a room must both be the organisation's.
 */
export function readInvitation(message: XmlElement, from: Jid, trustedDomains: readonly string[]): InvitationReading {
  const direct = childrenNamed(message, 'x', NS.conferenceInvite);
  const mediated = childrenNamed(message, 'x', NS.mucUser).flatMap((x) => childrenNamed(x, 'invite', NS.mucUser));
  // More than one of a kind could name two rooms (or two inviters): believe neither.
  if (direct.length > 1 || mediated.length > 1) return { kind: 'malformed' };
  let room: Jid | null;
  let inviter: Jid | null;
  if (mediated[0] !== undefined) {
    // XEP-0045: the room sends it, and vouches for who asked it to.
    room = from.resource === null ? bareRoom(from.bare) : null;
    inviter = parseJid(attr(mediated[0], 'from'));
    // Prosody adds a XEP-0249 copy to a mediated invitation: it must name the same room.
    if (direct[0] !== undefined && bareRoom(attr(direct[0], 'jid'))?.bare !== room?.bare) return { kind: 'malformed' };
  } else if (direct[0] !== undefined) {
    room = bareRoom(attr(direct[0], 'jid'));
    inviter = from;
  } else {
    return { kind: 'malformed' };
  }
  if (room === null || inviter === null || inviter.local === null) return { kind: 'malformed' };
  if (!isTrustedDomain(room.domain, trustedDomains) || !isTrustedDomain(inviter.domain, trustedDomains)) return { kind: 'untrusted' };
  return { kind: 'invitation', room: room.bare, inviter: inviter.bare };
}

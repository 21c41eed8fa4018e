/**
 * Who wrote a message, as they describe themselves: display name and role, carried in a small
 * Wardline element that other clients ignore. The JID stays the identity; this is the label
 * recorded with the message ("who they were then"), so it is neutralised and bounded like a body.
 */
import { neutraliseName } from '../messaging/index.js';
import { xml, type XmlElement } from '../xmpp/index.js';

export const SENDER_NS = 'urn:wardline:sender:0';
const MAX_LABEL = 80;

export interface SenderCard {
  name: string | null;
  role: string | null;
}

export function buildSenderCard(card: { name: string; role: string }): XmlElement {
  return xml('sender', { xmlns: SENDER_NS, name: clean(card.name) ?? undefined, role: clean(card.role) ?? undefined });
}

/**
 * Reads the card from a message as received: directly on it, or on the message inside a carbon
 * or archive result (parseIncoming has already vetted that wrapping).
 */
export function readSenderCard(stanza: XmlElement): SenderCard | null {
  const element = stanza.getChild('sender', SENDER_NS) ?? forwardedMessage(stanza)?.getChild('sender', SENDER_NS);
  if (element === undefined) return null;
  const name = clean(element.attrs['name']);
  const role = clean(element.attrs['role']);
  return name === null && role === null ? null : { name, role };
}

function forwardedMessage(stanza: XmlElement): XmlElement | undefined {
  for (const wrapper of stanza.getChildElements()) {
    const forwarded = wrapper.getChild('forwarded', 'urn:xmpp:forward:0');
    const message = forwarded?.getChild('message');
    if (message !== undefined) return message;
  }
  return undefined;
}

function clean(value: unknown): string | null {
  return typeof value === 'string' ? neutraliseName(value, MAX_LABEL) : null;
}

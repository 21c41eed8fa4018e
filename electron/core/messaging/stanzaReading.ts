/**
 * Defensive readers over parsed XML. A hostile stanza can carry any attribute or child, so
 * readers check types, own-property-ness and size rather than trusting ltx's shapes.
 */
import type { XmlElement } from '../xmpp/xml.js';
import { isSafeId } from './ids.js';
import { parseJid } from './jid.js';
import { NS } from './namespaces.js';


/** An attribute as a string, or undefined if missing or not a string. */
export function attr(element: XmlElement, name: string): string | undefined {
  const attrs = element.attrs;
  if (!Object.hasOwn(attrs, name)) return undefined;
  const value = attrs[name];
  return typeof value === 'string' ? value : undefined;
}

/** An identifier attribute: non-empty, bounded, no controls, format characters or spaces. */
export function idAttr(element: XmlElement, name: string): string | null {
  const value = attr(element, name);
  return isSafeId(value) ? value : null;
}

/** Direct child elements (text nodes skipped). No instanceof: ltx ships two XmlElement classes (ESM and CJS). */
export function childElements(element: XmlElement): XmlElement[] {
  return element.children.filter((child): child is XmlElement => typeof child === 'object' && child !== null);
}

/** Direct child elements named `name` in namespace `ns` (prefixes resolved by ltx). */
export function childrenNamed(element: XmlElement, name: string, ns: string): XmlElement[] {
  return childElements(element).filter((child) => child.getName() === name && child.getNS() === ns);
}

/** The single direct child `name`/`ns`, or undefined when there are none. */
export function childNamed(element: XmlElement, name: string, ns: string): XmlElement | undefined {
  return childrenNamed(element, name, ns)[0];
}

export function hasChild(element: XmlElement, name: string, ns: string): boolean {
  return childNamed(element, name, ns) !== undefined;
}

function isClientNamespace(ns: string | undefined): boolean {
  return ns === undefined || ns === NS.client || ns === NS.forward;
}

/** Direct children in the stanza's own (client) namespace, such as <body/> and <subject/>. */
export function clientChildren(element: XmlElement, name: string): XmlElement[] {
  return childElements(element).filter((child) => child.getName() === name && isClientNamespace(child.getNS()));
}

/**
 * Is this a client-namespace stanza called `name`? Stanzas inside a stream inherit
 * jabber:client; stanzas parsed alone may have no namespace; a forwarded copy that forgot its
 * own xmlns inherits the forward namespace. All of these are ordinary client stanzas.
 */
export function isClientStanza(element: XmlElement, name: 'message' | 'iq'): boolean {
  return element.getName() === name && isClientNamespace(element.getNS());
}

/** The one stanza-id stamped by `owner`; none if absent or ambiguous. */
export function trustedStanzaId(message: XmlElement, owner: string): string | null {
  const stamped = childrenNamed(message, 'stanza-id', NS.sid).filter((element) => {
    const by = parseJid(attr(element, 'by'));
    return by !== null && by.resource === null && by.bare === owner;
  });
  return stamped.length === 1 && stamped[0] !== undefined ? idAttr(stamped[0], 'id') : null;
}

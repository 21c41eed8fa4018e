// Typed facade over @xmpp/xml (ltx elements + its streaming parser). The package ships no type
// declarations, so this is the one place that imports it untyped; everything else in the core sees
// the interfaces below. Elements are real ltx Elements, so other @xmpp/ltx code accepts them.
// @ts-expect-error -- @xmpp/xml has no type declarations; narrowed to XmlModule right below.
import * as untypedXml from '@xmpp/xml';

export type XmlNode = XmlElement | string;

/** The part of ltx's Element API the core relies on. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string | undefined>;
  children: XmlNode[];
  parent: XmlElement | null;
  /** Local name (without prefix) equals `name`, and the namespace (inherited if unset) equals `xmlns`. */
  is(name: string, xmlns?: string): boolean;
  getName(): string;
  getNS(): string | undefined;
  getChild(name: string, xmlns?: string): XmlElement | undefined;
  getChildren(name: string, xmlns?: string): XmlElement[];
  getChildElements(): XmlElement[];
  getChildText(name: string, xmlns?: string): string | null;
  getText(): string;
  text(): string;
  append(...nodes: XmlNode[]): XmlElement;
  c(name: string, attrs?: Record<string, string | number | undefined>): XmlElement;
  t(text: string): XmlElement;
  up(): XmlElement;
  root(): XmlElement;
  clone(): XmlElement;
  toString(): string;
}

export type XmlAttrs = Record<string, string | number | undefined | null>;

/** A streaming parser for one XML stream: 'start' (the stream root), 'element' (each top-level child), 'end'. */
export interface XmlStreamParser {
  on(event: 'start' | 'element' | 'end', listener: (element: XmlElement) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  write(data: string): void;
}

interface XmlModule {
  xml(name: string, attrs?: XmlAttrs | null, ...children: XmlNode[]): XmlElement;
  Parser: new () => XmlStreamParser;
  escapeXML(text: string): string;
}

const xmlModule = untypedXml as unknown as XmlModule;

/** Builds an element: xml('message', { to, type: 'chat' }, xml('body', {}, 'text')). Attributes set to undefined are left out. */
export function xml(name: string, attrs?: XmlAttrs | null, ...children: XmlNode[]): XmlElement {
  return xmlModule.xml(name, attrs ? { ...attrs } : attrs, ...children);
}

export function createXmlParser(): XmlStreamParser {
  return new xmlModule.Parser();
}

export function escapeXml(text: string): string {
  return xmlModule.escapeXML(text);
}

/**
 * What XML 1.0 (§2.2 Char) forbids anywhere in a document, escaped or not: C0 controls other than
 * tab, newline and carriage return; U+FFFE and U+FFFF; surrogates that are not part of a pair.
 */
const NOT_XML = /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Serialised XML made well-formed for the wire: each forbidden character becomes U+FFFD. One such
 * character makes the server end the whole stream (not-well-formed), and the unacknowledged stanza
 * would be sent again after every reconnect. Message text is cleaned before it is stored
 * (bodySafety.ts); this is the last guard for every other string that reaches a stanza.
 */
export function wellFormed(serialized: string): string {
  return serialized.replace(NOT_XML, '\uFFFD');
}

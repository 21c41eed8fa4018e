// One XMPP XML stream over one byte stream (TCP during STARTTLS, then TLS): writes the stream
// header, parses what comes back into top-level elements, and turns every way the stream can end
// (socket error or close, </stream:stream>, <stream:error/>, malformed or oversized XML) into a
// single onClose(XmppError). It never throws into the socket's event handlers, so hostile bytes
// from a server end this stream and nothing else.
import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createXmlParser, escapeXml, wellFormed, type XmlElement, type XmlStreamParser } from './xml.js';
import { asXmppError, XmppError } from './xmppError.js';

export const STREAM_NS = 'http://etherx.jabber.org/streams';
const STREAM_ERROR_NS = 'urn:ietf:params:xml:ns:xmpp-streams';

export interface XmlStreamLimits {
  /** Characters one top-level element may span before we call it hostile (Prosody's own limit is 256 KiB). */
  maxElementChars: number;
}

export const DEFAULT_STREAM_LIMITS: XmlStreamLimits = { maxElementChars: 1_048_576 };

export class XmlStream {
  readonly socket: Duplex;
  readonly #domain: string;
  readonly #limits: XmlStreamLimits;
  #parser: XmlStreamParser | undefined;
  #decoder = new StringDecoder('utf8');
  #charsSinceElement = 0;
  #queue: XmlElement[] = [];
  #waiter: { resolve: (element: XmlElement) => void; reject: (error: XmppError) => void } | undefined;
  #handler: ((element: XmlElement) => void) | undefined;
  #failure: XmppError | undefined;
  #closeListeners: ((error: XmppError) => void)[] = [];
  readonly #onSocketData = (chunk: Buffer | string): void => this.#onData(chunk);
  readonly #onSocketError = (error: Error): void => this.fail(asXmppError(error, 'network'));
  readonly #onSocketEnd = (): void => this.fail(new XmppError('network', 'The server closed the connection.'));
  readonly #onSocketClose = (): void => this.fail(new XmppError('network', 'The connection closed.'));

  constructor(socket: Duplex, domain: string, limits: XmlStreamLimits = DEFAULT_STREAM_LIMITS) {
    this.socket = socket;
    this.#domain = domain;
    this.#limits = limits;
    socket.on('data', this.#onSocketData).on('error', this.#onSocketError).on('end', this.#onSocketEnd).on('close', this.#onSocketClose);
  }

  get failure(): XmppError | undefined {
    return this.#failure;
  }

  /** Sends the stream header with a fresh parser (also the "restart" after STARTTLS and SASL). */
  open(): void {
    const parser = createXmlParser();
    let streamRoot: XmlElement | undefined;
    parser.on('start', (root) => {
      streamRoot = root;
      if (!root.is('stream', STREAM_NS)) this.fail(new XmppError('protocol', `Expected a stream header, got <${root.name}>.`), 'invalid-namespace');
    });
    parser.on('element', (element) => {
      // The parser keeps text between stanzas (whitespace keepalives, hostile filler) as children
      // of the stream root for the stream's lifetime; the size limit resets at each element, so
      // without this a server could grow our memory without bound.
      if (streamRoot !== undefined) streamRoot.children.length = 0;
      this.#onElement(element);
    });
    parser.on('end', () => {
      this.#write('</stream:stream>');
      this.fail(new XmppError('network', 'The server closed the stream.'));
    });
    parser.on('error', (error) => this.fail(new XmppError('protocol', `Malformed XML from the server: ${error.message}`), 'not-well-formed'));
    this.#parser = parser;
    this.#decoder = new StringDecoder('utf8');
    this.#charsSinceElement = 0;
    this.#write(
      `<?xml version='1.0'?><stream:stream to='${escapeXml(this.#domain)}' version='1.0' xml:lang='en' ` +
        `xmlns='jabber:client' xmlns:stream='${STREAM_NS}'>`,
    );
  }

  send(data: XmlElement | string): void {
    this.#write(wellFormed(typeof data === 'string' ? data : data.toString()));
  }

  /** Next top-level element, for the negotiation phase (before a handler is set). */
  next(): Promise<XmlElement> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  /** Switches to push mode for the session: elements already buffered are delivered first. */
  handle(handler: (element: XmlElement) => void): void {
    this.#handler = handler;
    for (let element = this.#queue.shift(); element !== undefined; element = this.#queue.shift()) {
      if (this.#failure !== undefined) return;
      handler(element);
    }
  }

  /** Called once, when the stream ends for any reason (immediately if it already has). */
  onClose(listener: (error: XmppError) => void): void {
    if (this.#failure !== undefined) listener(this.#failure);
    else this.#closeListeners.push(listener);
  }

  /**
   * Ends the stream because of `error`. With a `condition`, tells the server why first (RFC 6120
   * §4.9). The socket is destroyed; listeners hear about it once.
   */
  fail(error: XmppError, condition?: string): void {
    if (this.#failure !== undefined) return;
    if (condition !== undefined && this.#parser !== undefined) {
      this.#write(`<stream:error><${condition} xmlns='${STREAM_ERROR_NS}'/></stream:error></stream:stream>`);
      // Give the error a moment to leave (destroy() would drop it), but never wait on the peer.
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 200).unref();
    } else {
      this.socket.destroy();
    }
    this.#failure = error;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(error);
    const listeners = this.#closeListeners;
    this.#closeListeners = [];
    for (const listener of listeners) listener(error);
  }

  /** Graceful close: </stream:stream>, then wait (briefly) for the server to close its side. */
  async end(graceMs: number): Promise<void> {
    if (this.#failure !== undefined) return;
    this.#write('</stream:stream>');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      this.onClose(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.fail(new XmppError('closed', 'The connection was closed.'));
  }

  /** Hands the socket over (to the TLS layer) without closing it; this stream is finished. */
  detach(): Duplex {
    this.socket.off('data', this.#onSocketData).off('error', this.#onSocketError).off('end', this.#onSocketEnd).off('close', this.#onSocketClose);
    this.#failure ??= new XmppError('protocol', 'The stream was handed over to TLS.');
    this.#parser = undefined;
    return this.socket;
  }

  #write(text: string): void {
    if (this.#failure !== undefined || this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(text);
  }

  #onData(chunk: Buffer | string): void {
    const parser = this.#parser;
    if (parser === undefined || this.#failure !== undefined) return;
    const text = typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
    this.#charsSinceElement += text.length;
    try {
      parser.write(text);
    } catch (error) {
      // ltx throws (rather than emits) on bad entities and character references.
      this.fail(new XmppError('protocol', `Malformed XML from the server: ${error instanceof Error ? error.message : String(error)}`), 'not-well-formed');
      return;
    }
    if (this.#charsSinceElement > this.#limits.maxElementChars) {
      this.fail(new XmppError('protocol', 'The server sent an oversized element.'), 'policy-violation');
    }
  }

  #onElement(element: XmlElement): void {
    this.#charsSinceElement = 0;
    if (this.#failure !== undefined) return;
    if (element.is('error', STREAM_NS)) {
      const condition = element.getChildElements().find((child) => child.getNS() === STREAM_ERROR_NS && child.getName() !== 'text');
      const text = element.getChildText('text', STREAM_ERROR_NS);
      const name = condition?.getName() ?? 'undefined-condition';
      this.#write('</stream:stream>');
      this.fail(new XmppError('stream', `The server ended the stream: ${name}${text ? ` (${text})` : ''}`, { condition: name }));
      return;
    }
    if (this.#handler !== undefined) {
      this.#handler(element);
      return;
    }
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve(element);
    } else {
      this.#queue.push(element);
    }
  }
}

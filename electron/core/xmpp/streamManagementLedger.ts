// XEP-0198 bookkeeping, free of I/O: how many stanzas we have handled (our 'h'), which of ours the
// server has not acknowledged yet, and which promises to settle when it does.
import type { XmlElement } from './xml.js';
import { XmppError } from './xmppError.js';

export const SM_NS = 'urn:xmpp:sm:3';

/** A stanza we owe the caller an answer about: resolve when the server acks it, reject otherwise. */
export interface OutboundEntry {
  readonly stanza: XmlElement;
  /** Serialised once, so a resend after resumption sends exactly the same bytes. */
  readonly wire: string;
  resolve(): void;
  reject(error: XmppError): void;
  /** Which session generation wrote it to a socket (null: still queued, never sent). */
  sentGeneration: number | null;
}

export interface SmSession {
  /** The server's stream id for <resume previd=…/>. */
  id: string;
  resumable: boolean;
}

// h counts modulo 2^32 (XEP-0198 §5).
const H_MODULUS = 2 ** 32;

export class StreamManagementLedger {
  /** Stanzas received and handled in this SM session: the 'h' we report. */
  #inbound = 0;
  /** The server's last reported 'h' for our stanzas. */
  #acked = 0;
  #unacked: OutboundEntry[] = [];
  #session: SmSession | undefined;

  get inbound(): number {
    return this.#inbound;
  }

  get session(): SmSession | undefined {
    return this.#session;
  }

  /** Stanzas written in this SM session that the server has not acknowledged, oldest first. */
  get unacked(): readonly OutboundEntry[] {
    return this.#unacked;
  }

  /** After <enabled/>: both counters start from zero. Returns whatever the previous session left unacked. */
  start(session: SmSession): OutboundEntry[] {
    const orphans = this.#unacked;
    this.#unacked = [];
    this.#inbound = 0;
    this.#acked = 0;
    this.#session = session;
    return orphans;
  }

  countInbound(): void {
    this.#inbound = (this.#inbound + 1) % H_MODULUS;
  }

  sent(entry: OutboundEntry): void {
    this.#unacked.push(entry);
  }

  /**
   * The server handled our stanzas up to `h` (from <a/>, <resumed/> or <failed/>). Settles and
   * drops those entries. An 'h' acknowledging more than we sent is a protocol violation.
   */
  ack(h: number): void {
    if (!Number.isInteger(h) || h < 0 || h >= H_MODULUS) throw new XmppError('protocol', `Invalid stream management h: ${h}`);
    const delta = (h - this.#acked + H_MODULUS) % H_MODULUS;
    if (delta > this.#unacked.length) {
      throw new XmppError('protocol', `The server acknowledged ${delta} stanzas but only ${this.#unacked.length} were outstanding.`, {
        condition: 'undefined-condition',
      });
    }
    this.#acked = h;
    for (const entry of this.#unacked.splice(0, delta)) entry.resolve();
  }

  /** The session cannot be resumed: forget it. The unacked entries stay until start() hands them back. */
  forgetSession(): void {
    this.#session = undefined;
  }

  /** close(): everything still outstanding, removed. */
  drain(): OutboundEntry[] {
    const rest = this.#unacked;
    this.#unacked = [];
    this.#session = undefined;
    return rest;
  }
}

/** Parses an 'h' attribute; undefined when absent or malformed. */
export function parseH(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,10}$/.test(value)) return undefined;
  const h = Number(value);
  return h < H_MODULUS ? h : undefined;
}

/**
 * Where the organisation's team rooms live, so a person can type "ward7-nursing" rather than a
 * full room address. XEP-0045 §6.1: the multi-user chat service is one of the server's disco#items
 * whose disco#info names a conference/text identity. Only the server's own domain or a subdomain
 * of it is taken: a room is made where the organisation keeps them, never on another domain.
 */
import { xml, XmppError, type XmlElement } from '../xmpp/index.js';
import { parseJid } from '../messaging/index.js';
import { DISCO_INFO } from './entityCaps.js';

const DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';
/** A server lists a handful of components; a long list is not asked about item by item. */
const MAX_CANDIDATES = 20;

export interface RoomServiceDeps {
  iq(request: XmlElement, timeoutMs?: number): Promise<XmlElement>;
  /** The account's server, e.g. trust.nhs.uk. */
  domain: string;
}

export class RoomService {
  readonly #deps: RoomServiceDeps;
  /** Asked once per profile session; a failure (offline, a timeout) is asked again next time. */
  #found: Promise<string | null> | null = null;

  constructor(deps: RoomServiceDeps) {
    this.#deps = deps;
  }

  /** The service's address (e.g. conference.trust.nhs.uk), or null when the server names none. */
  find(): Promise<string | null> {
    this.#found ??= this.#discover().catch((error: unknown) => {
      this.#found = null;
      throw error;
    });
    return this.#found;
  }

  async #discover(): Promise<string | null> {
    const { domain } = this.#deps;
    const items = await this.#deps.iq(xml('iq', { type: 'get', to: domain }, xml('query', { xmlns: DISCO_ITEMS })));
    // As main compares addresses (NFC, lower case, no trailing dot), and only a plain domain:
    // a server's answer is shown to the person and becomes part of every room address made here.
    const candidates = [
      ...new Set(
        (items.getChild('query', DISCO_ITEMS)?.getChildren('item') ?? [])
          .filter((item) => item.attrs['node'] === undefined)
          .map((item) => parseJid(item.attrs['jid']))
          .filter((jid) => jid !== null && jid.local === null && jid.resource === null && ownService(jid.domain, domain))
          .map((jid) => jid!.domain),
      ),
    ].slice(0, MAX_CANDIDATES);
    // Asked together; the first in the server's order that is a room service wins. One that
    // answers with an error is simply not it; one that did not answer at all (slow, or the
    // connection went) may be it, so "none" is then not remembered for the session.
    let unanswered: unknown = null;
    const answers = await Promise.all(
      candidates.map((jid) =>
        this.#deps.iq(xml('iq', { type: 'get', to: jid }, xml('query', { xmlns: DISCO_INFO })), 5_000).catch((error: unknown) => {
          if (!(error instanceof XmppError && error.kind === 'iq')) unanswered ??= error;
          return null;
        }),
      ),
    );
    const index = answers.findIndex((answer) => answer !== null && hostsRooms(answer));
    if (index === -1 && unanswered !== null) throw unanswered;
    return index === -1 ? null : (candidates[index] ?? null);
  }
}

/** The domain itself or a subdomain of it, as a bare domain (no user, no resource). */
function ownService(jid: string, domain: string): boolean {
  return !jid.includes('@') && !jid.includes('/') && (jid === domain || jid.endsWith(`.${domain}`));
}

function hostsRooms(answer: XmlElement): boolean {
  return (answer.getChild('query', DISCO_INFO)?.getChildren('identity') ?? []).some(
    (identity) => identity.attrs['category'] === 'conference' && identity.attrs['type'] === 'text',
  );
}

/**
 * Where the organisation's team rooms live, so a person can type "ward7-nursing" rather than a
 * full room address. XEP-0045 §6.1: the multi-user chat service is one of the server's disco#items
 * whose disco#info names a conference/text identity. Only a subdomain of the server's own domain
 * is taken: a room is made where the organisation keeps them, never on another domain.
 */
import { xml, XmppError, type XmlElement } from '../xmpp/index.js';
import { parseJid } from '../messaging/index.js';
import { DISCO_INFO } from './entityCaps.js';
import { errorName } from '../logSafeErrors.js';
import type { RoomServiceAnswer } from '../../common/contract.js';

const DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';
/** A server lists a handful of components; a long list is not asked about item by item. */
const MAX_CANDIDATES = 20;

/** After a question that went unanswered, not asked again for this long (the window asks often). */
export const RETRY_AFTER_NO_ANSWER_MS = 30_000;

export interface RoomServiceDeps {
  iq(request: XmlElement, timeoutMs?: number): Promise<XmlElement>;
  /** The account's server, e.g. trust.nhs.uk. */
  domain: string;
  log(line: string): void;
  now(): number;
}

export class RoomService {
  readonly #deps: RoomServiceDeps;
  /** Kept for the profile session once the server has answered, either way. */
  #known: RoomServiceAnswer = { kind: 'unknown' };
  #asking: Promise<RoomServiceAnswer> | null = null;
  #noAnswerAt = Number.NEGATIVE_INFINITY;

  constructor(deps: RoomServiceDeps) {
    this.#deps = deps;
  }

  /**
   * What is known, asking the server when it has not answered yet and can be asked now (online),
   * unless it left the last question unanswered less than 30 s ago.
   */
  answer(canAsk: boolean): Promise<RoomServiceAnswer> {
    if (this.#known.kind !== 'unknown' || !canAsk || this.#deps.now() - this.#noAnswerAt < RETRY_AFTER_NO_ANSWER_MS) return Promise.resolve(this.#known);
    this.#asking ??= this.#discover()
      .then(
        (service): RoomServiceAnswer => (this.#known = service === null ? { kind: 'none' } : { kind: 'found', service }),
        (error: unknown): RoomServiceAnswer => {
          this.#noAnswerAt = this.#deps.now();
          this.#deps.log(`chat room-service-failed error=${errorName(error)}`);
          return this.#known;
        },
      )
      .finally(() => (this.#asking = null));
    return this.#asking;
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
          .flatMap((item) => {
            const jid = parseJid(item.attrs['jid']);
            // A plain subdomain of the account's domain; never that domain itself (rooms and people would share one namespace).
            return jid !== null && jid.local === null && jid.resource === null && jid.domain.endsWith(`.${domain}`) ? [jid.domain] : [];
          }),
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

function hostsRooms(answer: XmlElement): boolean {
  return (answer.getChild('query', DISCO_INFO)?.getChildren('identity') ?? []).some(
    (identity) => identity.attrs['category'] === 'conference' && identity.attrs['type'] === 'text',
  );
}

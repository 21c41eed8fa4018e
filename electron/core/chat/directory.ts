/**
 * The people we can message (roster) and their presence. Presence maps XMPP "show" to the three
 * states a ward understands: available, busy (dnd), off duty (xa); no available resource means
 * offline. Colleagues from the organisation's own domains get presence subscriptions approved
 * automatically: seeing who is on duty is the point of a hospital directory.
 */
import { bareJidOf, isTrustedDomain, parseJid } from '../messaging/index.js';
import { xml, type XmlElement } from '../xmpp/index.js';
import type { DirectoryEntry, Presence } from './chatTypes.js';
import { capsElement } from './entityCaps.js';

const ROSTER = 'jabber:iq:roster';

type PresenceState = Presence | 'offline';

const RANK: Record<PresenceState, number> = { available: 3, busy: 2, 'off-duty': 1, offline: 0 };

export interface DirectoryDeps {
  iq(request: XmlElement, timeoutMs?: number): Promise<XmlElement>;
  send(stanza: XmlElement): Promise<void>;
  ownBare: string;
  trustedDomains: readonly string[];
  changed(): void;
}

/** Presence stanza for our own state. */
export function buildPresence(presence: Presence): XmlElement {
  const show = presence === 'busy' ? 'dnd' : presence === 'off-duty' ? 'xa' : undefined;
  // Capabilities in every one: the server pushes our own bookmark changes to us because of them.
  return xml('presence', {}, ...(show === undefined ? [] : [xml('show', {}, show)]), capsElement());
}

export function presenceFromShow(show: string | null): Presence {
  if (show === 'dnd') return 'busy';
  if (show === 'xa') return 'off-duty';
  return 'available';
}

export class Directory {
  /** name: as the roster item has it; null when it has none (e.g. added by a subscription). */
  readonly #people = new Map<string, { name: string | null }>();
  /** bare JID → resource → state. */
  readonly #presence = new Map<string, Map<string, PresenceState>>();
  readonly #deps: DirectoryDeps;

  constructor(deps: DirectoryDeps) {
    this.#deps = deps;
  }

  /** The roster's name for a colleague, if it gives one. */
  nameOf(jid: string): string | undefined {
    return this.#people.get(jid)?.name ?? undefined;
  }

  has(jid: string): boolean {
    return this.#people.has(jid);
  }

  async loadRoster(): Promise<void> {
    const answer = await this.#deps.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: ROSTER })));
    this.#people.clear();
    for (const item of answer.getChild('query', ROSTER)?.getChildren('item') ?? []) this.#applyItem(item);
    this.#deps.changed();
  }

  /** Adds a colleague to the roster and asks to see their presence. */
  async add(jid: string, name: string | null): Promise<void> {
    if (this.#people.has(jid)) return;
    await this.#deps.iq(xml('iq', { type: 'set' }, xml('query', { xmlns: ROSTER }, xml('item', name === null ? { jid } : { jid, name }))));
    this.#people.set(jid, { name });
    await this.#deps.send(xml('presence', { to: jid, type: 'subscribe' }));
  }

  /** A roster push (RFC 6121 §2.1.6): only from our own account. Returns the reply to send. */
  handleRosterPush(iq: XmlElement): XmlElement | null {
    const query = iq.getChild('query', ROSTER);
    if (query === undefined || iq.attrs['type'] !== 'set') return null;
    const from = iq.attrs['from'];
    if (from !== undefined && bareJidOf(from) !== this.#deps.ownBare) return null;
    for (const item of query.getChildren('item')) this.#applyItem(item);
    this.#deps.changed();
    return xml('iq', { type: 'result', id: iq.attrs['id'] });
  }

  /** Presence from people (room occupants are handled by rooms first). */
  handlePresence(presence: XmlElement): void {
    const from = parseJid(presence.attrs['from']);
    if (from === null) return;
    const type = presence.attrs['type'];
    if (type === 'subscribe') {
      // Colleagues may see our presence; outsiders are not answered.
      if (from.local !== null && (from.domain === parseJid(this.#deps.ownBare)?.domain || isTrustedDomain(from.domain, this.#deps.trustedDomains))) {
        this.#deps.send(xml('presence', { to: from.bare, type: 'subscribed' })).catch(() => undefined);
        // No name: we only know their address; their messages carry the name they sign with.
        if (!this.#people.has(from.bare)) this.add(from.bare, null).catch(() => undefined);
      }
      return;
    }
    if (type !== undefined && type !== 'unavailable') return;
    // Only the directory's people are shown with a presence: anyone else's is not kept (a flood
    // of presences from strangers, or from one stranger's endless resources, would only grow memory).
    if (from.bare === this.#deps.ownBare || !this.#people.has(from.bare)) return;
    const resources = this.#presence.get(from.bare) ?? new Map<string, PresenceState>();
    const state: PresenceState = type === 'unavailable' ? 'offline' : presenceFromShow(presence.getChildText('show'));
    if (state === 'offline') resources.delete(from.resource ?? '');
    else resources.set(from.resource ?? '', state);
    if (resources.size === 0) this.#presence.delete(from.bare);
    else this.#presence.set(from.bare, resources);
    this.#deps.changed();
  }

  /** Everyone's presence is unknown again (our session ended). */
  sessionLost(): void {
    this.#presence.clear();
  }

  presenceOf(jid: string): PresenceState {
    let best: PresenceState = 'offline';
    for (const state of this.#presence.get(jid)?.values() ?? []) if (RANK[state] > RANK[best]) best = state;
    return best;
  }

  people(): DirectoryEntry[] {
    return [...this.#people].map(([jid, { name }]) => ({
      jid,
      name: name ?? jid.split('@')[0] ?? jid,
      kind: 'person' as const,
      presence: this.presenceOf(jid),
    }));
  }

  #applyItem(item: XmlElement): void {
    const jid = bareJidOf(item.attrs['jid']);
    if (jid === null) return;
    if (item.attrs['subscription'] === 'remove') {
      this.#people.delete(jid);
      return;
    }
    const name = item.attrs['name'];
    this.#people.set(jid, { name: typeof name === 'string' && name.trim() !== '' ? name.trim() : null });
  }
}

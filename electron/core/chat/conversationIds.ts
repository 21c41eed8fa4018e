/**
 * JID → local conversation id, created on first sight. Cached as promises so a burst of
 * messages from a new colleague creates one conversation, not one per message; never
 * re-upserts a known conversation (that would reset its title and mute setting).
 *
 * An address is one kind of conversation for good: a 1:1 message "from" a room's address (a
 * room occupant's private message) never lands in that room's conversation, where everyone
 * else's messages are, and a room message never lands in a 1:1 chat.
 */
import type { ConversationKind, DirectConversationName, WardlineStore } from '../store/index.js';

interface KnownConversation {
  id: number;
  kind: ConversationKind;
  /** Created by this lookup (not found in the store). */
  created: boolean;
}

export class ConversationIds {
  readonly #store: WardlineStore;
  readonly #byJid = new Map<string, Promise<KnownConversation>>();
  /** 1:1 conversations whose title was already offered a better name this session. */
  readonly #named = new Set<number>();

  constructor(store: WardlineStore) {
    this.#store = store;
  }

  /** The conversation's id, created if new; null if the address is already the other kind. */
  async resolve(jid: string, kind: ConversationKind, title: string): Promise<number | null> {
    return (await this.ensure(jid, kind, title))?.id ?? null;
  }

  /** As resolve, saying whether this created it (a lookup earlier this session did not). */
  async ensure(jid: string, kind: ConversationKind, title: string): Promise<{ id: number; created: boolean } | null> {
    let known = this.#byJid.get(jid);
    const first = known === undefined;
    if (known === undefined) {
      known = this.#findOrCreate(jid, kind, title);
      this.#byJid.set(jid, known);
      // A failed lookup (store closing) must not be cached forever.
      known.catch(() => this.#byJid.delete(jid));
    }
    const { id, kind: existing, created } = await known;
    return existing === kind ? { id, created: first && created } : null;
  }

  /** The id of a conversation of this kind we already have, or null; never creates one (receipts, markers). */
  async known(jid: string, kind: ConversationKind): Promise<number | null> {
    const cached = this.#byJid.get(jid);
    const found = cached !== undefined ? await cached.catch(() => null) : await this.#store.findConversationByJid(jid);
    return found !== null && found.kind === kind ? found.id : null;
  }

  /**
   * A 1:1 conversation opened before we knew the person's name is titled with the address's local
   * part; the first message from them this session puts their name there (the address stays
   * shown beside it). Each conversation is offered once per session, and a batch (a whole
   * archive page) costs at most one store call.
   */
  async offerNames(offers: readonly { id: number; jid: string; name: string }[]): Promise<void> {
    const names: DirectConversationName[] = [];
    for (const { id, jid, name } of offers) {
      const placeholder = titleFromJid(jid);
      if (this.#named.has(id) || name === placeholder) continue;
      this.#named.add(id);
      names.push({ conversationId: id, placeholder, title: name });
    }
    if (names.length > 0) await this.#store.nameDirectConversations(names);
  }

  async #findOrCreate(jid: string, kind: ConversationKind, title: string): Promise<KnownConversation> {
    const existing = await this.#store.findConversationByJid(jid);
    return existing !== null ? { id: existing.id, kind: existing.kind, created: false } : { id: await this.#store.upsertConversation({ jid, kind, title }), kind, created: true };
  }
}

/** "s.okafor@hospital.example" → "s.okafor": a placeholder title until the directory knows better. */
export function titleFromJid(jid: string): string {
  const at = jid.indexOf('@');
  return at > 0 ? jid.slice(0, at) : jid;
}

/**
 * JID → local conversation id, created on first sight. Cached as promises so a burst of
 * messages from a new colleague creates one conversation, not one per message; never
 * re-upserts a known conversation (that would reset its title and mute setting).
 */
import type { ConversationKind, DirectConversationName, WardlineStore } from '../store/index.js';

export class ConversationIds {
  readonly #store: WardlineStore;
  readonly #byJid = new Map<string, Promise<number>>();
  /** 1:1 conversations whose title was already offered a better name this session. */
  readonly #named = new Set<number>();

  constructor(store: WardlineStore) {
    this.#store = store;
  }

  resolve(jid: string, kind: ConversationKind, title: string): Promise<number> {
    let id = this.#byJid.get(jid);
    if (id === undefined) {
      id = this.#findOrCreate(jid, kind, title);
      this.#byJid.set(jid, id);
      // A failed lookup (store closing) must not be cached forever.
      id.catch(() => this.#byJid.delete(jid));
    }
    return id;
  }

  /** The id of a conversation we already have, or null; never creates one (receipts, markers). */
  async known(jid: string): Promise<number | null> {
    const cached = this.#byJid.get(jid);
    if (cached !== undefined) return cached.catch(() => null);
    return (await this.#store.findConversationByJid(jid))?.id ?? null;
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

  async #findOrCreate(jid: string, kind: ConversationKind, title: string): Promise<number> {
    const existing = await this.#store.findConversationByJid(jid);
    return existing?.id ?? (await this.#store.upsertConversation({ jid, kind, title }));
  }
}

/** "s.okafor@hospital.example" → "s.okafor": a placeholder title until the directory knows better. */
export function titleFromJid(jid: string): string {
  const at = jid.indexOf('@');
  return at > 0 ? jid.slice(0, at) : jid;
}

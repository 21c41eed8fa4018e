/**
 * Messages from outside the organisation, held until the person accepts or declines their sender
 * (issue 4 §6). The archive cursor moves past them like any other message, so the list is kept in
 * the encrypted store (one JSON value in its settings), or a restart would lose them for good.
 *
 * Caps: at most MAX_HELD_PER_SENDER per sender (conversation address), the sender's oldest going
 * first, and MAX_HELD overall, taken from whoever holds the most: one outsider writing hundreds of
 * messages only ever pushes out their own.
 *
 * Logging: counts, senders' domains and the setting's name only; never a body, a name or a local part.
 */
import { logToken, parseJid, type IncomingMessage } from '../messaging/index.js';
import type { WardlineStore } from '../store/index.js';

export const HELD_SETTING = 'chat.held';
export const MAX_HELD_PER_SENDER = 50;
export const MAX_HELD = 500;

export interface HeldDeps {
  store: Pick<WardlineStore, 'getSetting' | 'setSetting'>;
  log(line: string): void;
  perSender?: number;
  total?: number;
}

export class HeldMessages {
  readonly #deps: HeldDeps;
  readonly #perSender: number;
  readonly #total: number;
  #items: IncomingMessage[] = [];
  /** The write in progress, and the one queued behind it (which writes whatever is current when it starts). */
  #writing: Promise<void> = Promise.resolve();
  #queued: Promise<void> | null = null;
  /** Until the stored list has been read, a write would overwrite it. */
  #loaded = false;
  #retainedSince: number | null = null;

  constructor(deps: HeldDeps) {
    this.#deps = deps;
    this.#perSender = deps.perSender ?? MAX_HELD_PER_SENDER;
    this.#total = deps.total ?? MAX_HELD;
  }

  /**
   * Reads the persisted list. Anything held meanwhile is kept after it. A damaged value never
   * throws: it is logged (no content) and what cannot be read is dropped. `retainedSince` drops
   * messages older than the retention policy allows.
   */
  async load(retainedSince: number | null = null): Promise<void> {
    // Writes asked for meanwhile wait for this read, so they cannot overwrite the stored list with a partial one.
    this.#retainedSince = retainedSince;
    const read = this.#read().catch((error: unknown) => {
      // Not fatal: the next write reads it again first, and fails (so nothing is marked done) if it still cannot.
      this.#deps.log(`chat held-load-failed error=${error instanceof Error ? error.name : 'unknown'}`);
      return false;
    });
    this.#writing = read.then(() => undefined);
    if (await read) await this.save();
  }

  /** The stored list, read again if it could not be at start; rejects if it still cannot. */
  async loaded(): Promise<void> {
    await this.#writing.catch(() => undefined);
    if (!this.#loaded) await this.#read();
  }

  /** Resolves when no write is pending (before the store closes). */
  async idle(): Promise<void> {
    for (;;) {
      const writing = this.#writing;
      await writing.catch(() => undefined);
      if (writing === this.#writing) return;
    }
  }

  /** Merges the stored list in front of what is held in memory; returns whether the stored value needs rewriting. */
  async #read(): Promise<boolean> {
    const retainedSince = this.#retainedSince;
    const raw = await this.#deps.store.getSetting(HELD_SETTING);
    this.#loaded = true;
    const { messages, invalid } = parseHeld(raw);
    if (invalid > 0) this.#deps.log(`chat held-load-invalid dropped=${invalid}`);
    const kept = retainedSince === null ? messages : messages.filter((m) => m.sentAt >= retainedSince);
    if (kept.length < messages.length) this.#deps.log(`chat held-load-expired dropped=${messages.length - kept.length}`);
    const later = this.#items;
    this.#items = [];
    for (const message of [...kept, ...later]) this.#insert(message, false);
    if (this.#items.length > 0) this.#deps.log(`chat held-loaded count=${this.#items.length}`);
    return invalid > 0 || kept.length < messages.length || later.length > 0;
  }

  all(): readonly IncomingMessage[] {
    return this.#items;
  }

  of(jid: string): IncomingMessage[] {
    return this.#items.filter((m) => m.conversation === jid);
  }

  /** Holds a message (unless it is already held) and resolves once the list is in the store. */
  add(message: IncomingMessage): { added: boolean; saved: Promise<void> } {
    const added = this.#insert(message, true);
    return { added, saved: added ? this.save() : this.#writing };
  }

  /** Forgets these messages (or every message of `jid`); resolves once the store has the new list. */
  remove(jid: string, only?: ReadonlySet<IncomingMessage>): Promise<number> {
    const before = this.#items.length;
    this.#items = this.#items.filter((m) => m.conversation !== jid || (only !== undefined && !only.has(m)));
    const removed = before - this.#items.length;
    return removed === 0 ? Promise.resolve(0) : this.save().then(() => removed);
  }

  /** Forgets messages sent before `before` (retention, in a long session); resolves with how many, once stored. */
  expire(before: number): Promise<number> {
    const kept = this.#items.filter((m) => m.sentAt >= before);
    const dropped = this.#items.length - kept.length;
    if (dropped === 0) return Promise.resolve(0);
    this.#items = kept;
    this.#deps.log(`chat held-expired dropped=${dropped}`);
    return this.save().then(() => dropped);
  }

  /** Writes the current list; concurrent calls share one queued write. */
  save(): Promise<void> {
    if (this.#queued !== null) return this.#queued;
    const queued = this.#writing
      .catch(() => undefined)
      .then(async () => {
        this.#queued = null;
        if (!this.#loaded) await this.#read();
        return this.#deps.store.setSetting(HELD_SETTING, JSON.stringify(this.#items.map(toStored)));
      });
    this.#queued = queued;
    this.#writing = queued;
    return queued;
  }

  #insert(message: IncomingMessage, log: boolean): boolean {
    // The archive may deliver the same held message again after a reconnect.
    if (this.#items.some((m) => sameMessage(m, message))) return false;
    this.#items.push(message);
    const sender = message.conversation;
    const mine = this.#items.filter((m) => m.conversation === sender);
    if (mine.length > this.#perSender) this.#drop(oldest(mine), 'sender-cap');
    if (this.#items.length > this.#total) this.#drop(oldest(this.#largestSender()), 'total-cap');
    if (log) this.#deps.log(`chat held-untrusted domain=${heldDomain(sender)} held=${this.#items.length}`);
    return this.#items.includes(message);
  }

  #drop(victim: IncomingMessage, reason: string): void {
    this.#items = this.#items.filter((m) => m !== victim);
    this.#deps.log(`chat held-dropped reason=${reason} domain=${heldDomain(victim.conversation)} held=${this.#items.length}`);
  }

  #largestSender(): IncomingMessage[] {
    const by = new Map<string, IncomingMessage[]>();
    for (const m of this.#items) {
      const list = by.get(m.conversation);
      if (list) list.push(m);
      else by.set(m.conversation, [m]);
    }
    let largest: IncomingMessage[] = [];
    for (const list of by.values()) if (list.length > largest.length) largest = list;
    return largest;
  }
}

function oldest(messages: readonly IncomingMessage[]): IncomingMessage {
  // Stable: equal times keep arrival order.
  return messages.reduce((a, b) => (b.sentAt < a.sentAt ? b : a));
}

function sameMessage(a: IncomingMessage, b: IncomingMessage): boolean {
  if (a.conversation !== b.conversation) return false;
  const same = (x: string | null, y: string | null): boolean => x !== null && x === y;
  return same(a.messageId, b.messageId) || same(a.originId, b.originId) || same(a.stanzaId, b.stanzaId);
}

const STORED_VERSION = 1;

/** What is kept of a held message: what accepting it later needs (never receipt or marker requests). */
type StoredHeld = { v: typeof STORED_VERSION } & Pick<
  IncomingMessage,
  | 'source' | 'direction' | 'type' | 'from' | 'author' | 'conversation' | 'to' | 'nick' | 'messageId' | 'originId'
  | 'stanzaId' | 'body' | 'truncated' | 'urgency' | 'patientIdentifier' | 'sentAt'
>;

/**
 * An outsider's address in a log line: the domain only. The local part is whatever they chose
 * (it could be an NHS number), and logs never hold what others wrote.
 */
export function heldDomain(jid: string): string {
  return logToken(parseJid(jid)?.domain ?? '-');
}

function toStored(m: IncomingMessage): StoredHeld {
  return {
    v: STORED_VERSION,
    source: m.source,
    direction: m.direction,
    type: m.type,
    from: m.from,
    conversation: m.conversation,
    author: m.author,
    to: m.to,
    nick: m.nick,
    messageId: m.messageId,
    originId: m.originId,
    stanzaId: m.stanzaId,
    body: m.body,
    truncated: m.truncated,
    urgency: m.urgency,
    patientIdentifier: m.patientIdentifier,
    sentAt: m.sentAt,
  };
}

/** The persisted value, checked field by field: entries that do not fit are counted and dropped. */
export function parseHeld(raw: string | null): { messages: IncomingMessage[]; invalid: number } {
  if (raw === null) return { messages: [], invalid: 0 };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { messages: [], invalid: 1 };
  }
  if (!Array.isArray(parsed)) return { messages: [], invalid: 1 };
  const messages: IncomingMessage[] = [];
  let invalid = 0;
  for (const entry of parsed) {
    const message = fromStored(entry);
    if (message === null) invalid += 1;
    else messages.push(message);
  }
  return { messages, invalid };
}

function fromStored(value: unknown): IncomingMessage | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const e = value as Record<string, unknown>;
  const str = (x: unknown): x is string => typeof x === 'string';
  const strOrNull = (x: unknown): x is string | null => x === null || typeof x === 'string';
  if (
    e['v'] !== STORED_VERSION ||
    (e['source'] !== 'live' && e['source'] !== 'carbon' && e['source'] !== 'archive') ||
    (e['direction'] !== 'in' && e['direction'] !== 'out') ||
    (e['type'] !== 'chat' && e['type'] !== 'groupchat') ||
    !str(e['from']) ||
    !str(e['conversation']) ||
    e['conversation'] === '' ||
    !strOrNull(e['to']) ||
    !strOrNull(e['nick']) ||
    !strOrNull(e['messageId']) ||
    !strOrNull(e['originId']) ||
    !strOrNull(e['stanzaId']) ||
    !str(e['body']) ||
    typeof e['truncated'] !== 'boolean' ||
    (e['urgency'] !== 'normal' && e['urgency'] !== 'urgent') ||
    typeof e['patientIdentifier'] !== 'boolean' ||
    typeof e['sentAt'] !== 'number' ||
    !Number.isFinite(e['sentAt'])
  ) {
    return null;
  }
  return {
    kind: 'message',
    source: e['source'],
    direction: e['direction'],
    type: e['type'],
    from: e['from'],
    conversation: e['conversation'],
    author: strOrNull(e['author']) ? e['author'] : null,
    to: e['to'],
    nick: e['nick'],
    messageId: e['messageId'],
    originId: e['originId'],
    stanzaId: e['stanzaId'],
    body: e['body'],
    truncated: e['truncated'],
    urgency: e['urgency'],
    // Held messages are never receipted or marked: nothing to answer once accepted.
    receiptRequested: false,
    markable: false,
    patientIdentifier: e['patientIdentifier'],
    sentAt: e['sentAt'],
    untrusted: true,
    archiveQueryId: null,
  };
}

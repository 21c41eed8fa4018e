/**
 * From parsed stanzas to the store: new messages in one batch insert, receipts back to their
 * senders as soon as it commits (so "delivered" means "stored on the recipient's workstation"),
 * then delivery updates, read markers and retractions in arrival order. Live stanzas are
 * queued and applied in micro-batches; archive pages are applied by archiveCatchUp.
 */
import { buildReceipt, jidForLog, neutraliseName, type IncomingBounce, type IncomingEvent, type IncomingMessage, type MessageBounce } from '../messaging/index.js';
import type { ConversationKind, ReceivedMessageInput, WardlineStore } from '../store/index.js';
import type { XmlElement } from '../xmpp/index.js';
import type { ConversationIds } from './conversationIds.js';
import type { SenderCard } from './senderCard.js';
import { errorName } from '../logSafeErrors.js';

/** A room nick shown as a sender's name, at most this many characters (as long as a sender card's name). */
const MAX_NICK_SHOWN = 80;

/**
 * The events that carry meaning and are stored (ignored and rejected ones are logged where they are
 * parsed; invitations are acted on by the messaging service, roomInvitations.ts, and store nothing).
 */
export type MeaningfulEvent = Exclude<IncomingEvent, { kind: 'ignored' } | { kind: 'rejected' } | { kind: 'invitation' }>;

export interface ReceivedItem {
  event: MeaningfulEvent;
  card: SenderCard | null;
}

export interface IncomingDeps {
  store: WardlineStore;
  conversations: ConversationIds;
  ownBare: string;
  /**
   * A new conversation's title: the directory's (roster or bookmark) name, else the name the
   * first sender signed with (1:1 only; the address is always shown next to it), else the address's local part.
   */
  titleFor(jid: string, kind: ConversationKind, senderName: string | null): string;
  /** Fire-and-forget stanza (receipts). */
  send(stanza: XmlElement): void;
  now(): number;
  log(line: string): void;
  changed(conversationIds: readonly number[]): void;
  /**
   * Urgent messages for these conversations are about to be stored. Until the returned function is
   * called (urgentArrived() is handed it), reminders leave them to the arrival's own notice.
   */
  urgentArriving?(conversationIds: readonly number[]): () => void;
  /** `announced` is urgentArriving()'s release: call it once the arrival has been notified. */
  urgentArrived(conversationIds: readonly number[], announced?: () => void): void;
  /** Others' messages newly stored, per conversation (for notifications; no text). */
  arrived?(arrivals: readonly Arrival[]): void;
  /** A room message's text names this person (common/mentions.ts). */
  mentionsYou(body: string | null): boolean;
  /**
   * A message from outside the organisation: kept for acceptance, not stored as trusted. The
   * batch is not done (so an archive cursor does not move past it) until the promise resolves.
   */
  hold(message: IncomingMessage): Promise<void> | void;
  /** Outside addresses the person has accepted. */
  isAccepted(conversationJid: string): boolean;
  /** Is this address (person or room) on our own or a trusted organisation domain? */
  isTrustedAddress(jid: string): boolean;
  /** Messages sent before this instant have outlived the retention policy; null = keep all. */
  retainedSince?(): number | null;
  /** Another participant removed a message after transcription (for the audit trail). */
  removedAfterTranscription?(removal: { conversationId: number; by: string; messageId: number }): void;
  /**
   * A bounce our archive kept while we were offline: the same handling as a live one. The batch
   * is not done (so the archive cursor does not move past it) until the promise resolves.
   */
  bounced?(bounce: MessageBounce): Promise<void>;
}

export interface Arrival {
  conversationId: number;
  urgent: boolean;
  /** The sender's display name; null when several people wrote in this batch. */
  senderName: string | null;
  /** One of them names this person (team rooms only: in 1:1 every message is for them). */
  mentionsYou: boolean;
}

export interface ApplyResult {
  inserted: number;
  duplicates: number;
}

/** Applies one batch. Order inside the batch is preserved for everything but the insert itself. */
export async function applyReceived(deps: IncomingDeps, items: readonly ReceivedItem[]): Promise<ApplyResult> {
  const touched = new Set<number>();
  const urgent = new Set<number>();
  const rows: ReceivedMessageInput[] = [];
  const own: { conversationId: number; originId: string; serverId: string | null; settlesOutbox: boolean }[] = [];
  const receipts: XmlElement[] = [];
  const arrivals = new Map<number, Arrival>();
  const names = new Map<number, { id: number; jid: string; name: string }>();
  /** Writes of held messages, settled to their error (if any) at once, so none goes unhandled meanwhile. */
  const held: Promise<unknown>[] = [];
  const receivedAt = deps.now();

  const retainedSince = deps.retainedSince?.() ?? null;
  for (const { event, card } of items) {
    if (event.kind !== 'message') continue;
    // Past the retention lifespan (an old archive page after a long absence): never stored at all.
    if (retainedSince !== null && event.sentAt < retainedSince) continue;
    if (event.untrusted && !deps.isAccepted(event.conversation)) {
      const saved = deps.hold(event);
      if (saved !== undefined) held.push(saved.then(() => null, (error: unknown) => error ?? new Error('held write failed')));
      continue;
    }
    const kind: ConversationKind = event.type === 'groupchat' ? 'room' : 'direct';
    const signedName = kind === 'direct' && event.direction === 'in' ? (card?.name ?? null) : null;
    const title = deps.titleFor(event.conversation, kind, signedName);
    const conversationId = await deps.conversations.resolve(event.conversation, kind, title);
    if (conversationId === null) {
      // A room occupant writing 1:1 through the room's address (or a room at a person's address):
      // never filed among the room's messages, where it would pass for the room speaking.
      deps.log(`chat rejected reason=conversation-kind-mismatch type=${event.type} conversation=${jidForLog(event.conversation)}`);
      continue;
    }
    if (signedName !== null) names.set(conversationId, { id: conversationId, jid: event.conversation, name: title });
    const fromSelf = event.direction === 'out';
    const mentions = !fromSelf && kind === 'room' && deps.mentionsYou(event.body);
    rows.push({
      conversationId,
      serverId: event.stanzaId,
      originId: event.originId,
      senderJid: senderOf(deps, event),
      // A room nick is whatever the writer typed (not every server refuses bidi or blank letters).
      senderName: card?.name ?? neutraliseName(event.nick, MAX_NICK_SHOWN),
      senderRole: card?.role ?? null,
      body: event.body,
      sentAt: Math.round(event.sentAt),
      datedLocally: event.datedLocally === true,
      receivedAt,
      urgency: event.urgency,
      patientIdentifier: event.patientIdentifier,
      fromSelf,
      ...(mentions ? { mentionsYou: true } : {}),
    });
    touched.add(conversationId);
    if (!fromSelf && event.urgency === 'urgent') urgent.add(conversationId);
    if (!fromSelf) noteArrival(arrivals, { conversationId, urgent: event.urgency === 'urgent', senderName: card?.name ?? event.nick, mentionsYou: false });
    if (fromSelf && event.originId !== null) {
      // A room's reflection means the room broadcast it; our own 1:1 archive copy only means the
      // server started routing it (it may have died before the recipient's archive got it).
      own.push({ conversationId, originId: event.originId, serverId: event.stanzaId, settlesOutbox: event.type === 'groupchat' });
    }
    // Receipts only for what reached us directly (XEP-0184 §5.4: not for carbons or archive copies).
    if (event.source === 'live' && event.direction === 'in' && event.type === 'chat' && event.receiptRequested && event.messageId !== null) {
      receipts.push(buildReceipt({ to: event.from, id: event.messageId }));
    }
  }

  // From before the insert until the arrival is announced: otherwise the reminders' free-running
  // interval can read the new urgent message first and notify it as a reminder, and the arrival's
  // notice then comes on top of it (one alert too many, and the reminder count starts again).
  const announced = urgent.size > 0 ? deps.urgentArriving?.([...urgent]) : undefined;
  let handedOver = false;
  try {
    return await applyStored();
  } finally {
    if (!handedOver) announced?.();
  }

  async function applyStored(): Promise<ApplyResult> {
    const result = rows.length === 0 ? { inserted: 0, duplicates: 0 } : await deps.store.insertReceivedBatch(rows);
    // The messages are committed: their receipts wait for nothing else (own-copy confirmations and
    // delivery updates below are other transactions and say nothing about these messages).
    for (const receipt of receipts) deps.send(receipt);
    if (own.length > 0) await deps.store.confirmOwnMessages(own);
    // A better title is cosmetic: failing to store it must not hold back the events below.
    if (names.size > 0) await deps.conversations.offerNames([...names.values()]).catch((error: unknown) => deps.log(`chat name-conversation-failed error=${errorName(error)}`));

    for (const { event } of items) {
      if (event.kind === 'message') continue;
      if (event.kind === 'bounce') {
        // Marks the message failed and tells the conversation's listeners itself.
        await deps.bounced?.(event.bounce);
        continue;
      }
      const id = await applyUpdate(deps, event);
      if (id !== null) touched.add(id);
    }

    if (touched.size > 0) deps.changed([...touched]);
    // Only a mention stored for the first time notifies as one (a catch-up fetches live ones again).
    for (const id of result.mentioned ?? []) {
      const arrival = arrivals.get(id);
      if (arrival !== undefined) arrival.mentionsYou = true;
    }
    if (arrivals.size > 0 && result.inserted > 0) deps.arrived?.([...arrivals.values()]);
    if (urgent.size > 0 && result.inserted > 0) {
      handedOver = true;
      deps.urgentArrived([...urgent], announced);
    }
    // Held messages must be in the store before this batch counts as applied (an archive cursor
    // moves only then), but colleagues' receipts and alerts above never wait on an outsider's.
    const heldFailure = (await Promise.all(held)).find((outcome) => outcome !== null);
    if (heldFailure !== undefined) throw heldFailure;
    return result;
  }
}

/** Receipt, marker or retraction; returns the conversation id if something changed. */
async function applyUpdate(deps: IncomingDeps, event: Exclude<MeaningfulEvent, IncomingMessage | IncomingBounce>): Promise<number | null> {
  const { store } = deps;
  // Cached after the first message: a receipt costs one store round trip, not two.
  const conversationId = await deps.conversations.known(event.conversation, event.type === 'groupchat' ? 'room' : 'direct');
  if (conversationId === null) return null;
  switch (event.kind) {
    case 'receipt': {
      // Our other device's receipts (carbons) say nothing about our messages.
      if (event.direction !== 'in' || event.type !== 'chat') return null;
      return (await store.updateDeliveryByOriginId(conversationId, event.id, 'delivered')) > 0 ? conversationId : null;
    }
    case 'displayed': {
      if (event.direction === 'out') {
        // We read this conversation on another workstation (carbon or room reflection).
        if (event.source === 'archive') return null;
        await store.markConversationRead(conversationId);
        return conversationId;
      }
      const changed =
        event.type === 'chat'
          ? await store.updateDeliveryByOriginId(conversationId, event.id, 'read')
          : await store.updateDeliveryByServerId(conversationId, event.id, 'read');
      return changed > 0 ? conversationId : null;
    }
    case 'retraction': {
      // A plain retraction matches only the sender's own message (the store compares sender JIDs);
      // a removal after transcription may name any participant's (see GovernanceQueries).
      // In rooms, the writer's real address: whoever holds the nick now cannot withdraw a message
      // someone else wrote under it.
      const senderJid = senderOf(deps, event);
      // Removing someone else's message after transcription is honoured only from inside the
      // organisation: a 1:1 peer on a trusted domain; in a room on a trusted domain, a remover whose
      // real address the room revealed and is ours too (a partner organisation's member of one of
      // our rooms must not wipe colleagues' messages; our own, from another workstation of ours,
      // counts). Anything else counts as a plain retraction (the sender's own message only).
      const revealed = event.type !== 'groupchat' || event.direction === 'out' || event.author !== null;
      const governed =
        event.transcribedBy !== null &&
        revealed &&
        deps.isTrustedAddress(senderJid) &&
        (event.type !== 'groupchat' || deps.isTrustedAddress(event.conversation));
      const retracted = await store.applyRetraction({
        conversationId,
        senderJid,
        targetId: event.targetId,
        by: event.type === 'groupchat' ? 'server-id' : 'origin-id',
        at: deps.now(),
        transcribedBy: governed ? event.transcribedBy : null,
      });
      if (retracted === null) deps.log(`chat retraction-ignored reason=no-matching-message conversation=${conversationId}`);
      else if (governed) deps.removedAfterTranscription?.({ conversationId, by: senderJid, messageId: retracted });
      return retracted === null ? null : conversationId;
    }
  }
}

/**
 * Who wrote it, as stored: one key per person per conversation, so every copy (live, carbon,
 * reflection, archive) de-duplicates on (sender, origin-id) and a retraction matches only its
 * writer's messages. Our bare address for ours; the peer's in 1:1; in rooms the writer's real
 * address (`author`: from the room's archive, or from their presence as the stanza arrived), or
 * room/nick where the room hides it.
 */
function senderOf(deps: IncomingDeps, event: { direction: 'in' | 'out'; type: 'chat' | 'groupchat'; from: string; author: string | null }): string {
  if (event.direction === 'out') return deps.ownBare;
  if (event.type !== 'groupchat') return bareOf(event.from);
  return event.author ?? event.from;
}

function noteArrival(arrivals: Map<number, Arrival>, arrival: Arrival): void {
  const seen = arrivals.get(arrival.conversationId);
  if (seen === undefined) {
    arrivals.set(arrival.conversationId, { ...arrival });
    return;
  }
  seen.urgent ||= arrival.urgent;
  if (seen.senderName !== arrival.senderName) seen.senderName = null;
}

function bareOf(jid: string): string {
  const slash = jid.indexOf('/');
  return slash === -1 ? jid : jid.slice(0, slash);
}

/**
 * Live stanzas, applied in order in micro-batches: whatever arrives while a batch is being
 * written goes into the next one, so a burst costs a handful of transactions, not one each.
 */
export class LiveQueue {
  readonly #apply: (items: ReceivedItem[]) => Promise<void>;
  readonly #log: (line: string) => void;
  #items: ReceivedItem[] = [];
  #running: Promise<void> | null = null;

  readonly #onFailed: () => void;

  constructor(apply: (items: ReceivedItem[]) => Promise<void>, log: (line: string) => void, onFailed: () => void = () => undefined) {
    this.#apply = apply;
    this.#log = log;
    this.#onFailed = onFailed;
  }

  push(item: ReceivedItem): void {
    this.#items.push(item);
    this.#running ??= this.#drain();
  }

  /** Resolves when everything pushed so far is applied. */
  async idle(): Promise<void> {
    while (this.#running !== null) await this.#running;
  }

  async #drain(): Promise<void> {
    // Let the rest of this chunk be parsed first (the parser emits all of a chunk's elements
    // synchronously): one batch per chunk. A microtask is enough for that; setImmediate also put
    // everything else the event loop had queued (other sockets, the store's replies, timers)
    // ahead of storing a message, and its receipt waits for the store. While a batch is being
    // written, later stanzas collect for the next one, so bursts still batch.
    await Promise.resolve();
    try {
      while (this.#items.length > 0) {
        const batch = this.#items;
        this.#items = [];
        try {
          await this.#apply(batch);
        } catch (error) {
          this.#log(`chat store-failed stage=live count=${batch.length} error=${errorName(error)}`);
          this.#onFailed();
        }
      }
    } finally {
      this.#running = null;
    }
  }
}

/**
 * The main-thread face of the store: an async API over the store worker.
 * This is what the session and messaging layers hold.
 */
import type { NotifyLevel } from '../../common/notifyLevels.js';
import { Worker } from 'node:worker_threads';
import type { OpenStoreOptions } from './storeFiles.js';
import { StoreError } from './storeErrors.js';
import type { NeedsTranscription, RemovalRequest, TranscriptionMark } from './governanceQueries.js';
import type { PendingRetraction } from './pendingRetractions.js';
import type { IncidentChanges, IncidentPurge, IncidentRecords } from './incidentQueries.js';
import type { OpenResult, RemovalResult, StoreOperation, StoreOperations, StoreRequest, StoreResponse } from './storeProtocol.js';
import type {
  AuditEntry,
  AuditEntryInput,
  ConversationInput,
  ConversationSummary,
  ListConversationsOptions,
  DeleteResult,
  DirectConversationName,
  Draft,
  DraftSaved,
  InsertBatchResult,
  MessageCursor,
  MessagePage,
  ReceivedMessageInput,
  StoredMessage,
  UnreadCounts,
  TeamRoom,
} from './storeTypes.js';
import type { ConversationRef, MarkerTarget, OutboxEntry, OutgoingMessageInput, OutgoingRef, RetractionInput, OwnMessageConfirmation, UrgentUnread } from './outboxTypes.js';

export interface WardlineStore {
  readonly schemaVersion: number;
  /** Creates or updates by jid; returns the conversation's id. */
  upsertConversation(input: ConversationInput): Promise<number>;
  /** Replaces 1:1 conversations' placeholder titles (others are kept); returns how many changed. */
  nameDirectConversations(names: readonly DirectConversationName[]): Promise<number>;
  /** One transaction per batch; duplicates (by server or origin id) are skipped and counted. */
  insertReceivedBatch(messages: readonly ReceivedMessageInput[]): Promise<InsertBatchResult>;
  listConversations(options?: ListConversationsOptions): Promise<ConversationSummary[]>;
  /** Newest page when `before` is null; pass the returned `before` for the next older page. */
  pageMessages(conversationId: number, before: MessageCursor | null, limit: number): Promise<MessagePage>;
  /** Free text as typed; newest matches first. */
  search(query: string, limit: number): Promise<StoredMessage[]>;
  /** Totals for the lock screen: counts only. */
  unreadCounts(): Promise<UnreadCounts>;
  /** True if anything was unread. */
  markConversationRead(conversationId: number): Promise<boolean>;
  /** A team room's notification level; false when there is no such room (1:1 stays 'all'). */
  setRoomNotify(conversationId: number, level: NotifyLevel): Promise<boolean>;
  /** Team rooms made quieter than 'all'. */
  quietRooms(): Promise<{ conversationId: number; notify: NotifyLevel }[]>;
  setRoomLeft(conversationId: number, at: number | null): Promise<boolean>;
  teamRooms(): Promise<TeamRoom[]>;
  /** Deletes rows, their index entries, and truncates the WAL. */
  deleteMessages(ids: readonly number[]): Promise<DeleteResult>;
  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string): Promise<void>;
  appendAudit(entry: AuditEntryInput): Promise<AuditEntry>;
  verifyAuditChain(): Promise<boolean>;
  // Outbox and delivery state, for the messaging service (outboxQueries.ts).
  /** The message (outgoing, pending) and its outbox row in one transaction; returns the message id. */
  queueOutgoing(input: OutgoingMessageInput): Promise<number>;
  /** Not yet acknowledged by the server, oldest first. */
  pendingOutbox(): Promise<OutboxEntry[]>;
  /** Acknowledged: leaves the outbox; 'sent' unless already delivered/read. True if the state changed. */
  markSent(messageId: number): Promise<boolean>;
  /** `error` is a kind, never content. */
  recordSendAttempt(messageId: number, error: string | null): Promise<void>;
  /** Our outgoing message with this origin-id in this conversation, if any. */
  findOutgoing(conversationId: number, originId: string): Promise<OutgoingRef | null>;
  /** The conversation holding our outgoing message with this origin-id (a refusal from our own server). */
  findOutgoingConversation(originId: string): Promise<ConversationRef | null>;
  /** Bounced: 'failed' (from pending or sent only), parked in the outbox with `reason` (a code, never content). */
  markFailed(messageId: number, reason: string): Promise<boolean>;
  /** A failed message back to 'pending' in the outbox, same origin-id; null if it is not failed. */
  requeueFailed(messageId: number): Promise<OutboxEntry | null>;
  /** Never downgrades; 'read' also covers earlier sent/delivered messages. Returns messages changed. */
  updateDeliveryByOriginId(conversationId: number, originId: string, state: 'delivered' | 'read'): Promise<number>;
  updateDeliveryByServerId(conversationId: number, serverId: string, state: 'delivered' | 'read'): Promise<number>;
  /** Our own messages seen coming back from the server: out of the outbox, at least 'sent', archive id recorded. */
  confirmOwnMessages(confirmations: readonly OwnMessageConfirmation[]): Promise<number>;
  findConversationByJid(jid: string): Promise<ConversationRef | null>;
  findConversationById(id: number): Promise<ConversationRef | null>;
  latestIncoming(conversationId: number): Promise<MarkerTarget | null>;
  unreadUrgent(): Promise<UrgentUnread[]>;
  // Drafts (draftQueries.ts).
  /** Keeps what the person typed (blank: removes it); says whether the list's draft marker changed. */
  saveDraft(conversationId: number, draft: Draft): Promise<DraftSaved>;
  draftFor(conversationId: number): Promise<Draft | null>;
  // Clinical governance (governanceQueries.ts).
  /** The named messages of one conversation, oldest first. */
  messagesByIds(conversationId: number, ids: readonly number[]): Promise<StoredMessage[]>;
  markTranscribed(conversationId: number, ids: readonly number[], mark: TranscriptionMark): Promise<number>;
  /** Transcribed messages only: text removed, tombstone kept, retractions queued, audited, WAL checkpointed; one transaction. */
  removeTranscribed(conversationId: number, ids: readonly number[], remover: RemovalRequest): Promise<RemovalResult>;
  /** XEP-0424 (own message only) or a governance removal (any participant); returns the message id or null. */
  applyRetraction(input: RetractionInput): Promise<number | null>;
  /** Retractions after transcription waiting for the server (queued by removeTranscribed). */
  pendingRetractions(): Promise<PendingRetraction[]>;
  forgetPendingRetraction(id: string): Promise<void>;
  /** Retention: deletes messages sent before `cutoff`, with no remnant. */
  /** `pendingCutoff`: a message still in the outbox is kept until sent, but not past this (default: `cutoff`). */
  purgeSentBefore(cutoff: number, pendingCutoff?: number): Promise<DeleteResult>;
  needsTranscription(limit: number): Promise<NeedsTranscription[]>;
  countNeedsTranscription(): Promise<number>;
  /** Newest first. */
  listAudit(limit: number): Promise<AuditEntry[]>;
  // Major incident (incidentQueries.ts).
  /** New events (duplicates ignored), new sends and acknowledged sends, in one transaction. */
  saveIncidentChanges(changes: IncidentChanges): Promise<void>;
  loadIncidentRecords(): Promise<IncidentRecords>;
  /** Retention: incidents first recorded before `cutoff` (open ones: before `openCutoff`), deleted whole; WAL checkpointed. */
  purgeIncidentsBefore(cutoff: number, open: readonly string[], openCutoff: number): Promise<IncidentPurge>;
  /**
   * Closes the store and stops its worker. One that does not answer within STORE_CLOSE_TIMEOUT_MS
   * is let go (every call rejects) and stopped once it is free: a worker busy in native code
   * cannot be terminated without taking the process down.
   */
  close(): Promise<void>;
  /** Called once if the worker dies or fails on its own (not by close()); every later call rejects. */
  onFailure(listener: (reason: StoreError) => void): void;
}

/** Below the session's own per-step limit on lock, so the client lets go before the session moves on. */
export const STORE_CLOSE_TIMEOUT_MS = 4_000;
/** worker.terminate() cannot interrupt a native call; the session does not wait on one for ever. */
const TERMINATE_WAIT_MS = 2_000;

export interface StoreClientOptions extends OpenStoreOptions {
  /** Injectable clock for conversation creation and read times. */
  now?: () => number;
  /** Test seam: where the worker comes from (default: the store worker, prestarted if there is one). */
  startWorker?: () => Worker;
}

type Pending = { resolve: (value: unknown) => void; reject: (error: StoreError) => void };

type Connection = { state: 'open'; worker: Worker } | { state: 'closed'; reason: StoreError };

class StoreClient implements WardlineStore {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private connection: Connection;
  private failureListener: ((reason: StoreError) => void) | null = null;
  schemaVersion = 0;

  constructor(
    worker: Worker,
    private readonly now: () => number,
  ) {
    this.connection = { state: 'open', worker };
    worker.on('message', (response: StoreResponse) => this.settle(response));
    worker.on('error', (error) => this.failedOnItsOwn(new StoreError('internal', `The store worker failed: ${error.message}`)));
    worker.on('exit', () => this.failedOnItsOwn(new StoreError('closed')));
  }

  onFailure(listener: (reason: StoreError) => void): void {
    this.failureListener = listener;
  }

  private failedOnItsOwn(reason: StoreError): void {
    if (this.connection.state === 'closed') return; // closed or terminated by us
    this.fail(reason);
    this.failureListener?.(reason);
  }

  call<K extends StoreOperation>(op: K, ...args: StoreOperations[K]['args']): Promise<StoreOperations[K]['result']> {
    if (this.connection.state === 'closed') return Promise.reject(this.connection.reason);
    const id = this.nextId++;
    const { worker } = this.connection;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, op, args } as StoreRequest);
    });
  }

  upsertConversation(input: ConversationInput): Promise<number> {
    return this.call('upsertConversation', input, this.now());
  }
  nameDirectConversations(names: readonly DirectConversationName[]): Promise<number> {
    return this.call('nameDirectConversations', names);
  }
  insertReceivedBatch(messages: readonly ReceivedMessageInput[]): Promise<InsertBatchResult> {
    return this.call('insertReceivedBatch', messages);
  }
  listConversations(options?: ListConversationsOptions): Promise<ConversationSummary[]> {
    return this.call('listConversations', options);
  }
  pageMessages(conversationId: number, before: MessageCursor | null, limit: number): Promise<MessagePage> {
    return this.call('pageMessages', conversationId, before, limit);
  }
  search(query: string, limit: number): Promise<StoredMessage[]> {
    return this.call('search', query, limit);
  }
  unreadCounts(): Promise<UnreadCounts> {
    return this.call('unreadCounts');
  }
  markConversationRead(conversationId: number): Promise<boolean> {
    return this.call('markConversationRead', conversationId, this.now());
  }
  setRoomNotify(conversationId: number, level: NotifyLevel): Promise<boolean> {
    return this.call('setRoomNotify', conversationId, level);
  }
  quietRooms(): Promise<{ conversationId: number; notify: NotifyLevel }[]> {
    return this.call('quietRooms');
  }

  setRoomLeft(conversationId: number, at: number | null): Promise<boolean> {
    return this.call('setRoomLeft', conversationId, at);
  }

  teamRooms(): Promise<TeamRoom[]> {
    return this.call('teamRooms');
  }
  deleteMessages(ids: readonly number[]): Promise<DeleteResult> {
    return this.call('deleteMessages', ids);
  }
  getSetting(key: string): Promise<string | null> {
    return this.call('getSetting', key);
  }
  async setSetting(key: string, value: string): Promise<void> {
    await this.call('setSetting', key, value);
  }
  appendAudit(entry: AuditEntryInput): Promise<AuditEntry> {
    return this.call('appendAudit', entry);
  }
  verifyAuditChain(): Promise<boolean> {
    return this.call('verifyAuditChain');
  }
  queueOutgoing(input: OutgoingMessageInput): Promise<number> {
    return this.call('queueOutgoing', input, this.now());
  }
  pendingOutbox(): Promise<OutboxEntry[]> {
    return this.call('pendingOutbox');
  }
  markSent(messageId: number): Promise<boolean> {
    return this.call('markSent', messageId);
  }
  async recordSendAttempt(messageId: number, error: string | null): Promise<void> {
    await this.call('recordSendAttempt', messageId, error, this.now());
  }
  findOutgoing(conversationId: number, originId: string): Promise<OutgoingRef | null> {
    return this.call('findOutgoing', conversationId, originId);
  }

  findOutgoingConversation(originId: string): Promise<ConversationRef | null> {
    return this.call('findOutgoingConversation', originId);
  }
  markFailed(messageId: number, reason: string): Promise<boolean> {
    return this.call('markFailed', messageId, reason, this.now());
  }
  requeueFailed(messageId: number): Promise<OutboxEntry | null> {
    return this.call('requeueFailed', messageId, this.now());
  }
  updateDeliveryByOriginId(conversationId: number, originId: string, state: 'delivered' | 'read'): Promise<number> {
    return this.call('updateDeliveryByOriginId', conversationId, originId, state);
  }
  updateDeliveryByServerId(conversationId: number, serverId: string, state: 'delivered' | 'read'): Promise<number> {
    return this.call('updateDeliveryByServerId', conversationId, serverId, state);
  }
  confirmOwnMessages(confirmations: readonly OwnMessageConfirmation[]): Promise<number> {
    return this.call('confirmOwnMessages', confirmations);
  }
  findConversationByJid(jid: string): Promise<ConversationRef | null> {
    return this.call('findConversationByJid', jid);
  }
  findConversationById(id: number): Promise<ConversationRef | null> {
    return this.call('findConversationById', id);
  }
  latestIncoming(conversationId: number): Promise<MarkerTarget | null> {
    return this.call('latestIncoming', conversationId);
  }
  unreadUrgent(): Promise<UrgentUnread[]> {
    return this.call('unreadUrgent');
  }
  saveDraft(conversationId: number, draft: Draft): Promise<DraftSaved> {
    return this.call('saveDraft', conversationId, draft, this.now());
  }
  draftFor(conversationId: number): Promise<Draft | null> {
    return this.call('draftFor', conversationId);
  }
  messagesByIds(conversationId: number, ids: readonly number[]): Promise<StoredMessage[]> {
    return this.call('messagesByIds', conversationId, ids);
  }
  markTranscribed(conversationId: number, ids: readonly number[], mark: TranscriptionMark): Promise<number> {
    return this.call('markTranscribed', conversationId, ids, mark);
  }
  removeTranscribed(conversationId: number, ids: readonly number[], remover: RemovalRequest): Promise<RemovalResult> {
    return this.call('removeTranscribed', conversationId, ids, remover);
  }
  applyRetraction(input: RetractionInput): Promise<number | null> {
    return this.call('applyRetraction', input);
  }
  pendingRetractions(): Promise<PendingRetraction[]> {
    return this.call('pendingRetractions');
  }
  async forgetPendingRetraction(id: string): Promise<void> {
    await this.call('forgetPendingRetraction', id);
  }
  purgeSentBefore(cutoff: number, pendingCutoff: number = cutoff): Promise<DeleteResult> {
    return this.call('purgeSentBefore', cutoff, pendingCutoff);
  }
  needsTranscription(limit: number): Promise<NeedsTranscription[]> {
    return this.call('needsTranscription', limit);
  }
  countNeedsTranscription(): Promise<number> {
    return this.call('countNeedsTranscription');
  }
  listAudit(limit: number): Promise<AuditEntry[]> {
    return this.call('listAudit', limit);
  }
  async saveIncidentChanges(changes: IncidentChanges): Promise<void> {
    await this.call('saveIncidentChanges', changes, this.now());
  }
  loadIncidentRecords(): Promise<IncidentRecords> {
    return this.call('loadIncidentRecords');
  }
  purgeIncidentsBefore(cutoff: number, open: readonly string[], openCutoff: number): Promise<IncidentPurge> {
    return this.call('purgeIncidentsBefore', cutoff, open, openCutoff);
  }

  async close(): Promise<void> {
    if (this.connection.state === 'closed') return;
    const { worker } = this.connection;
    const closeId = this.nextId;
    const closing = this.call('close');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STORE_CLOSE_TIMEOUT_MS)));
    // A close the worker answered with an error (its checkpoint failed on a full disk) still ends
    // its queue: the worker is idle, so it is stopped like after a clean close, and the error told.
    const outcome = await Promise.race([
      closing.then(
        () => 'closed' as const,
        (error: unknown) => ({ error }),
      ),
      late,
    ]).finally(() => clearTimeout(timer));
    if (outcome === 'closed') return this.terminate();
    if (outcome !== 'late') {
      await this.terminate();
      throw outcome.error;
    }
    // Late (a long checkpoint, a queue behind a big write, a native call that never returns). A
    // worker inside a native SQLite call cannot be terminated: the binding's N-API throw aborts
    // the whole process. So the client lets go at once (every other call rejects, new ones too)
    // and the worker is stopped once it has finished its queue and its close, idle by then.
    this.fail(new StoreError('closed', 'The store did not close in time; it is closed as soon as its worker is free.'), closeId);
    void closing.then(
      () => worker.terminate(),
      () => worker.terminate(),
    );
    throw new StoreError('closed', 'The store did not close in time; it is closed as soon as its worker is free.');
  }

  async terminate(): Promise<void> {
    if (this.connection.state === 'closed') return;
    const { worker } = this.connection;
    this.fail(new StoreError('closed'));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([worker.terminate(), new Promise((resolve) => (timer = setTimeout(resolve, TERMINATE_WAIT_MS)))]);
    clearTimeout(timer);
  }

  private settle(response: StoreResponse): void {
    const pending = this.pending.get(response.id);
    if (pending === undefined) return;
    this.pending.delete(response.id);
    if (response.ok) pending.resolve(response.result);
    else pending.reject(new StoreError(response.error.kind, response.error.message));
  }

  /** Rejects every pending call (but `keep`: a close left to finish) and every later one. */
  private fail(reason: StoreError, keep?: number): void {
    this.connection = { state: 'closed', reason };
    for (const [id, { reject }] of this.pending) {
      if (id === keep) continue;
      reject(reason);
      this.pending.delete(id);
    }
  }
}

/**
 * Opens (or creates) a profile's encrypted store with its raw 256-bit key.
 * Rejects with StoreError: 'wrong-key-or-not-wardline', 'corrupt', 'newer-schema', 'missing', 'invalid-argument', 'io'.
 */
export async function openStore(path: string, keyHex: string, options: StoreClientOptions = {}): Promise<WardlineStore> {
  const { now = Date.now, startWorker: start = takeWorker, ...openOptions } = options;
  const client = new StoreClient(start(), now);
  try {
    const opened: OpenResult = await client.call('open', path, keyHex, openOptions);
    client.schemaVersion = opened.schemaVersion;
    return client;
  } catch (error) {
    await client.terminate();
    throw error instanceof StoreError ? error : new StoreError('internal', 'The store could not be opened.');
  }
}

/** A worker started ahead of need, idle and unreferenced until an open takes it. */
let spareWorker: Worker | null = null;

/**
 * Starts a store worker ahead of need (for example while the lock screen waits
 * for the PIN), so the next openStore does not wait for the worker's code to
 * load: that then overlaps the KDF instead of following it. Holds no key and
 * no data until opened; does not keep the process alive. Idempotent.
 */
export function prestartStoreWorker(): void {
  if (spareWorker !== null) return;
  const worker = startWorker();
  worker.unref();
  // A spare that dies before use is simply forgotten; openStore starts a fresh one.
  const forget = (): void => {
    if (spareWorker === worker) spareWorker = null;
  };
  worker.once('error', forget);
  worker.once('exit', forget);
  spareWorker = worker;
}

function takeWorker(): Worker {
  const worker = spareWorker;
  if (worker === null) return startWorker();
  spareWorker = null;
  worker.removeAllListeners('error');
  worker.removeAllListeners('exit');
  worker.ref();
  return worker;
}

/**
 * The worker sits next to this module with the same extension: .js once built.
 * Run from source (tsx, vitest) it is .ts, and Node 20 does not apply tsx's
 * --import hooks to a worker's entry, so a tiny bootstrap registers tsx inside
 * the worker first. That path exists only in development and tests.
 */
export function startWorker(): Worker {
  const options = { name: 'wardline-store' };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./storeWorker.js', import.meta.url), options);
  const entry = JSON.stringify(new URL('./storeWorker.ts', import.meta.url).href);
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${entry}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

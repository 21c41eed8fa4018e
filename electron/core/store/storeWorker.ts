/**
 * Store worker entry. SQLite calls are synchronous, so they run here, off the
 * main process's event loop: a sync catch-up or a search never freezes IPC.
 * The key arrives by postMessage (never argv or env) and lives only in this thread.
 */
import { parentPort } from 'node:worker_threads';
import { openStoreFile, type OpenedStore } from './storeFiles.js';
import { StoreError, toStoreError } from './storeErrors.js';
import type { StoreOperation, StoreOperations, StoreRequest, StoreResponse } from './storeProtocol.js';
import { GovernanceQueries } from './governanceQueries.js';
import { OutboxQueries } from './outboxQueries.js';
import { DraftQueries } from './draftQueries.js';
import { IncidentQueries } from './incidentQueries.js';

type WorkerState = { state: 'closed' } | { state: 'open'; opened: OpenedStore };

type Handlers = {
  [K in StoreOperation]: (...args: StoreOperations[K]['args']) => StoreOperations[K]['result'];
};

const port = parentPort;
if (port === null) throw new Error('storeWorker must run as a worker thread.');

let current: WorkerState = { state: 'closed' };

/** The open store's MessageStore; refuses while closed (it opens nothing: that is the 'open' operation). */
function messageStore(): OpenedStore['store'] {
  if (current.state !== 'open') throw new StoreError('closed');
  return current.opened.store;
}

/** Query sets other than MessageStore, created once per open store on first use. */
function lazyQueries<Q>(create: (db: OpenedStore['db']) => Q): () => Q {
  const byStore = new WeakMap<OpenedStore, Q>();
  return () => {
    if (current.state !== 'open') throw new StoreError('closed');
    const { opened } = current;
    let queries = byStore.get(opened);
    if (queries === undefined) {
      queries = create(opened.db);
      byStore.set(opened, queries);
    }
    return queries;
  };
}

const outbox = lazyQueries((db) => new OutboxQueries(db));
const drafts = lazyQueries((db) => new DraftQueries(db));
const governance = lazyQueries((db) => new GovernanceQueries(db));
const incidents = lazyQueries((db) => new IncidentQueries(db));

/** Runs a removal, then empties the WAL so no copy of the removed text survives there. */
function thenCheckpoint<T>(work: () => T): { result: T; checkpointed: boolean } {
  const result = work();
  return { result, checkpointed: messageStore().checkpoint() };
}

const handlers: Handlers = {
  open(path, keyHex, options) {
    if (current.state === 'open') throw new StoreError('invalid-argument', 'The store is already open.');
    const opened = openStoreFile(path, keyHex, options);
    current = { state: 'open', opened };
    return { schemaVersion: opened.schemaVersion, migratedFrom: opened.migratedFrom };
  },
  close() {
    if (current.state === 'open') {
      const { db, store } = current.opened;
      current = { state: 'closed' };
      try {
        // Best effort (a full disk cannot take the WAL back into the file): the connection, and
        // the key with it, goes whatever the checkpoint does. The WAL stays encrypted, and the
        // next open replays it.
        store.checkpoint();
      } finally {
        db.close();
      }
    }
    return null;
  },
  upsertConversation: (input, now) => messageStore().upsertConversation(input, now),
  nameDirectConversations: (names) => messageStore().nameDirectConversations(names),
  insertReceivedBatch: (messages) => messageStore().insertReceivedBatch(messages),
  listConversations: (options) => messageStore().listConversations(options),
  pageMessages: (conversationId, before, limit) => messageStore().pageMessages(conversationId, before, limit),
  search: (query, limit) => messageStore().search(query, limit),
  unreadCounts: () => messageStore().unreadCounts(),
  markConversationRead: (conversationId, at) => messageStore().markConversationRead(conversationId, at),
  setRoomNotify: (conversationId, level) => messageStore().setRoomNotify(conversationId, level),
  quietRooms: () => messageStore().quietRooms(),
  setRoomLeft: (conversationId, at) => messageStore().setRoomLeft(conversationId, at),
  teamRooms: () => messageStore().teamRooms(),
  deleteMessages: (ids) => messageStore().deleteMessages(ids),
  getSetting: (key) => messageStore().getSetting(key),
  setSetting: (key, value) => {
    messageStore().setSetting(key, value);
    return null;
  },
  appendAudit: (entry) => messageStore().appendAudit(entry),
  verifyAuditChain: () => messageStore().verifyAuditChain(),
  queueOutgoing: (input, now) => outbox().queueOutgoing(input, now),
  pendingOutbox: () => outbox().pendingOutbox(),
  markSent: (messageId) => outbox().markSent(messageId),
  recordSendAttempt: (messageId, error, now) => {
    outbox().recordSendAttempt(messageId, error, now);
    return null;
  },
  findOutgoing: (conversationId, originId) => outbox().findOutgoing(conversationId, originId),
  findOutgoingConversation: (originId) => outbox().findOutgoingConversation(originId),
  markFailed: (messageId, reason, now) => outbox().markFailed(messageId, reason, now),
  requeueFailed: (messageId, now) => outbox().requeueFailed(messageId, now),
  updateDeliveryByOriginId: (conversationId, originId, state) => outbox().updateDeliveryByOriginId(conversationId, originId, state),
  updateDeliveryByServerId: (conversationId, serverId, state) => outbox().updateDeliveryByServerId(conversationId, serverId, state),
  confirmOwnMessages: (confirmations) => outbox().confirmOwnMessages(confirmations),
  findConversationByJid: (jid) => outbox().findConversationByJid(jid),
  findConversationById: (id) => outbox().findConversationById(id),
  latestIncoming: (conversationId) => outbox().latestIncoming(conversationId),
  unreadUrgent: () => outbox().unreadUrgent(),
  saveDraft: (conversationId, draft, now) => drafts().saveDraft(conversationId, draft, now),
  draftFor: (conversationId) => drafts().draftFor(conversationId),
  messagesByIds: (conversationId, ids) => governance().messagesByIds(conversationId, ids),
  markTranscribed: (conversationId, ids, mark) => governance().markTranscribed(conversationId, ids, mark),
  removeTranscribed: (conversationId, ids, remover) => {
    const { result, checkpointed } = thenCheckpoint(() => governance().removeTranscribed(conversationId, ids, remover));
    return { ...result, checkpointed };
  },
  applyRetraction: (input) => {
    const { result } = thenCheckpoint(() => governance().applyRetraction(input));
    return result;
  },
  pendingRetractions: () => governance().pendingRetractions(),
  forgetPendingRetraction: (id) => {
    governance().forgetPendingRetraction(id);
    return null;
  },
  purgeSentBefore: (cutoff, pendingCutoff) => {
    const { result, checkpointed } = thenCheckpoint(() => governance().purgeSentBefore(cutoff, pendingCutoff));
    return { deleted: result, checkpointed };
  },
  needsTranscription: (limit) => governance().needsTranscription(limit),
  countNeedsTranscription: () => governance().countNeedsTranscription(),
  listAudit: (limit) => governance().listAudit(limit),
  saveIncidentChanges: (changes, now) => {
    incidents().save(changes, now);
    return null;
  },
  loadIncidentRecords: () => incidents().load(),
  purgeIncidentsBefore: (cutoff, open, openCutoff) => {
    const purge = incidents().purgeBefore(cutoff, open, openCutoff);
    // The sweep's message purge has just checkpointed: only a deletion here needs another.
    if (purge.incidentIds.length > 0) messageStore().checkpoint();
    return purge;
  },
};

function handle(request: StoreRequest): StoreResponse {
  try {
    // The mapped Handlers type pairs each op with its args; TS cannot see that through the union.
    const handler = handlers[request.op] as (...args: StoreRequest['args']) => StoreOperations[StoreOperation]['result'];
    return { id: request.id, ok: true, result: handler(...request.args) };
  } catch (error) {
    return { id: request.id, ok: false, error: toStoreError(error, request.op === 'open' ? 'opening' : 'open').toData() };
  }
}

port.on('message', (request: StoreRequest) => {
  port.postMessage(handle(request));
});

/**
 * The request/response protocol between the main thread and the store worker.
 * One table of operations types both sides.
 */
import type { NotifyLevel } from '../../common/notifyLevels.js';
import type { OpenStoreOptions } from './storeFiles.js';
import type { StoreErrorData } from './storeErrors.js';
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
import type { NeedsTranscription, RemovalOutcome, RemovalRequest, TranscriptionMark } from './governanceQueries.js';
import type { PendingRetraction } from './pendingRetractions.js';
import type { IncidentChanges, IncidentPurge, IncidentRecords } from './incidentQueries.js';
import type { ConversationRef, MarkerTarget, OutboxEntry, OutgoingMessageInput, OutgoingRef, RetractionInput, OwnMessageConfirmation, UrgentUnread } from './outboxTypes.js';

export interface OpenResult {
  schemaVersion: number;
  migratedFrom: number;
}

export interface StoreOperations {
  open: { args: [path: string, keyHex: string, options: OpenStoreOptions]; result: OpenResult };
  close: { args: []; result: null };
  upsertConversation: { args: [input: ConversationInput, now: number]; result: number };
  nameDirectConversations: { args: [names: readonly DirectConversationName[]]; result: number };
  insertReceivedBatch: { args: [messages: readonly ReceivedMessageInput[]]; result: InsertBatchResult };
  listConversations: { args: [options?: ListConversationsOptions]; result: ConversationSummary[] };
  pageMessages: { args: [conversationId: number, before: MessageCursor | null, limit: number]; result: MessagePage };
  search: { args: [query: string, limit: number]; result: StoredMessage[] };
  unreadCounts: { args: []; result: UnreadCounts };
  markConversationRead: { args: [conversationId: number, at: number]; result: boolean };
  setRoomNotify: { args: [conversationId: number, level: NotifyLevel]; result: boolean };
  quietRooms: { args: []; result: { conversationId: number; notify: NotifyLevel }[] };
  setRoomLeft: { args: [conversationId: number, at: number | null]; result: boolean };
  teamRooms: { args: []; result: TeamRoom[] };
  deleteMessages: { args: [ids: readonly number[]]; result: DeleteResult };
  getSetting: { args: [key: string]; result: string | null };
  setSetting: { args: [key: string, value: string]; result: null };
  appendAudit: { args: [entry: AuditEntryInput]; result: AuditEntry };
  verifyAuditChain: { args: []; result: boolean };
  // Outbox and delivery state (outboxQueries.ts).
  queueOutgoing: { args: [input: OutgoingMessageInput, now: number]; result: number };
  pendingOutbox: { args: []; result: OutboxEntry[] };
  markSent: { args: [messageId: number]; result: boolean };
  recordSendAttempt: { args: [messageId: number, error: string | null, now: number]; result: null };
  findOutgoing: { args: [conversationId: number, originId: string]; result: OutgoingRef | null };
  findOutgoingConversation: { args: [originId: string]; result: ConversationRef | null };
  markFailed: { args: [messageId: number, reason: string, now: number]; result: boolean };
  requeueFailed: { args: [messageId: number, now: number]; result: OutboxEntry | null };
  updateDeliveryByOriginId: { args: [conversationId: number, originId: string, state: 'delivered' | 'read']; result: number };
  updateDeliveryByServerId: { args: [conversationId: number, serverId: string, state: 'delivered' | 'read']; result: number };
  confirmOwnMessages: { args: [confirmations: readonly OwnMessageConfirmation[]]; result: number };
  findConversationByJid: { args: [jid: string]; result: ConversationRef | null };
  findConversationById: { args: [id: number]; result: ConversationRef | null };
  latestIncoming: { args: [conversationId: number]; result: MarkerTarget | null };
  unreadUrgent: { args: []; result: UrgentUnread[] };
  // Drafts (draftQueries.ts).
  saveDraft: { args: [conversationId: number, draft: Draft, now: number]; result: DraftSaved };
  draftFor: { args: [conversationId: number]; result: Draft | null };
  // Clinical governance (governanceQueries.ts). Removals checkpoint the WAL before they return.
  messagesByIds: { args: [conversationId: number, ids: readonly number[]]; result: StoredMessage[] };
  markTranscribed: { args: [conversationId: number, ids: readonly number[], mark: TranscriptionMark]; result: number };
  removeTranscribed: { args: [conversationId: number, ids: readonly number[], remover: RemovalRequest]; result: RemovalResult };
  applyRetraction: { args: [input: RetractionInput]; result: number | null };
  pendingRetractions: { args: []; result: PendingRetraction[] };
  forgetPendingRetraction: { args: [id: string]; result: null };
  purgeSentBefore: { args: [cutoff: number, pendingCutoff: number]; result: DeleteResult };
  needsTranscription: { args: [limit: number]; result: NeedsTranscription[] };
  countNeedsTranscription: { args: []; result: number };
  listAudit: { args: [limit: number]; result: AuditEntry[] };
  // Major incident (incidentQueries.ts). Purges checkpoint the WAL before they return.
  saveIncidentChanges: { args: [changes: IncidentChanges, now: number]; result: null };
  loadIncidentRecords: { args: []; result: IncidentRecords };
  purgeIncidentsBefore: { args: [cutoff: number, open: readonly string[], openCutoff: number]; result: IncidentPurge };
}

export interface RemovalResult extends RemovalOutcome {
  /** False if a reader kept the WAL from being truncated. */
  checkpointed: boolean;
}

export type StoreOperation = keyof StoreOperations;

export type StoreRequest = {
  [K in StoreOperation]: { id: number; op: K; args: StoreOperations[K]['args'] };
}[StoreOperation];

export type StoreResponse =
  | { id: number; ok: true; result: StoreOperations[StoreOperation]['result'] }
  | { id: number; ok: false; error: StoreErrorData };

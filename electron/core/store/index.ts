/** The store's public surface: open with a raw key, then use the async API. */
export { openStore, prestartStoreWorker, type WardlineStore, type StoreClientOptions } from './storeClient.js';
export { StoreError, type StoreErrorKind } from './storeErrors.js';
export { latestSchemaVersion } from './schemaMigrations.js';
export type * from './storeTypes.js';
export type * from './outboxTypes.js';
export type { NeedsTranscription, RemovalRequest, RemovedMessage, Remover, TranscriptionMark } from './governanceQueries.js';
export type { PendingRetraction } from './pendingRetractions.js';
export type { RemovalResult } from './storeProtocol.js';

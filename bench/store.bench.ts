/**
 * Store benchmark: the encrypted store (through its worker, as the app uses it)
 * against plain SQLite running the same store code, schema and settings, on the
 * same generated profile in the same run.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ARCHIVE_PAGE_SIZE } from '../electron/core/chat/chatService.js';
import { openStore, type MessageCursor, type OwnMessageConfirmation, type ReceivedMessageInput } from '../electron/core/store/index.js';
import { OutboxQueries } from '../electron/core/store/outboxQueries.js';
import { stateAccount } from '../electron/core/vault/keychainState.js';
import { memoryKeychain } from '../electron/core/vault/memoryKeychain.js';
import { ProfileRegistry } from '../electron/core/vault/profiles.js';
import {
  generateBatches,
  roomCount,
  searchQueries,
  syncProfile,
  type GeneratedMessage,
  type ProfileShape,
  type SyncConversation,
  type SyncPage,
  type SyncProfile,
} from './clinicalProfile.js';
import { openPlainStore } from './plainSqlite.js';
import type { ProbeFigures, ProbeInput } from './storeProbe.js';

export interface StoreBenchOptions {
  messages: number;
  conversations: number;
  /** Worst-case batch size (uniform-random conversations). */
  worstCaseBatchSize?: number;
  seed?: number;
  /** Skip the uniform-random worst case (quicker iteration). */
  skipWorstCase?: boolean;
}

const pageSamples = 200;
const searchSamples = 60;
const pageSize = 50;
const searchLimit = 50;
/** The file name the session layer gives a profile's store. */
const storeFile = 'wardline.db';
const benchPin = '739164';

/** What a sync does with one archive page: ArchiveCatchUp.run → applyReceived, in that order. */
interface SyncSink {
  insertReceivedBatch(messages: readonly ReceivedMessageInput[]): unknown;
  confirmOwnMessages(confirmations: readonly OwnMessageConfirmation[]): unknown;
  setSetting(key: string, value: string): unknown;
}

/** One page: the batch insert, our own messages confirmed (outbox), then the archive cursor. Returns ms in the store. */
async function storePage(sink: SyncSink, page: SyncPage, ids: readonly number[]): Promise<number> {
  const rows = toInputs(page.messages, ids);
  const own: OwnMessageConfirmation[] = [];
  for (const row of rows) {
    if (row.fromSelf === true && row.originId != null) own.push({ conversationId: row.conversationId, originId: row.originId, serverId: row.serverId ?? null });
  }
  const last = rows.at(-1);
  const cursor = JSON.stringify({ after: last?.serverId ?? '', at: last?.sentAt ?? 0 });
  const started = performance.now();
  await sink.insertReceivedBatch(rows);
  if (own.length > 0) await sink.confirmOwnMessages(own);
  await sink.setSetting(`chat.archive-cursor.${page.archive}`, cursor);
  return performance.now() - started;
}

export async function runStoreBench(opts: StoreBenchOptions): Promise<Record<string, number>> {
  const shape: ProfileShape = {
    messages: opts.messages,
    conversations: Math.max(2, opts.conversations),
    batchSize: opts.worstCaseBatchSize ?? 1000,
    seed: opts.seed ?? 20260101,
  };
  const profileShape = syncProfile(shape, ARCHIVE_PAGE_SIZE);
  const conversations = profileShape.conversations;
  const dir = mkdtempSync(join(tmpdir(), 'wardline-bench-'));
  // The encrypted profile is created as the app creates one: a ProfileRegistry
  // (calibrated scrypt KDF, wrapped raw key) over an in-memory keychain.
  const keychain = memoryKeychain();
  const registry = new ProfileRegistry({ dataDir: join(dir, 'data'), keychain });
  const profile = await registry.createProfile({ displayName: 'Bench', role: 'Staff Nurse', pin: benchPin });
  const keyHex = profile.databaseKeyHex;
  const cipherPath = join(registry.profileDir(profile.id), storeFile);
  const plainPath = join(dir, 'plain', 'store.db');
  const { hot, pages, conversationsPerPage } = syncShape(profileShape);
  const cursors = Array.from({ length: pageSamples }, (_, i) => hot[Math.floor(((i + 0.5) / pageSamples) * hot.length)]).filter(
    (cursor): cursor is MessageCursor => cursor !== undefined,
  );
  const queries = searchQueries(searchSamples, shape.seed);
  const results: Record<string, number> = {
    messages: shape.messages,
    conversations: shape.conversations,
    rooms: roomCount(shape.conversations),
    largestOtherConversationMessages: Math.max(...conversations.slice(1).map((c) => c.messages)),
    hotConversationMessages: hot.length,
    syncPageSize: ARCHIVE_PAGE_SIZE,
    syncPages: pages,
    syncConversationsPerPageMean: round(conversationsPerPage, 2),
  };

  try {
    // Plain SQLite baseline: same MessageStore and OutboxQueries code over better-sqlite3, in this thread.
    {
      mkdirSync(join(dir, 'plain'), { mode: 0o700 });
      const { db, store } = openPlainStore(plainPath);
      const outbox = new OutboxQueries(db);
      const sink: SyncSink = {
        insertReceivedBatch: (messages) => store.insertReceivedBatch(messages),
        confirmOwnMessages: (confirmations) => outbox.confirmOwnMessages(confirmations),
        setSetting: (key, value) => store.setSetting(key, value),
      };
      const ids = conversations.map((c) => store.upsertConversation(c, 0));
      let elapsed = 0;
      for (const page of profileShape.pages()) elapsed += await storePage(sink, page, ids);
      results['insertPlainMsgPerSec'] = Math.round(shape.messages / (elapsed / 1000));
      const hotId = ids[0] ?? 1;
      results['pagePlainMedianMs'] = median(timeEach(cursors, (cursor) => store.pageMessages(hotId, cursor, pageSize)));
      results['searchPlainMedianMs'] = median(timeEach(queries, (query) => store.search(query, searchLimit)));
      store.checkpoint();
      db.close();
      results['dbPlainMB'] = round(fileSize(plainPath) / 2 ** 20, 1);
      rmSync(join(dir, 'plain'), { recursive: true, force: true });
    }

    // Encrypted store through its worker: every figure includes the thread hop.
    {
      const store = await openStore(cipherPath, keyHex);
      const ids = [];
      for (const c of conversations) ids.push(await store.upsertConversation(c));
      let elapsed = 0;
      for (const page of profileShape.pages()) elapsed += await storePage(store, page, ids);
      results['insertCipherMsgPerSec'] = Math.round(shape.messages / (elapsed / 1000));
      results['insertCipherToPlainRatio'] = round((results['insertCipherMsgPerSec'] ?? 0) / (results['insertPlainMsgPerSec'] ?? 1), 3);
      const hotId = ids[0] ?? 1;
      const pageTimes = await timeEachAsync(cursors, async (cursor) => {
        const page = await store.pageMessages(hotId, cursor, pageSize);
        if (page.messages.length === 0) throw new Error('empty page');
      });
      results['pageMedianMs'] = median(pageTimes);
      results['pageP95Ms'] = percentile(pageTimes, 0.95);
      const searchTimes = await timeEachAsync(queries, (query) => store.search(query, searchLimit));
      results['searchMedianMs'] = median(searchTimes);
      results['searchP95Ms'] = percentile(searchTimes, 0.95);
      await store.close();
      results['dbCipherMB'] = round(fileSize(cipherPath) / 2 ** 20, 1);
    }

    if (opts.skipWorstCase !== true) Object.assign(results, await worstCase(shape, conversations, dir, keyHex));

    Object.assign(
      results,
      await probeOpenProfile({
        dataDir: registry.dataDir,
        profileId: profile.id,
        pin: benchPin,
        storeFile,
        keychainSecret: keychain.entries.get(profile.id) ?? '',
        keychainState: keychain.entries.get(stateAccount(profile.id)) ?? '',
      }),
    );
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The worst case, kept visible: the same number of messages in batches of
 * 1,000 whose conversations are drawn uniformly at random, so each batch
 * touches ~800 conversations' index ranges. Plain and encrypted, same run,
 * into their own files (the probe and the page/search figures use the
 * sync-shaped profile).
 */
async function worstCase(shape: ProfileShape, conversations: readonly SyncConversation[], dir: string, keyHex: string): Promise<Record<string, number>> {
  const results: Record<string, number> = { insertWorstCaseBatchSize: shape.batchSize };
  let touched = 0;
  let batches = 0;
  {
    const path = join(dir, 'worst-plain', 'store.db');
    mkdirSync(join(dir, 'worst-plain'), { mode: 0o700 });
    const { db, store } = openPlainStore(path);
    const ids = conversations.map((c) => store.upsertConversation(c, 0));
    let elapsed = 0;
    for (const batch of generateBatches(shape)) {
      const messages = toInputs(batch, ids);
      touched += new Set(messages.map((m) => m.conversationId)).size;
      batches += 1;
      const started = performance.now();
      store.insertReceivedBatch(messages);
      elapsed += performance.now() - started;
    }
    results['insertWorstCasePlainMsgPerSec'] = Math.round(shape.messages / (elapsed / 1000));
    db.close();
    rmSync(join(dir, 'worst-plain'), { recursive: true, force: true });
  }
  results['insertWorstCaseConversationsPerBatchMean'] = round(touched / batches, 1);
  {
    const path = join(dir, 'worst-cipher', storeFile);
    const store = await openStore(path, keyHex);
    const ids = [];
    for (const c of conversations) ids.push(await store.upsertConversation(c));
    let elapsed = 0;
    for (const batch of generateBatches(shape)) {
      const messages = toInputs(batch, ids);
      const started = performance.now();
      await store.insertReceivedBatch(messages);
      elapsed += performance.now() - started;
    }
    results['insertWorstCaseCipherMsgPerSec'] = Math.round(shape.messages / (elapsed / 1000));
    await store.close();
    rmSync(join(dir, 'worst-cipher'), { recursive: true, force: true });
  }
  results['insertWorstCaseCipherToPlainRatio'] = round(
    (results['insertWorstCaseCipherMsgPerSec'] ?? 0) / (results['insertWorstCasePlainMsgPerSec'] ?? 1),
    3,
  );
  return results;
}

/** Keyset cursors for every message of the busy room (row id = delivery position + 1), and the delivery's shape. */
function syncShape(profile: SyncProfile): { hot: MessageCursor[]; pages: number; conversationsPerPage: number } {
  const hot: MessageCursor[] = [];
  let pages = 0;
  let touched = 0;
  for (const page of profile.pages()) {
    pages += 1;
    touched += new Set(page.messages.map(({ message }) => message.conversation)).size;
    for (const { index, message } of page.messages) if (message.conversation === 0) hot.push({ sentAt: message.sentAt, id: index + 1 });
  }
  if (hot.length !== profile.conversations[0]?.messages) throw new Error('profile generator and busy conversation disagree');
  return { hot, pages, conversationsPerPage: touched / Math.max(1, pages) };
}

function toInputs(batch: readonly GeneratedMessage[], ids: readonly number[]): ReceivedMessageInput[] {
  return batch.map(({ message: { conversation, ...rest } }) => ({ ...rest, conversationId: ids[conversation] ?? 1 }));
}

/**
 * Unlock-to-first-list and RSS in a fresh process with the profile open, so
 * nothing from generating the profile is counted.
 */
async function probeOpenProfile(input: ProbeInput): Promise<ProbeFigures> {
  const probe = fileURLToPath(new URL('./storeProbe.ts', import.meta.url));
  const child = promisify(execFile)(process.execPath, [...process.execArgv, probe], { maxBuffer: 1 << 20 });
  // The PIN and keychain secret go over stdin, never argv.
  child.child.stdin?.end(JSON.stringify(input));
  const { stdout } = await child;
  const parsed: unknown = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
  if (typeof parsed !== 'object' || parsed === null) throw new Error('probe printed no figures');
  const figures = parsed as Record<string, unknown>;
  const read = (key: keyof ProbeFigures): number => {
    const value = figures[key];
    if (typeof value !== 'number') throw new Error(`probe printed no ${key}`);
    return value;
  };
  return {
    unlockKdfMs: read('unlockKdfMs'),
    unlockToFirstListMs: read('unlockToFirstListMs'),
    unlockToFirstListColdMs: read('unlockToFirstListColdMs'),
    rssMB: read('rssMB'),
  };
}

function timeEach<T>(inputs: readonly T[], fn: (input: T) => unknown): number[] {
  return inputs.map((input) => {
    const started = performance.now();
    fn(input);
    return performance.now() - started;
  });
}

async function timeEachAsync<T>(inputs: readonly T[], fn: (input: T) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (const input of inputs) {
    const started = performance.now();
    await fn(input);
    times.push(performance.now() - started);
  }
  return times;
}

function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN, 2);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function fileSize(path: string): number {
  return ['', '-wal'].reduce((sum, suffix) => sum + (existsSync(path + suffix) ? statSync(path + suffix).size : 0), 0);
}

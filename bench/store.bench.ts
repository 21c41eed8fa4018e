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
import { openStore, type MessageCursor, type ReceivedMessageInput } from '../electron/core/store/index.js';
import { memoryKeychain } from '../electron/core/vault/memoryKeychain.js';
import { ProfileRegistry } from '../electron/core/vault/profiles.js';
import { generateBatches, hotConversationSize, searchQueries, type GeneratedMessage, type ProfileShape } from './clinicalProfile.js';
import { openPlainStore } from './plainSqlite.js';
import type { ProbeFigures, ProbeInput } from './storeProbe.js';

export interface StoreBenchOptions {
  messages: number;
  conversations: number;
  batchSize?: number;
  seed?: number;
}

const pageSamples = 200;
const searchSamples = 60;
const pageSize = 50;
const searchLimit = 50;
/** The file name the session layer gives a profile's store. */
const storeFile = 'wardline.db';
const benchPin = '739164';

export async function runStoreBench(opts: StoreBenchOptions): Promise<Record<string, number>> {
  const shape: ProfileShape = {
    messages: opts.messages,
    conversations: Math.max(2, opts.conversations),
    batchSize: opts.batchSize ?? 1000,
    seed: opts.seed ?? 20260101,
  };
  const dir = mkdtempSync(join(tmpdir(), 'wardline-bench-'));
  // The encrypted profile is created as the app creates one: a ProfileRegistry
  // (calibrated scrypt KDF, wrapped raw key) over an in-memory keychain.
  const keychain = memoryKeychain();
  const registry = new ProfileRegistry({ dataDir: join(dir, 'data'), keychain });
  const profile = await registry.createProfile({ displayName: 'Bench', role: 'Staff Nurse', pin: benchPin });
  const keyHex = profile.databaseKeyHex;
  const cipherPath = join(registry.profileDir(profile.id), storeFile);
  const plainPath = join(dir, 'plain', 'store.db');
  const hot = hotCursors(shape);
  const cursors = Array.from({ length: pageSamples }, (_, i) => hot[Math.floor(((i + 0.5) / pageSamples) * hot.length)]).filter(
    (cursor): cursor is MessageCursor => cursor !== undefined,
  );
  const queries = searchQueries(searchSamples, shape.seed);
  const results: Record<string, number> = {
    messages: shape.messages,
    conversations: shape.conversations,
    batchSize: shape.batchSize,
    hotConversationMessages: hot.length,
  };

  try {
    // Plain SQLite baseline: same MessageStore code over better-sqlite3, in this thread.
    {
      mkdirSync(join(dir, 'plain'), { mode: 0o700 });
      const { db, store } = openPlainStore(plainPath);
      const ids = [];
      for (let c = 0; c < shape.conversations; c += 1) ids.push(store.upsertConversation(conversationInput(c), 0));
      let elapsed = 0;
      for (const batch of generateBatches(shape)) {
        const messages = toInputs(batch, ids);
        const started = performance.now();
        store.insertReceivedBatch(messages);
        elapsed += performance.now() - started;
      }
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
      for (let c = 0; c < shape.conversations; c += 1) ids.push(await store.upsertConversation(conversationInput(c)));
      let elapsed = 0;
      for (const batch of generateBatches(shape)) {
        const messages = toInputs(batch, ids);
        const started = performance.now();
        await store.insertReceivedBatch(messages);
        elapsed += performance.now() - started;
      }
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

    Object.assign(
      results,
      await probeOpenProfile({
        dataDir: registry.dataDir,
        profileId: profile.id,
        pin: benchPin,
        storeFile,
        keychainSecret: keychain.entries.get(profile.id) ?? '',
      }),
    );
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Keyset cursors for every message of the busy conversation, known from the generator. */
function hotCursors(shape: ProfileShape): MessageCursor[] {
  const cursors: MessageCursor[] = [];
  for (const batch of generateBatches(shape)) {
    for (const { index, message } of batch) if (message.conversation === 0) cursors.push({ sentAt: message.sentAt, id: index + 1 });
  }
  if (cursors.length !== hotConversationSize(shape)) throw new Error('profile generator and busy conversation disagree');
  return cursors;
}

function conversationInput(c: number): { jid: string; kind: 'direct' | 'room'; title: string } {
  return c % 4 === 0
    ? { jid: `ward-${c}@rooms.trust.example`, kind: 'room', title: `Ward ${c}` }
    : { jid: `staff-${c}@trust.example`, kind: 'direct', title: `Colleague ${c}` };
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

/**
 * Child process of the store benchmark: unlocks an existing profile the way
 * the app does (ProfileRegistry: keychain secret + scrypt KDF + key unwrap),
 * opens its store and shows the first conversation list, then pages, searches
 * and reports its RSS. A fresh process, so nothing from generating the
 * profile is counted.
 *
 * Usage: tsx bench/storeProbe.ts, with one JSON ProbeInput on stdin (the PIN
 * and keychain secret travel over stdin, never argv).
 *
 * The keychain is memoryKeychain() seeded with the parent's entry: the real
 * OS keychain's round trip (Secret Service over D-Bus, DPAPI, Keychain) is
 * not part of these figures.
 */
import { join } from 'node:path';
import { openStore, prestartStoreWorker } from '../electron/core/store/index.js';
import { stateAccount } from '../electron/core/vault/keychainState.js';
import { memoryKeychain } from '../electron/core/vault/memoryKeychain.js';
import { ProfileRegistry } from '../electron/core/vault/profiles.js';

export interface ProbeInput {
  dataDir: string;
  profileId: string;
  pin: string;
  storeFile: string;
  /** The profile's keychain state entry (keychainState.ts): a tracked secret without it is refused. */
  keychainState: string;
  keychainSecret: string;
}

export interface ProbeFigures {
  unlockKdfMs: number;
  unlockToFirstListMs: number;
  unlockToFirstListColdMs: number;
  rssMB: number;
}

const warmRuns = 3;

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

function parseInput(text: string): ProbeInput {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null) throw new Error('probe input must be a JSON object');
  const field = (name: keyof ProbeInput): string => {
    const value: unknown = (parsed as Record<string, unknown>)[name];
    if (typeof value !== 'string') throw new Error(`probe input needs ${name}`);
    return value;
  };
  return {
    dataDir: field('dataDir'),
    profileId: field('profileId'),
    pin: field('pin'),
    storeFile: field('storeFile'),
    keychainSecret: field('keychainSecret'),
    keychainState: field('keychainState'),
  };
}

const input = parseInput(await readStdin());
const keychain = memoryKeychain();
keychain.entries.set(input.profileId, input.keychainSecret);
keychain.entries.set(stateAccount(input.profileId), input.keychainState);
const registry = new ProfileRegistry({ dataDir: input.dataDir, keychain });
const storePath = join(registry.profileDir(input.profileId), input.storeFile);

/** PIN submitted -> key unwrapped (KDF) -> store open -> first conversation list. */
async function unlockToFirstList(): Promise<{ kdfMs: number; beyondKdfMs: number }> {
  const started = performance.now();
  const keyHex = await registry.unlockProfile(input.profileId, input.pin);
  const unlocked = performance.now();
  const store = await openStore(storePath, keyHex, { create: false });
  // As the app lists them by default (policy conversationPreviews): with each newest message.
  const conversations = await store.listConversations({ previews: true });
  const listed = performance.now();
  if (conversations.length === 0) throw new Error('the profile has no conversations');
  await store.close();
  return { kdfMs: unlocked - started, beyondKdfMs: listed - unlocked };
}

// Cold: the store worker starts after the KDF, so its code load is on the path.
const cold = await unlockToFirstList();

// As the app does it: the worker is prestarted when the lock screen shows, so
// its start-up overlaps the PIN entry and the KDF instead of following them.
const warm: { kdfMs: number; beyondKdfMs: number }[] = [];
for (let run = 0; run < warmRuns; run += 1) {
  prestartStoreWorker();
  // The lock screen is up for a moment before the PIN arrives.
  await new Promise((resolve) => setTimeout(resolve, 500));
  warm.push(await unlockToFirstList());
}

// RSS with the profile open and in use: list, a page, a search, the lock-screen counts.
const store = await openStore(storePath, await registry.unlockProfile(input.profileId, input.pin), { create: false });
const conversations = await store.listConversations({ previews: true });
await store.pageMessages(conversations[0]?.id ?? 1, null, 50);
await store.search('chest pain', 50);
await store.unreadCounts();
const rssMB = Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;
await store.close();

const middle = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const figures: ProbeFigures = {
  unlockKdfMs: Math.round(middle(warm.map((run) => run.kdfMs))),
  unlockToFirstListMs: Math.round(middle(warm.map((run) => run.beyondKdfMs))),
  unlockToFirstListColdMs: Math.round(cold.beyondKdfMs),
  rssMB,
};
console.log(JSON.stringify(figures));

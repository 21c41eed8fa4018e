/**
 * Child process of the store benchmark: opens an existing profile, shows the
 * first conversation list and a page, runs a search, and reports its RSS.
 * Usage: tsx bench/storeProbe.ts <db path>, with the hex key on stdin.
 */
import { openStore } from '../electron/core/store/index.js';

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.trim();
}

async function openToFirstList(path: string, keyHex: string): Promise<{ ms: number; close: () => Promise<void>; firstId: number }> {
  const started = performance.now();
  const store = await openStore(path, keyHex, { create: false });
  const conversations = await store.listConversations();
  const ms = performance.now() - started;
  return { ms, close: () => store.close(), firstId: conversations[0]?.id ?? 1 };
}

const path = process.argv[2];
if (path === undefined) throw new Error('usage: storeProbe.ts <db path> (key on stdin)');
const keyHex = await readStdin();

// The first open also pays for loading the worker's code; an app that has
// been running (lock/unlock) has it warm, which the second open shows.
const cold = await openToFirstList(path, keyHex);
await cold.close();
const warm = await openToFirstList(path, keyHex);
await warm.close();

const store = await openStore(path, keyHex, { create: false });
const conversations = await store.listConversations();
await store.pageMessages(conversations[0]?.id ?? 1, null, 50);
await store.search('chest pain', 50);
await store.unreadCounts();
const rssMB = Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;
await store.close();

console.log(JSON.stringify({ openToFirstListColdMs: Math.round(cold.ms), openToFirstListMs: Math.round(warm.ms), rssMB }));

/**
 * Diagnostic, not part of `npm run bench`: which B-trees the sync-shaped insert writes, in WAL
 * frames (4 KiB pages, each one encrypted and HMACed under SQLCipher) per message. Plain SQLite with
 * the store's own code and schema, so `dbstat` can name each page; the encrypted store writes the
 * same pages. `npx tsx bench/walWrites.ts [messages]` (default 200,000; about a minute).
 */
import { mkdtempSync, openSync, readSync, fstatSync, closeSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { syncProfile } from './clinicalProfile.js';
import { openPlainStore } from './plainSqlite.js';
import { OutboxQueries } from '../electron/core/store/outboxQueries.js';
import { ARCHIVE_PAGE_SIZE } from '../electron/core/chat/index.js';
import type { ReceivedMessageInput, OwnMessageConfirmation } from '../electron/core/store/index.js';

const messages = Number(process.argv[2] ?? 200000);
const dir = mkdtempSync(join(tmpdir(), 'wardline-wal-'));
const path = join(dir, 'store.db');
const { db, store } = openPlainStore(path);
db.exec('PRAGMA wal_autocheckpoint=0');
const outbox = new OutboxQueries(db);
const shape = { messages, conversations: 2000, batchSize: 1000, seed: 20260101 };
const profile = syncProfile(shape, ARCHIVE_PAGE_SIZE);
const ids = profile.conversations.map((c) => store.upsertConversation(c, 0));
db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
const inspect = new Database(path, { readonly: true });
/** A WAL frame: 24-byte header (page number first, big-endian) and the page. */
const FRAME = 24 + 4096;
const perTree = new Map<string, number>();
let framesTotal = 0, distinctTotal = 0, msgs = 0, pages = 0, sampledMsgs = 0;
let windowMsgs = 0;
function readFrames(): number[] {
  const fd = openSync(path + '-wal', 'r');
  const size = fstatSync(fd).size;
  const out: number[] = [];
  const buf = Buffer.alloc(4);
  for (let off = 32; off + FRAME <= size; off += FRAME) { readSync(fd, buf, 0, 4, off); out.push(buf.readUInt32BE(0)); }
  closeSync(fd);
  return out;
}
let windowNo = 0;
for (const page of profile.pages()) {
  const rows: ReceivedMessageInput[] = page.messages.map(({ message: { conversation, ...rest } }) => ({ ...rest, conversationId: ids[conversation] ?? 1 }));
  const own: OwnMessageConfirmation[] = [];
  for (const row of rows) if (row.fromSelf === true && row.originId != null) own.push({ conversationId: row.conversationId, originId: row.originId, serverId: row.serverId ?? null });
  store.insertReceivedBatch(rows);
  if (own.length > 0) outbox.confirmOwnMessages(own);
  store.setSetting(`chat.archive-cursor.${page.archive}`, JSON.stringify({ after: rows.at(-1)?.serverId ?? '', at: 0 }));
  msgs += rows.length; windowMsgs += rows.length; pages += 1;
  // Every 20 archive pages: count the frames written, name them in every fourth window, checkpoint.
  if (pages % 20 === 0) {
    const frames = readFrames();
    framesTotal += frames.length;
    distinctTotal += new Set(frames).size;
    windowNo += 1;
    if (windowNo % 4 === 0) {
      const names = new Map<number, string>();
      for (const r of inspect.prepare('select name, pageno from dbstat').all() as { name: string; pageno: number }[]) names.set(r.pageno, r.name);
      for (const p of frames) { const n = names.get(p) ?? '?'; perTree.set(n, (perTree.get(n) ?? 0) + 1); }
      sampledMsgs += windowMsgs;
    }
    windowMsgs = 0;
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  }
}
inspect.close();
db.close();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ msgs, pages, framesPerMsg: framesTotal / msgs, distinctPagesPer20PageWindowPerMsg: distinctTotal / msgs, sampledMsgs }));
for (const [n, c] of [...perTree.entries()].sort((a, b) => b[1] - a[1])) console.log(n.padEnd(40), (c / sampledMsgs).toFixed(3), 'frames/msg');

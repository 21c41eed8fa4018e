/**
 * Files found next to a store that are not its own (a backup restore or a sync tool mixing
 * folders): a -wal or -journal from another database, or the right files under a wrong key.
 * SQLite replays a WAL (checkpoint on close) and a hot journal by copying raw pages, with no key,
 * so a failed open used to overwrite an intact store while telling the person nothing changed.
 * A failed open must leave every file byte for byte as it was; a crash leftover WAL of the store
 * itself must still be replayed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../electron/core/store/index.js';
import { openStoreFile, type OpenedStore } from '../../electron/core/store/storeFiles.js';

const root = mkdtempSync(join(tmpdir(), 'wardline-sidecars-'));
const keyHex = randomBytes(32).toString('hex');
const otherKeyHex = randomBytes(32).toString('hex');
let folders = 0;

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function newPath(): string {
  folders += 1;
  const dir = join(root, `p${folders}`);
  mkdirSync(dir);
  return join(dir, 'store.db');
}

/** A hash of each file SQLite could write for the store; 'absent' for a file that is not there. */
function fingerprint(path: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const suffix of ['', '-wal', '-journal']) {
    result[suffix || 'db'] = existsSync(path + suffix) ? createHash('sha256').update(readFileSync(path + suffix)).digest('hex') : 'absent';
  }
  return result;
}

/** A closed, checkpointed store holding one conversation. */
async function intactStore(key = keyHex): Promise<string> {
  const path = newPath();
  const store = await openStore(path, key);
  await store.upsertConversation({ jid: 'ward7@rooms.trust.example', kind: 'room', title: 'Ward 7' });
  await store.close();
  expect(existsSync(`${path}-wal`)).toBe(false);
  return path;
}

/** Runs `write` on an open store, then copies its files as a crash would leave them (WAL not checkpointed). */
function snapshotWhileOpen(key: string, write: (opened: OpenedStore) => void, setUp?: (opened: OpenedStore) => void): string {
  const source = newPath();
  if (setUp !== undefined) {
    const first = openStoreFile(source, key);
    setUp(first);
    first.db.close();
  }
  const opened = openStoreFile(source, key);
  try {
    write(opened);
    const copy = newPath();
    for (const suffix of ['', '-wal', '-shm']) copyFileSync(source + suffix, copy + suffix);
    return copy;
  } finally {
    opened.db.close();
  }
}

const conversation = (jid: string, title: string) => ({ jid, kind: 'room' as const, title });

describe('files next to the store that belong to another database', () => {
  it('a -wal from a store with another key is refused, and neither file is changed', async () => {
    const path = await intactStore();
    // A new store's schema, page 1 included, is still in its WAL.
    const foreign = snapshotWhileOpen(otherKeyHex, ({ store }) => store.upsertConversation(conversation('theatres@rooms.trust.example', 'Theatres'), 1));
    copyFileSync(`${foreign}-wal`, `${path}-wal`);
    const before = fingerprint(path);

    await expect(openStore(path, keyHex, { create: false })).rejects.toMatchObject({ kind: 'wrong-key-or-not-wardline' });
    expect(fingerprint(path)).toEqual(before);
    expect(before['-wal']).not.toBe('absent');

    // What IT does: take the stray WAL away; the store is as it was.
    rmSync(`${path}-wal`);
    const store = await openStore(path, keyHex, { create: false });
    expect((await store.listConversations()).map((c) => c.title)).toEqual(['Ward 7']);
    await store.close();
  });

  it('a -wal from another key that leaves page 1 alone (the key check passes on the file) is refused too', async () => {
    const path = await intactStore();
    // Only a settings row changes: the WAL holds the one leaf page, not page 1.
    const foreign = snapshotWhileOpen(
      otherKeyHex,
      ({ store }) => store.setSetting('theme', 'dark'),
      ({ store }) => store.setSetting('theme', 'lite'),
    );
    copyFileSync(`${foreign}-wal`, `${path}-wal`);
    const before = fingerprint(path);

    const attempt = (async () => {
      const store = await openStore(path, keyHex, { create: false });
      try {
        await store.getSetting('theme');
        await store.listConversations();
      } finally {
        await store.close().catch(() => undefined);
      }
    })();
    await expect(attempt).rejects.toMatchObject({ kind: 'wrong-key-or-not-wardline' });
    expect(fingerprint(path)).toEqual(before);
  });

  it('a hot -journal from another database is refused, not rolled back into the store', async () => {
    const path = await intactStore();
    const source = newPath();
    const writer = openStoreFile(source, otherKeyHex).db;
    writer.exec('PRAGMA journal_mode = DELETE; PRAGMA cache_size = 1; CREATE TABLE filler (x BLOB); INSERT INTO filler VALUES (randomblob(100000))');
    writer.exec('BEGIN; UPDATE filler SET x = randomblob(100000)');
    copyFileSync(`${source}-journal`, `${path}-journal`);
    writer.exec('COMMIT');
    writer.close();
    const before = fingerprint(path);

    await expect(openStore(path, keyHex, { create: false })).rejects.toMatchObject({ kind: 'corrupt' });
    expect(fingerprint(path)).toEqual(before);
  });

  it('the right files under a wrong key: refused, and its crash-leftover WAL is neither replayed nor deleted', async () => {
    const path = snapshotWhileOpen(keyHex, ({ store }) => store.upsertConversation(conversation('ed@rooms.trust.example', 'ED'), 1));
    const before = fingerprint(path);

    await expect(openStore(path, otherKeyHex, { create: false })).rejects.toMatchObject({ kind: 'wrong-key-or-not-wardline' });
    expect(fingerprint(path)).toEqual(before);
    expect(before['-wal']).not.toBe('absent');
  });
});

describe("the store's own leftover WAL", () => {
  it('is replayed by a normal open after a crash: nothing written before the crash is lost', async () => {
    const path = snapshotWhileOpen(keyHex, ({ store }) => {
      const ward = store.upsertConversation(conversation('ward7@rooms.trust.example', 'Ward 7'), 1);
      for (let n = 0; n < 50; n += 1) {
        store.insertReceivedBatch([{ conversationId: ward, serverId: `s${n}`, senderJid: 'a@trust.example', body: `Obs round ${n}`, sentAt: n, receivedAt: n }]);
      }
    });
    // A frame torn by the crash, after the last commit: SQLite ignores it, and so must the check.
    appendFileSync(`${path}-wal`, randomBytes(24 + 4096));

    // The messages are only in the WAL: the main file alone does not have them.
    const mainOnly = newPath();
    copyFileSync(path, mainOnly);
    const without = await openStore(mainOnly, keyHex, { create: false });
    expect(await without.listConversations()).toEqual([]);
    await without.close();

    const store = await openStore(path, keyHex, { create: false });
    try {
      const [ward] = await store.listConversations();
      expect(ward).toMatchObject({ title: 'Ward 7', unread: 50 });
      expect((await store.pageMessages(ward!.id, null, 100)).messages).toHaveLength(50);
    } finally {
      await store.close();
    }
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('recovers a page 1 torn in the file by a power cut during a checkpoint, from its committed copy in the WAL', async () => {
    const path = snapshotWhileOpen(
      keyHex,
      ({ store }) => {
        const ward = store.upsertConversation(conversation('ward9@rooms.trust.example', 'Ward 9'), 1);
        // Enough to grow the file: page 1 (which holds the database size) gets a new copy in the WAL.
        store.insertReceivedBatch(Array.from({ length: 400 }, (_, n) => ({ conversationId: ward, serverId: `t${n}`, senderJid: 'a@trust.example', body: `Fluid balance ${n}`, sentAt: n, receivedAt: n })));
      },
      ({ store }) => void store.upsertConversation(conversation('beds@rooms.trust.example', 'Beds'), 1),
    );
    // The checkpoint was writing page 1 when the power went: its tail is garbage now.
    const fd = openSync(path, 'r+');
    writeSync(fd, randomBytes(2048), 0, 2048, 1024);
    closeSync(fd);
    const store = await openStore(path, keyHex, { create: false });
    try {
      expect((await store.listConversations()).map((c) => c.title).sort()).toEqual(['Beds', 'Ward 9']);
    } finally {
      await store.close();
    }
  });
});

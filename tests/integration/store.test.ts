/**
 * The encrypted store against real SQLCipher: what is on disk, who can read it,
 * and that deletion leaves nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, prestartStoreWorker, StoreError, type ReceivedMessageInput, type WardlineStore } from '../../electron/core/store/index.js';
import { PREVIEW_CHARACTERS } from '../../electron/core/store/conversationPreview.js';
import { openPlainStore } from '../../bench/plainSqlite.js';
import { containsText, readWithJourneyapps } from '../fixtures/storeFiles.js';

const secret = 'Quokkafinch nebuliser 7731 for Mrs Marchbanks';
const secretWord = 'quokkafinch';

let root: string;
let profileDir: string;
let dbPath: string;
const keyHex = randomBytes(32).toString('hex');

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'wardline-store-'));
  profileDir = join(root, 'profiles', 'p1');
  dbPath = join(profileDir, 'store.db');
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function received(conversationId: number, n: number, overrides: Partial<ReceivedMessageInput> = {}): ReceivedMessageInput {
  return {
    conversationId,
    serverId: `srv-${conversationId}-${n}`,
    originId: `orig-${conversationId}-${n}`,
    senderJid: 'sr.patel@trust.example',
    senderName: 'Dr Patel',
    senderRole: 'Registrar',
    body: `Routine update ${n}: obs stable, continue plan`,
    sentAt: 1_700_000_000_000 + n * 1000,
    receivedAt: 1_700_000_000_500 + n * 1000,
    ...overrides,
  };
}

describe('encrypted store', () => {
  let store: WardlineStore;
  let ward: number;
  let direct: number;

  beforeAll(async () => {
    store = await openStore(dbPath, keyHex);
    ward = await store.upsertConversation({ jid: 'ward7@rooms.trust.example', kind: 'room', title: 'Ward 7' });
    direct = await store.upsertConversation({ jid: 'sr.patel@trust.example', kind: 'direct', title: 'Dr Patel' });
  });

  afterAll(async () => {
    await store.close();
  });

  it('creates an owner-only directory and owner-only files', async () => {
    await store.insertReceivedBatch([received(direct, 0)]);
    expect(statSync(profileDir).mode & 0o777).toBe(0o700);
    for (const suffix of ['', '-wal', '-shm']) {
      expect(existsSync(dbPath + suffix), `${suffix || 'db'} exists`).toBe(true);
      expect(statSync(dbPath + suffix).mode & 0o777, `${suffix || 'db'} mode`).toBe(0o600);
    }
  });

  it('inserts a batch, de-duplicates by server id and origin id, and keeps counts', async () => {
    const batch = Array.from({ length: 120 }, (_, n) => received(ward, n, n % 10 === 0 ? { urgency: 'urgent' } : {}));
    batch.push(received(ward, 200, { body: secret, urgency: 'urgent' }));
    expect(await store.insertReceivedBatch(batch)).toEqual({ inserted: 121, duplicates: 0 });

    // The same stanzas again (MAM overlap), one by server id only, one by origin id only.
    const again = [
      received(ward, 5),
      received(ward, 6, { originId: null }),
      received(ward, 7, { serverId: null }),
      // Same origin id from a different sender is a different message.
      received(ward, 8, { serverId: 'srv-other', senderJid: 'someone.else@trust.example' }),
    ];
    expect(await store.insertReceivedBatch(again)).toEqual({ inserted: 1, duplicates: 3 });

    const conversations = await store.listConversations();
    expect(conversations.map((c) => c.title)).toEqual(['Ward 7', 'Dr Patel']);
    const wardSummary = conversations[0];
    expect(wardSummary).toMatchObject({ kind: 'room', unread: 122, urgentUnread: 13 });
    expect(wardSummary?.lastActivityAt).toBe(received(ward, 200).sentAt);
    expect(await store.unreadCounts()).toEqual({ unread: 123, urgent: 13 });
  });

  it('pages with a keyset cursor, newest page first, each page oldest first, no gaps or repeats', async () => {
    const seen: number[] = [];
    let before = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<WardlineStore['pageMessages']>> = await store.pageMessages(ward, before, 50);
      const times = page.messages.map((m) => m.sentAt);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      if (seen.length > 0) expect(Math.max(...times)).toBeLessThanOrEqual(Math.min(...seen));
      seen.push(...times);
      before = page.before;
      pages += 1;
    } while (before !== null);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(122);
    expect(new Set(seen).size).toBe(121); // n = 8 twice: same time, two senders
    const newest = await store.pageMessages(ward, null, 2);
    expect(newest.messages.map((m) => m.body)).toEqual([received(ward, 119).body, secret]);
  });

  it('orders messages with equal timestamps by id across page boundaries', async () => {
    const at = 1_800_000_000_000;
    const same = Array.from({ length: 7 }, (_, n) => received(direct, 1000 + n, { sentAt: at }));
    await store.insertReceivedBatch(same);
    const first = await store.pageMessages(direct, null, 3);
    const second = await store.pageMessages(direct, first.before, 3);
    const third = await store.pageMessages(direct, second.before, 3);
    const ids = [...third.messages, ...second.messages, ...first.messages].map((m) => m.id);
    expect(ids).toHaveLength(8);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(third.before).toBeNull();
  });

  it('searches the full-text index, newest first, whatever the person types', async () => {
    const hits = await store.search('quokkafinch nebul', 10);
    expect(hits.map((m) => m.body)).toEqual([secret]);
    // Newest first means most recently stored: the seven same-time messages came last.
    const recent = await store.search('obs stable', 5);
    expect(recent.map((m) => m.sentAt)).toEqual(Array(5).fill(1_800_000_000_000));
    expect(recent.map((m) => m.id)).toEqual([...recent.map((m) => m.id)].sort((a, b) => b - a));
    for (const hostile of ['"', 'AND', 'NEAR(', 'body:x', '*', '(((', "'; DROP TABLE messages; --", '^', '-', '']) {
      await expect(store.search(hostile, 10)).resolves.toBeInstanceOf(Array);
    }
  });

  /**
   * Other SQLite builds in this process must not touch the file while the store
   * is open: POSIX locks are per process, so their close() would drop ours.
   */
  async function withStoreClosed(fn: () => Promise<void> | void): Promise<void> {
    await store.close();
    try {
      await fn();
    } finally {
      store = await openStore(dbPath, keyHex, { create: false });
    }
  }

  it('keeps message text out of the raw files', async () => {
    await withStoreClosed(() => {
      expect(containsText(dbPath, secret)).toBe(false);
      expect(containsText(dbPath, secretWord)).toBe(false);
    });
    // And while open, with the text in the WAL.
    expect(existsSync(`${dbPath}-wal`)).toBe(true);
    expect(containsText(dbPath, secretWord)).toBe(false);
  });

  it('is not a plain SQLite file', async () => {
    await withStoreClosed(() => {
      const plain = new BetterSqlite(dbPath, { readonly: true });
      try {
        expect(() => plain.prepare('SELECT count(*) FROM sqlite_master').get()).toThrow(/file is not a database/);
      } finally {
        plain.close();
      }
    });
  });

  it('opens in an independent SQLCipher with the raw key, and not without it', () => withStoreClosed(async () => {
    const keyPragma = `PRAGMA key = "x'${keyHex}'"`;
    const rows = await readWithJourneyapps(dbPath, [keyPragma], `SELECT body FROM messages WHERE body LIKE '%nebuliser%'`);
    expect(rows).toEqual([{ body: secret }]);
    // The newest in its room, so the room's preview holds a copy of it too (what deletion must also remove).
    expect(await readWithJourneyapps(dbPath, [keyPragma], `SELECT latest_text FROM conversations WHERE latest_text LIKE '%nebuliser%'`)).toEqual([{ latest_text: secret }]);
    await expect(readWithJourneyapps(dbPath, [], 'SELECT count(*) FROM sqlite_master')).rejects.toThrow(/not a database/);
    const wrong = `PRAGMA key = "x'${randomBytes(32).toString('hex')}'"`;
    await expect(readWithJourneyapps(dbPath, [wrong], 'SELECT count(*) FROM sqlite_master')).rejects.toThrow(/not a database/);
  }));

  it('deletes with no remnant: row, search index and WAL', async () => {
    const [hit] = await store.search(secretWord, 1);
    expect(hit).toBeDefined();
    const before = await store.unreadCounts();
    expect(await store.deleteMessages([hit?.id ?? -1, 999_999])).toEqual({ deleted: 1, checkpointed: true });
    expect(await store.search(secretWord, 10)).toEqual([]);
    expect(await store.unreadCounts()).toEqual({ unread: before.unread - 1, urgent: before.urgent - 1 });
    expect(statSync(`${dbPath}-wal`).size).toBe(0);
    expect(containsText(dbPath, secret)).toBe(false);
    expect(containsText(dbPath, secretWord)).toBe(false);
    await withStoreClosed(async () => {
      const rows = await readWithJourneyapps(dbPath, [`PRAGMA key = "x'${keyHex}'"`], `SELECT count(*) AS n FROM messages WHERE body LIKE '%nebuliser%'`);
      expect(rows).toEqual([{ n: 0 }]);
      const copies = await readWithJourneyapps(dbPath, [`PRAGMA key = "x'${keyHex}'"`], `SELECT count(*) AS n FROM conversations WHERE latest_text LIKE '%nebuliser%'`);
      expect(copies).toEqual([{ n: 0 }]);
    });
  });

  it('settings round-trip', async () => {
    expect(await store.getSetting('idleLockMinutes')).toBeNull();
    await store.setSetting('idleLockMinutes', '3');
    await store.setSetting('idleLockMinutes', '2');
    expect(await store.getSetting('idleLockMinutes')).toBe('2');
  });

  it('remembers a team room the person left until they join it again; never a 1:1 conversation', async () => {
    const leftAtOf = async (id: number) => (await store.listConversations()).find((c) => c.id === id)?.leftAt;
    expect(await store.setRoomLeft(ward, 1_700_000_000_000)).toBe(true);
    expect(await store.setRoomLeft(direct, 1_700_000_000_000)).toBe(false);
    expect([await leftAtOf(ward), await leftAtOf(direct)]).toEqual([1_700_000_000_000, null]);
    expect(await store.teamRooms()).toEqual([{ conversationId: ward, jid: 'ward7@rooms.trust.example', left: true, leftAt: 1_700_000_000_000 }]);
    expect(await store.setRoomLeft(ward, null)).toBe(true);
    expect(await store.teamRooms()).toEqual([{ conversationId: ward, jid: 'ward7@rooms.trust.example', left: false, leftAt: null }]);
    await expect(store.setRoomLeft(ward, 1.5)).rejects.toMatchObject({ kind: 'invalid-argument' });
  });

  it('keeps a team room quieter when asked, never a 1:1 conversation, and a renamed room keeps its level', async () => {
    const levelOf = async (id: number) => (await store.listConversations()).find((c) => c.id === id)?.notify;
    expect(await levelOf(ward)).toBe('all');
    expect(await store.setRoomNotify(ward, 'mentions')).toBe(true);
    expect(await store.setRoomNotify(direct, 'urgent')).toBe(false);
    expect(await store.setRoomNotify(999_999, 'urgent')).toBe(false);
    await expect(store.setRoomNotify(ward, 'silent' as 'all')).rejects.toMatchObject({ kind: 'invalid-argument' });
    // Joining again (a bookmark's new name) updates the title, not the person's choice.
    await store.upsertConversation({ jid: 'ward7@rooms.trust.example', kind: 'room', title: 'Ward 7 nursing' });
    expect(await levelOf(ward)).toBe('mentions');
    expect(await levelOf(direct)).toBe('all');
    expect(await store.quietRooms()).toEqual([{ conversationId: ward, notify: 'mentions' }]);
    expect(await store.setRoomNotify(ward, 'all')).toBe(true);
  });

  it('chains the audit log', async () => {
    const first = await store.appendAudit({ at: 1, kind: 'message.deleted', actor: 'sr.patel@trust.example', details: { count: 1 } });
    const second = await store.appendAudit({ at: 2, kind: 'profile.unlocked', actor: 'sr.patel@trust.example', details: {} });
    expect(second.prevHash).toBe(first.hash);
    expect(await store.verifyAuditChain()).toBe(true);
  });

  it('marks a conversation read', async () => {
    await store.markConversationRead(ward);
    const summary = (await store.listConversations()).find((c) => c.id === ward);
    expect(summary).toMatchObject({ unread: 0, urgentUnread: 0 });
  });

  it('rejects bad input with a typed error and stays usable', async () => {
    await expect(store.insertReceivedBatch([received(424242, 1)])).rejects.toMatchObject({ kind: 'invalid-argument' });
    await expect(store.pageMessages(ward, null, 0)).rejects.toMatchObject({ kind: 'invalid-argument' });
    expect((await store.listConversations()).length).toBe(2);
  });
});

/** A store of its own for one test (a profile folder under the test root), closed afterwards. */
async function withFreshStore(name: string, use: (store: WardlineStore) => Promise<void>): Promise<void> {
  const store = await openStore(join(root, 'profiles', name, 'store.db'), keyHex);
  try {
    await use(store);
  } finally {
    await store.close();
  }
}

describe('naming 1:1 conversations', () => {
  it('replaces only a placeholder title, only of a 1:1 conversation, in one call', async () => {
    await withFreshStore('names', async (store) => {
      const opened = await store.upsertConversation({ jid: 'bob@trust.example', kind: 'direct', title: 'bob' });
      const named = await store.upsertConversation({ jid: 'sr.patel@trust.example', kind: 'direct', title: 'Dr Patel (roster)' });
      const room = await store.upsertConversation({ jid: 'ward@rooms.trust.example', kind: 'room', title: 'ward' });
      const renamed = await store.nameDirectConversations([
        { conversationId: opened, placeholder: 'bob', title: 'Dr Bob Reyes' },
        { conversationId: named, placeholder: 'sr.patel', title: 'Someone else' },
        { conversationId: room, placeholder: 'ward', title: 'Not a room name' },
      ]);
      expect(renamed).toBe(1);
      const titles = new Map((await store.listConversations()).map((c) => [c.id, c.title]));
      expect([titles.get(opened), titles.get(named), titles.get(room)]).toEqual(['Dr Bob Reyes', 'Dr Patel (roster)', 'ward']);
      await expect(store.nameDirectConversations([{ conversationId: opened, placeholder: 'bob', title: '' }])).rejects.toMatchObject({ kind: 'invalid-argument' });
    });
  });
});

describe('conversation previews', () => {
  it("reads each conversation's newest message, only its start, only when asked; a removed newest message gives none", async () => {
    await withFreshStore('previews', async (store) => {
      const handover = await store.upsertConversation({ jid: 'handover@rooms.trust.example', kind: 'room', title: 'Handover' });
      const quiet = await store.upsertConversation({ jid: 'quiet@rooms.trust.example', kind: 'room', title: 'Quiet' });
      const long = `Newest: ${'bed state '.repeat(500)}`;
      await store.insertReceivedBatch([received(handover, 1, { body: 'Older message' }), received(handover, 2, { body: long, senderName: 'Sr Lopes' })]);

      const listed = new Map((await store.listConversations({ previews: true })).map((c) => [c.id, c.latest]));
      expect(listed.get(handover)).toEqual({ fromSelf: false, senderName: 'Sr Lopes', text: long.slice(0, PREVIEW_CHARACTERS) });
      expect(listed.get(quiet)).toBeNull();
      // Not asked (policy off): no text leaves the store.
      expect((await store.listConversations()).every((c) => c.latest === null)).toBe(true);

      // The newest is retracted by its sender: no preview, and never the older message's text instead.
      expect(await store.applyRetraction({ conversationId: handover, senderJid: received(handover, 2).senderJid, targetId: `orig-${handover}-2`, by: 'origin-id', at: 9 })).not.toBeNull();
      expect((await store.listConversations({ previews: true })).find((c) => c.id === handover)?.latest).toBeNull();
    });
  });

  it('keeps the kept copy of the newest message true through late arrivals, sending, deletion and retention', async () => {
    await withFreshStore('preview-upkeep', async (store) => {
      const ward = await store.upsertConversation({ jid: 'ward7@rooms.trust.example', kind: 'room', title: 'Ward 7' });
      const other = await store.upsertConversation({ jid: 'theatres@rooms.trust.example', kind: 'room', title: 'Theatres' });
      const preview = async (id = ward) => (await store.listConversations({ previews: true })).find((c) => c.id === id)?.latest ?? null;
      const long = `Bed 12 ready. ${'Handover notes follow. '.repeat(40)}`;
      await store.insertReceivedBatch([received(ward, 5, { body: long }), received(other, 1, { body: 'List running late' })]);
      // An older message caught up from the archive afterwards does not take the newest's place.
      await store.insertReceivedBatch([received(ward, 2, { body: 'Bed 12 being cleaned' })]);
      expect(await preview()).toMatchObject({ text: long.slice(0, PREVIEW_CHARACTERS), fromSelf: false });
      // Sending: the person's own message is the newest now.
      const sent = await store.queueOutgoing({
        conversationId: ward, originId: 'own-1', body: 'Thanks, sending the porter', urgency: 'normal', sentAt: 1_700_000_009_000,
        senderJid: 'me@trust.example', senderName: 'Me', senderRole: 'Nurse', patientIdentifier: false,
      });
      expect(await preview()).toMatchObject({ text: 'Thanks, sending the porter', fromSelf: true });
      // Deleting the newest (after transcription) shows the one before; deleting an older one changes nothing.
      const older = (await store.pageMessages(ward, null, 10)).messages.find((m) => m.body === 'Bed 12 being cleaned')?.id ?? -1;
      await store.deleteMessages([older]);
      expect(await preview()).toMatchObject({ text: 'Thanks, sending the porter' });
      await store.deleteMessages([sent]);
      // Re-read by the trigger: the same start, cut at the same length, as the insert wrote.
      expect(await preview()).toEqual({ text: long.slice(0, PREVIEW_CHARACTERS), senderName: 'Dr Patel', fromSelf: false });
      // Retention takes the rest: no preview, and the other conversation's is untouched.
      await store.purgeSentBefore(1_700_000_100_000);
      expect(await preview()).toBeNull();
      expect(await preview(other)).toBeNull();
      await store.insertReceivedBatch([received(other, 200, { body: 'Theatre 3 free' })]);
      expect(await preview(other)).toMatchObject({ text: 'Theatre 3 free' });
      expect(await preview()).toBeNull();
    });
  });
});

describe('deletion on disk, without encryption in the way', () => {
  it('leaves no trace of deleted text in the file, the index or the WAL', () => {
    // Same store code, schema and settings over plain SQLite, so the bytes can be read.
    const path = join(root, 'plain', 'store.db');
    mkdirSync(join(root, 'plain'));
    const { db, store } = openPlainStore(path);
    const conversation = store.upsertConversation({ jid: 'ward9@rooms.trust.example', kind: 'room', title: 'Ward 9' }, 0);
    const filler = Array.from({ length: 300 }, (_, n) => received(conversation, n));
    // The newest message, so the conversation's preview holds a copy of its start too.
    store.insertReceivedBatch([...filler, received(conversation, 500, { body: secret })]);
    store.checkpoint();
    expect(containsText(path, secretWord)).toBe(true); // the probe works
    expect(db.prepare('SELECT latest_text FROM conversations WHERE id = ?').get([conversation])).toEqual({ latest_text: secret });

    const id = store.search(secretWord, 1)[0]?.id ?? -1;
    expect(store.deleteMessages([id])).toEqual({ deleted: 1, checkpointed: true });
    expect(containsText(path, secretWord)).toBe(false);
    expect(containsText(path, 'Marchbanks')).toBe(false);
    expect(store.search('obs stable', 1)).toHaveLength(1);
    db.close();
  });
});

describe('opening failures', () => {
  it('a wrong key is a typed error', async () => {
    const other = randomBytes(32).toString('hex');
    const attempt = openStore(dbPath, other);
    await expect(attempt).rejects.toBeInstanceOf(StoreError);
    await expect(attempt).rejects.toMatchObject({ kind: 'wrong-key-or-not-wardline', message: 'Wrong key or not a Wardline database.' });
  });

  it('a malformed key is refused before SQLCipher sees it', async () => {
    await expect(openStore(dbPath, `${'a'.repeat(63)}'`)).rejects.toMatchObject({ kind: 'invalid-argument' });
  });

  it('a garbage file is a typed error, and is left untouched', async () => {
    const path = join(root, 'garbage', 'store.db');
    const garbage = randomBytes(64 * 1024);
    mkdirSync(join(root, 'garbage'));
    writeFileSync(path, garbage);
    await expect(openStore(path, keyHex)).rejects.toMatchObject({ kind: 'wrong-key-or-not-wardline' });
    expect(readFileSync(path).equals(garbage)).toBe(true);
  });

  it('a damaged file is a typed "corrupt" error, not a crash', async () => {
    const path = join(root, 'damaged', 'store.db');
    mkdirSync(join(root, 'damaged'));
    cpSync(dbPath, path);
    const bytes = readFileSync(path);
    randomBytes(bytes.length - 4096).copy(bytes, 4096); // page 1 intact, every other page garbage
    writeFileSync(path, bytes);
    const attempt = (async () => {
      const damaged = await openStore(path, keyHex);
      try {
        await damaged.pageMessages(1, null, 50);
        await damaged.listConversations();
      } finally {
        await damaged.close().catch(() => undefined);
      }
    })();
    await expect(attempt).rejects.toMatchObject({ kind: 'corrupt' });
  });

  it('refuses to invent an empty store for an existing profile whose file is gone', async () => {
    await expect(openStore(join(root, 'gone', 'store.db'), keyHex, { create: false })).rejects.toMatchObject({ kind: 'missing' });
  });

  it('opens on a prestarted worker, and a prestart holds no key until used', async () => {
    prestartStoreWorker();
    prestartStoreWorker(); // idempotent: one spare at most
    const path = join(root, 'prestarted', 'store.db');
    const first = await openStore(path, keyHex);
    const conversation = await first.upsertConversation({ jid: 'ed@rooms.trust.example', kind: 'room', title: 'ED' });
    await first.close();
    // The spare was taken by the first open; the next one starts its own worker.
    const second = await openStore(path, keyHex, { create: false });
    expect((await second.listConversations()).map((c) => c.id)).toEqual([conversation]);
    await second.close();
  });
});

describe('store files in a folder it did not create', () => {
  it('leaves the existing parent folder’s permissions alone (never chmods /tmp or an IT-chosen folder)', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'wardline-shared-parent-'));
    chmodSync(parent, 0o1777);
    const shared = await openStore(join(parent, 'wardline.db'), randomBytes(32).toString('hex'));
    try {
      expect(statSync(parent).mode & 0o7777).toBe(0o1777);
      expect(statSync(join(parent, 'wardline.db')).mode & 0o777).toBe(0o600);
    } finally {
      await shared.close();
      await rm(parent, { recursive: true, force: true });
    }
  });
});

/**
 * Schema migrations on real SQLCipher files: from every earlier version to the
 * latest, with data kept, and the result identical to a freshly created store.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { latestSchemaVersion, openStore } from '../../electron/core/store/index.js';
import { migrate, migrations } from '../../electron/core/store/schemaMigrations.js';
import { openStoreFile } from '../../electron/core/store/storeFiles.js';
import { PREVIEW_FROM_NEWEST } from '../../electron/core/store/conversationPreview.js';

const root = mkdtempSync(join(tmpdir(), 'wardline-migrations-'));
const keyHex = randomBytes(32).toString('hex');

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function schemaOf(path: string): unknown[] {
  const { db } = openStoreFile(path, keyHex, { create: false });
  try {
    return db.prepare(`SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name`).all();
  } finally {
    db.close();
  }
}

describe('schema migrations', () => {
  it('has one migration per version, numbered from 1', () => {
    expect(migrations.map((m) => m.version)).toEqual(Array.from({ length: latestSchemaVersion }, (_, i) => i + 1));
  });

  const fresh = join(root, 'fresh', 'store.db');

  it('creates a new store at the latest version', async () => {
    const store = await openStore(fresh, keyHex);
    expect(store.schemaVersion).toBe(latestSchemaVersion);
    await store.close();
  });

  for (let from = 1; from < latestSchemaVersion; from += 1) {
    it(`migrates a version ${from} store to version ${latestSchemaVersion}, keeping its data`, async () => {
      const path = join(root, `v${from}`, 'store.db');
      // Written as that version's store wrote it: today's store code expects today's columns.
      const old = openStoreFile(path, keyHex, { schemaVersion: from });
      expect(old.schemaVersion).toBe(from);
      const conversation = Number(
        old.db.prepare(`INSERT INTO conversations (jid, kind, title, created_at, last_activity_at, unread_count, urgent_unread_count)
          VALUES ('theatres@rooms.trust.example', 'room', 'Theatres', 0, 3, 2, 1) RETURNING id`).get()?.['id'],
      );
      const addMessage = old.db.prepare(`INSERT INTO messages (conversation_id, server_id, direction, sender_jid, body, sent_at, received_at, urgency)
        VALUES (?, ?, 'in', 'a@trust.example', ?, ?, ?, ?)`);
      addMessage.run([conversation, 's1', 'Theatre 3 running late', 1, 2, 'normal']);
      addMessage.run([conversation, 's2', 'Anaesthetist on the way', 3, 4, 'urgent']);
      old.db.prepare(`INSERT INTO settings (key, value) VALUES ('theme', 'high-contrast')`).run();
      // From schema 8 the store keeps the preview up to date after each insert.
      if (from >= 8) old.db.prepare(`UPDATE conversations SET ${PREVIEW_FROM_NEWEST}`).run();
      old.db.close();

      const migrated = await openStore(path, keyHex, { create: false });
      try {
        expect(migrated.schemaVersion).toBe(latestSchemaVersion);
        expect(await migrated.listConversations({ previews: true })).toMatchObject([
          { title: 'Theatres', unread: 2, urgentUnread: 1, latest: { fromSelf: false, text: 'Anaesthetist on the way' } },
        ]);
        expect((await migrated.pageMessages(conversation, null, 10)).messages.map((m) => m.body)).toEqual([
          'Theatre 3 running late',
          'Anaesthetist on the way',
        ]);
        expect((await migrated.search('anaesth', 10)).length).toBe(1);
        expect(await migrated.getSetting('theme')).toBe('high-contrast');
        await migrated.appendAudit({ at: 5, kind: 'profile.migrated', actor: 'system', details: { from } });
        expect(await migrated.verifyAuditChain()).toBe(true);
      } finally {
        await migrated.close();
      }
      expect(schemaOf(path)).toEqual(schemaOf(fresh));
    });
  }

  it('turns a room muted before version 7 into "only urgent messages", and keeps other rooms and every 1:1 at every message', async () => {
    const path = join(root, 'muted', 'store.db');
    const old = await openStore(path, keyHex, { schemaVersion: 6 });
    const quiet = await old.upsertConversation({ jid: 'bed-management@rooms.trust.example', kind: 'room', title: 'Bed management' });
    const loud = await old.upsertConversation({ jid: 'theatres@rooms.trust.example', kind: 'room', title: 'Theatres' });
    const direct = await old.upsertConversation({ jid: 'dr.okafor@trust.example', kind: 'direct', title: 'Dr Okafor' });
    await old.close();
    const { db } = openStoreFile(path, keyHex, { create: false, schemaVersion: 6 });
    db.prepare('UPDATE conversations SET muted = 1 WHERE id IN (?, ?)').run([quiet, direct]);
    db.close();

    const migrated = await openStore(path, keyHex, { create: false });
    try {
      const levels = new Map((await migrated.listConversations()).map((c) => [c.id, c.notify]));
      // A message to the person alone is never quietened, whatever an old flag said.
      expect(levels).toEqual(new Map([[quiet, 'urgent'], [loud, 'all'], [direct, 'all']]));
    } finally {
      await migrated.close();
    }
  });

  it('refuses a store written by a newer Wardline', async () => {
    const path = join(root, 'newer', 'store.db');
    const { db } = openStoreFile(path, keyHex);
    db.exec(`PRAGMA user_version = ${latestSchemaVersion + 1}`);
    db.close();
    await expect(openStore(path, keyHex)).rejects.toMatchObject({ kind: 'newer-schema' });
  });

  it('rolls a failing migration back whole, version included', () => {
    const path = join(root, 'failing', 'store.db');
    const { db } = openStoreFile(path, keyHex, { schemaVersion: 1 });
    const failing = [
      ...migrations.slice(0, 1),
      {
        version: 2,
        name: 'fails halfway',
        up: (target: typeof db) => {
          target.exec('CREATE TABLE half_done (x INTEGER)');
          throw new Error('boom');
        },
      },
    ];
    expect(() => migrate(db, 2, failing)).toThrow('boom');
    expect(db.pragmaValue('user_version')).toBe(1);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'half_done'`).get()).toBeUndefined();
    db.close();
  });
});

// A message that cannot leave at once is synced to disk before queueOutgoing returns; one that
// leaves at once keeps the connection's cheaper default (the server's archive then holds it too).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPlainStore } from '../../bench/plainSqlite.js';
import { OutboxQueries } from '../../electron/core/store/outboxQueries.js';
import type { OutgoingMessageInput } from '../../electron/core/store/outboxTypes.js';

const root = mkdtempSync(join(tmpdir(), 'wardline-outbox-sync-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('outbox durability', () => {
  it('raises synchronous to FULL around the commit only when asked, and puts it back', () => {
    const { db, store } = openPlainStore(join(root, 'store.db'));
    const conversationId = store.upsertConversation({ jid: 'bob@trust.example', kind: 'direct', title: 'Bob' }, 1);
    const seen: { pragma: string; during: unknown }[] = [];
    const exec = db.exec.bind(db);
    db.exec = (sql: string) => {
      exec(sql);
      if (sql.startsWith('PRAGMA synchronous')) seen.push({ pragma: sql, during: db.pragmaValue('synchronous') });
    };
    const outbox = new OutboxQueries(db);
    const input = (n: number, syncToDisk?: boolean): OutgoingMessageInput => ({
      conversationId,
      originId: `wl-${n}`,
      body: `Message ${n}`,
      urgency: 'normal',
      sentAt: n,
      senderJid: 'me@trust.example',
      senderName: null,
      senderRole: null,
      patientIdentifier: false,
      ...(syncToDisk === undefined ? {} : { syncToDisk }),
    });
    outbox.queueOutgoing(input(1), 1);
    outbox.queueOutgoing(input(2, false), 2);
    expect(seen).toEqual([]);
    outbox.queueOutgoing(input(3, true), 3);
    // 2 = FULL while it commits, 1 = NORMAL (the connection's default) afterwards.
    expect(seen).toEqual([
      { pragma: 'PRAGMA synchronous = FULL', during: 2 },
      { pragma: 'PRAGMA synchronous = NORMAL', during: 1 },
    ]);
    expect(outbox.pendingOutbox().map((e) => e.body)).toEqual(['Message 1', 'Message 2', 'Message 3']);
    db.close();
  });
});

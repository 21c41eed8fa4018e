// Drafts on the real encrypted store: kept per conversation, never on disk in plaintext, cleared
// by the send that uses them, marked in the conversation list, and purged with old messages.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, StoreError, type WardlineStore } from '../../electron/core/store/index.js';

const DAY = 24 * 3600_000;
let clock = Date.UTC(2026, 10, 26, 9, 0);
let root: string;
let path: string;
const key = randomBytes(32).toString('hex');
let store: WardlineStore;
let direct: number;
let room: number;
const nonce = randomBytes(4).toString('hex');
const DRAFT = `Draft: bed 9 lactate 4.1, please review before ward round ${nonce}`;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'wardline-drafts-'));
  path = join(root, 'store.db');
  store = await openStore(path, key, { now: () => clock });
  direct = await store.upsertConversation({ jid: 'registrar@trust.example', kind: 'direct', title: 'Dr Hale' });
  room = await store.upsertConversation({ jid: 'ward7@conference.trust.example', kind: 'room', title: 'Ward 7' });
});

afterAll(async () => {
  await store?.close();
  rmSync(root, { recursive: true, force: true });
});

function fileHolds(text: string): boolean {
  const needle = Buffer.from(text);
  return [path, `${path}-wal`].some((file) => existsSync(file) && readFileSync(file).includes(needle));
}

const hasDraft = async (id: number) => (await store.listConversations()).find((c) => c.id === id)?.hasDraft;

describe('drafts in the encrypted store', () => {
  it('keeps one draft per conversation, with its urgency, and says when the list marker changes', async () => {
    expect(await store.draftFor(direct)).toBeNull();
    expect(await hasDraft(direct)).toBe(false);
    expect(await store.saveDraft(direct, { body: DRAFT, urgent: true })).toBe('added');
    expect(await store.saveDraft(direct, { body: `${DRAFT} (edited)`, urgent: false })).toBe('unchanged');
    expect(await store.draftFor(direct)).toEqual({ body: `${DRAFT} (edited)`, urgent: false });
    expect(await store.draftFor(room)).toBeNull();
    expect(await hasDraft(direct)).toBe(true);
    expect(await hasDraft(room)).toBe(false);
    // Whitespace only is no draft; removing one that is not there changes nothing.
    expect(await store.saveDraft(room, { body: ' \n\t', urgent: true })).toBe('unchanged');
    expect(await store.draftFor(room)).toBeNull();
    expect(await store.saveDraft(direct, { body: '', urgent: false })).toBe('removed');
    expect(await store.draftFor(direct)).toBeNull();
    expect(await hasDraft(direct)).toBe(false);
  });

  it('survives closing and reopening, and is never on disk in plaintext', async () => {
    await store.saveDraft(room, { body: DRAFT, urgent: false });
    await store.close();
    expect(fileHolds(DRAFT)).toBe(false);
    expect(fileHolds('Ward 7')).toBe(false); // sanity: the file is encrypted as a whole
    store = await openStore(path, key, { now: () => clock });
    expect(await store.draftFor(room)).toEqual({ body: DRAFT, urgent: false });
    expect(fileHolds(DRAFT)).toBe(false);
  });

  it('is cleared by the send that used it, in the same transaction as the outbox', async () => {
    expect(await hasDraft(room)).toBe(true);
    await store.queueOutgoing({
      conversationId: room,
      originId: `wl-draft-${nonce}`,
      body: DRAFT,
      urgency: 'normal',
      sentAt: clock,
      senderJid: 'me@trust.example',
      senderName: 'Me',
      senderRole: 'Nurse',
      patientIdentifier: false,
    });
    expect(await store.draftFor(room)).toBeNull();
    expect(await hasDraft(room)).toBe(false);
    expect((await store.pendingOutbox()).map((e) => e.body)).toContain(DRAFT);
  });

  it('refuses a draft for a conversation that does not exist, and an over-long or malformed one', async () => {
    expect(await store.saveDraft(987_654, { body: 'to nowhere', urgent: false })).toBe('no-conversation');
    expect(await store.saveDraft(987_654, { body: '', urgent: false })).toBe('no-conversation');
    await expect(store.saveDraft(direct, { body: 'x'.repeat(100_001), urgent: false })).rejects.toBeInstanceOf(StoreError);
    await expect(store.saveDraft(direct, { body: 'ok', urgent: 'yes' as unknown as boolean })).rejects.toMatchObject({ kind: 'invalid-argument' });
    // At the cap itself (ten times the composer's limit) it is kept: the person may shorten it later.
    expect(await store.saveDraft(direct, { body: 'y'.repeat(100_000), urgent: false })).toBe('added');
    expect((await store.draftFor(direct))?.body).toHaveLength(100_000);
  });

  it('goes with the retention purge once nobody has touched it for the retention period', async () => {
    await store.saveDraft(direct, { body: `old ${DRAFT}`, urgent: false });
    clock += 40 * DAY;
    await store.saveDraft(room, { body: `fresh ${DRAFT}`, urgent: false });
    await store.purgeSentBefore(clock - 30 * DAY);
    expect(await store.draftFor(direct)).toBeNull();
    expect(await store.draftFor(room)).toEqual({ body: `fresh ${DRAFT}`, urgent: false });
  });
});

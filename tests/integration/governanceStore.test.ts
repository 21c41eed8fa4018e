/**
 * Clinical governance in the store (issue 5 §3, §4, §6): removal after transcription, another
 * participant's governance retraction and the retention purge leave no plaintext in the
 * database, its WAL or the FTS index (proved over plain SQLite, where bytes can be read, with the
 * same store code), and work the same on the real SQCipher store; the audit chain detects edits
 * and removals made behind Wardline's back.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPlainStore } from '../../bench/plainSqlite.js';
import { AuditTrail } from '../../electron/core/governance/auditTrail.js';
import { NoteClipboard } from '../../electron/core/governance/clipboard.js';
import type { ExportRequest } from '../../electron/core/governance/exportFile.js';
import { Governance } from '../../electron/core/governance/governanceService.js';
import { GovernanceQueries } from '../../electron/core/store/governanceQueries.js';
import { openStore, type ReceivedMessageInput, type WardlineStore } from '../../electron/core/store/index.js';
import { containsText, readWithJourneyapps } from '../fixtures/storeFiles.js';

const root = mkdtempSync(join(tmpdir(), 'wardline-governance-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1, 9, 0);
const advice = 'Start co-amoxiclav 1.2g IV tds, review cultures at 48h, patient 943 476 5919';
const adviceWord = 'amoxiclav';
const REMOVER = { jid: 'ana@trust.example', name: 'Sr Ana Lopes', actor: 'Sr Ana Lopes (Ward sister)', retract: true };

function message(conversationId: number, n: number, overrides: Partial<ReceivedMessageInput> = {}): ReceivedMessageInput {
  return {
    conversationId,
    serverId: `srv-${n}`,
    originId: `orig-${n}`,
    senderJid: 'dr.okafor@trust.example',
    senderName: 'Dr Okafor',
    senderRole: 'Consultant microbiologist',
    body: `Routine update ${n}: obs stable, continue plan`,
    sentAt: T0 + n * 60_000,
    receivedAt: T0 + n * 60_000 + 500,
    ...overrides,
  };
}

describe('no remnant on disk (plain SQLite, same store code)', () => {
  function seeded(name: string) {
    mkdirSync(join(root, name));
    const path = join(root, name, 'store.db');
    const { db, store } = openPlainStore(path);
    const governance = new GovernanceQueries(db);
    const conversation = store.upsertConversation({ jid: 'dr.okafor@trust.example', kind: 'direct', title: 'Dr Okafor' }, 0);
    const filler = Array.from({ length: 300 }, (_, n) => message(conversation, n));
    store.insertReceivedBatch([...filler, message(conversation, 500, { body: advice, patientIdentifier: true })]);
    store.checkpoint();
    expect(containsText(path, adviceWord)).toBe(true); // the probe sees plaintext when it is there
    const id = store.search(adviceWord, 1)[0]?.id ?? -1;
    return { path, db, store, governance, conversation, id };
  }

  it('removal after transcription blanks the text, its index entry and the WAL, and keeps a tombstone', () => {
    const { path, db, store, governance, conversation, id } = seeded('transcribed');
    expect(governance.markTranscribed(conversation, [id], { by: 'Sr Ana Lopes (Ward sister)', at: T0 + DAY, recordReference: 'EPR-77' })).toBe(1);
    expect(governance.needsTranscription(10)).toEqual([]);
    const outcome = governance.removeTranscribed(conversation, [id], { ...REMOVER, at: T0 + DAY + 1 });
    expect(outcome).toEqual({ removed: [{ id, originId: 'orig-500', serverId: 'srv-500' }], retractionsQueued: 1 });
    // In the same transaction: the retraction for the other participant, and the audit entry.
    expect(governance.pendingRetractions()).toEqual([
      { id: expect.stringMatching(/^wl-[0-9a-f]{24}$/), to: 'dr.okafor@trust.example', type: 'chat', targetId: 'orig-500', byName: 'Sr Ana Lopes', at: T0 + DAY + 1 },
    ]);
    expect(governance.listAudit(5)[0]).toMatchObject({ kind: 'deletion', actor: REMOVER.actor, details: { messages: 1, retractionsQueued: 1, reason: 'transcribed' } });
    governance.forgetPendingRetraction(governance.pendingRetractions()[0]?.id ?? '');
    expect(governance.pendingRetractions()).toEqual([]);
    expect(store.checkpoint()).toBe(true);
    expect(statSync(`${path}-wal`).size).toBe(0);
    expect(containsText(path, adviceWord)).toBe(false);
    expect(containsText(path, '943 476 5919')).toBe(false);
    expect(store.search(adviceWord, 5)).toEqual([]);
    const [tombstone] = governance.messagesByIds(conversation, [id]);
    expect(tombstone).toMatchObject({
      body: null,
      transcription: { by: 'Sr Ana Lopes (Ward sister)', recordReference: 'EPR-77' },
      retraction: { by: 'ana@trust.example', byName: 'Sr Ana Lopes', reason: 'transcribed' },
    });
    db.close();
  });

  it('refuses to remove what has not been transcribed', () => {
    const { db, governance, conversation, id } = seeded('untranscribed');
    expect(governance.removeTranscribed(conversation, [id], { ...REMOVER, at: T0 })).toEqual({ removed: [], retractionsQueued: 0 });
    expect(governance.listAudit(5)).toEqual([]);
    expect(governance.messagesByIds(conversation, [id])[0]?.body).toBe(advice);
    db.close();
  });

  it("another participant's removal after transcription leaves nothing either", () => {
    const { path, db, store, governance, conversation, id } = seeded('retracted');
    // A plain XEP-0424 retraction from someone else is refused: only the sender may retract.
    expect(governance.applyRetraction({ conversationId: conversation, senderJid: 'ana@trust.example', targetId: 'orig-500', by: 'origin-id', at: T0 })).toBeNull();
    expect(
      governance.applyRetraction({ conversationId: conversation, senderJid: 'ana@trust.example', targetId: 'orig-500', by: 'origin-id', at: T0, transcribedBy: 'Sr Ana Lopes' }),
    ).toBe(id);
    store.checkpoint();
    expect(containsText(path, adviceWord)).toBe(false);
    expect(governance.messagesByIds(conversation, [id])[0]?.retraction).toEqual({ at: T0, by: 'ana@trust.example', byName: 'Sr Ana Lopes', reason: 'transcribed' });
    db.close();
  });

  it('the retention purge deletes expired messages with no remnant and keeps the rest', () => {
    const { path, db, store, governance, conversation } = seeded('retention');
    const cutoff = T0 + 200 * 60_000; // messages 0..199 are older
    expect(governance.purgeSentBefore(cutoff)).toBe(200);
    store.checkpoint();
    expect(containsText(path, 'Routine update 12:')).toBe(false);
    expect(containsText(path, 'Routine update 250:')).toBe(true); // within the lifespan
    expect(containsText(path, adviceWord)).toBe(true);
    expect(store.pageMessages(conversation, null, 500).messages).toHaveLength(101);
    db.close();
  });
});

describe('governance on the encrypted store', () => {
  const keyHex = randomBytes(32).toString('hex');
  const dbPath = join(root, 'sqlcipher', 'store.db');
  let store: WardlineStore;
  let conversation: number;

  beforeAll(async () => {
    mkdirSync(join(root, 'sqlcipher'));
    store = await openStore(dbPath, keyHex);
    conversation = await store.upsertConversation({ jid: 'dr.okafor@trust.example', kind: 'direct', title: 'Dr Okafor' });
    await store.insertReceivedBatch([
      message(conversation, 1, { body: advice, patientIdentifier: true }),
      message(conversation, 2, { body: 'Bed 4 family asking for update', sentAt: T0 - 40 * DAY }),
      message(conversation, 3, { body: 'NHS 943 476 5919 bloods back', patientIdentifier: true, sentAt: T0 - 20 * DAY }),
    ]);
  });

  afterAll(async () => {
    await store.close();
  });

  it('lists untranscribed patient-identifiable messages, oldest (soonest to expire) first', async () => {
    const list = await store.needsTranscription(10);
    expect(list.map((row) => row.sentAt)).toEqual([T0 - 20 * DAY, T0 + 60_000]);
    // The count is of all of them, not of a page.
    expect(await store.countNeedsTranscription()).toBe(2);
    expect(await store.needsTranscription(1)).toHaveLength(1);
    expect(list[0]).toMatchObject({ conversationTitle: 'Dr Okafor', senderName: 'Dr Okafor' });
  });

  it('transcribes, removes with a checkpoint, and purges by retention', async () => {
    const ids = (await store.search(adviceWord, 5)).map((m) => m.id);
    expect(await store.markTranscribed(conversation, ids, { by: 'Sr Ana Lopes (Ward sister)', at: T0 + 1, recordReference: null })).toBe(1);
    const removal = await store.removeTranscribed(conversation, ids, { ...REMOVER, at: T0 + 2, retract: false });
    expect(removal.retractionsQueued).toBe(0);
    expect(removal.checkpointed).toBe(true);
    expect(removal.removed.map((m) => m.id)).toEqual(ids);
    expect(statSync(`${dbPath}-wal`).size).toBe(0);
    expect(await store.purgeSentBefore(T0 - 30 * DAY)).toEqual({ deleted: 1, checkpointed: true });
    const left = (await store.pageMessages(conversation, null, 10)).messages;
    expect(left.map((m) => m.body)).toEqual(['NHS 943 476 5919 bloods back', null]);
  });

  it('detects an audit entry edited or removed behind Wardline\'s back', async () => {
    for (const [n, kind] of ['unlock', 'transcription', 'deletion', 'lock'].entries()) {
      await store.appendAudit({ at: T0 + n, kind, actor: 'Sr Ana Lopes (Ward sister)', details: { conversationId: conversation, messages: 1 } });
    }
    expect(await store.verifyAuditChain()).toBe(true);
    expect((await store.listAudit(10)).map((e) => e.kind)).toEqual(['lock', 'deletion', 'transcription', 'unlock', 'deletion']);
    await store.close();
    const key = [`PRAGMA key = "x'${keyHex}'"`];
    // Someone with the key edits what an entry says...
    await readWithJourneyapps(dbPath, key, `UPDATE audit_log SET details = '{"conversationId":1,"messages":0}' WHERE kind = 'deletion'`);
    store = await openStore(dbPath, keyHex);
    expect(await store.verifyAuditChain()).toBe(false);
    await store.close();
    // ...or removes the entry outright (and the edit with it): the chain still does not verify.
    await readWithJourneyapps(dbPath, key, `DELETE FROM audit_log WHERE kind = 'deletion'`);
    store = await openStore(dbPath, keyHex);
    expect(await store.verifyAuditChain()).toBe(false);
  });
});

describe('transcription counts only once the note leaves Wardline (encrypted store)', () => {
  const keyHex = randomBytes(32).toString('hex');
  let store: WardlineStore;
  let conversation: number;
  let clock = T0 + DAY;
  let saveChoice = true;
  const clipboard: string[] = [];
  const exports: ExportRequest[] = [];
  const person = { name: 'Sr Ana Lopes', role: 'Ward sister' };
  let listChanges = 0;

  function governance(): Governance {
    const audit = new AuditTrail({ store, actor: 'Sr Ana Lopes (Ward sister)', now: () => clock, log: () => undefined });
    return new Governance({
      store,
      audit,
      person,
      account: () => ({ jid: 'ana@trust.example' }),
      chat: () => null,
      exportFile: async (request) => {
        if (!saveChoice) return { saved: false, location: null };
        exports.push(request);
        return { saved: true, location: `(test)/${request.suggestedName}` };
      },
      retentionDays: 30,
      now: () => clock,
      isOpen: () => true,
      changed: () => void (listChanges += 1),
      clipboard: new NoteClipboard({
        writeText: async (text) => void clipboard.push(text),
        readText: async () => clipboard.at(-1) ?? '',
        clear: async () => void clipboard.push(''),
      }),
    });
  }

  async function idOf(n: number): Promise<number> {
    return (await store.pageMessages(conversation, null, 20)).messages.find((m) => m.serverId === `srv-${n}`)?.id ?? 0;
  }

  async function markOf(id: number): Promise<unknown> {
    return (await store.messagesByIds(conversation, [id]))[0]?.transcription ?? null;
  }

  async function transcriptionAudits(): Promise<{ at: number; details: Record<string, unknown> }[]> {
    return (await store.listAudit(50)).filter((e) => e.kind === 'transcription');
  }

  beforeAll(async () => {
    mkdirSync(join(root, 'note-leaves'));
    store = await openStore(join(root, 'note-leaves', 'store.db'), keyHex);
    conversation = await store.upsertConversation({ jid: 'dr.okafor@trust.example', kind: 'direct', title: 'Dr Okafor' });
    await store.insertReceivedBatch([10, 11, 12].map((n) => message(conversation, n, { body: `${advice} (${n})`, patientIdentifier: true, sentAt: T0 + n * 60_000 })));
  });

  afterAll(async () => {
    await store.close();
  });

  it('leaves the messages untranscribed when the note is created and then dropped by a lock, and refuses to delete them', async () => {
    const id = await idOf(10);
    const session = governance();
    const note = await session.transcribe({ conversationId: conversation, messageIds: [id], recordReference: 'EPR-10' });
    expect(await markOf(id)).toBeNull();
    expect(note.text).toContain(`${advice} (10)`);
    expect((await store.needsTranscription(10)).map((row) => row.messageId)).toContain(id);
    expect(await transcriptionAudits()).toEqual([]);

    // What the lock does: the note goes, with the clipboard.
    await session.forgetClipboard();
    await expect(session.copyNote(note.noteId)).rejects.toMatchObject({ code: 'not-found' });
    await expect(session.saveFhir(note.noteId)).rejects.toMatchObject({ code: 'not-found' });
    expect(clipboard).toEqual([]);
    expect(exports).toEqual([]);

    // After the next unlock: still needing transcription, unmarked, unaudited, and not deletable.
    const next = governance();
    expect((await next.needsTranscription()).map((row) => row.messageId)).toContain(id);
    expect(await markOf(id)).toBeNull();
    expect(await transcriptionAudits()).toEqual([]);
    await expect(next.deleteOriginals(conversation, [id])).rejects.toMatchObject({ code: 'rejected' });
    expect((await store.messagesByIds(conversation, [id]))[0]?.body).toBe(`${advice} (10)`);
  });

  it('marks and audits on the first copy, with the attribution the note carries, and only once', async () => {
    const id = await idOf(11);
    const session = governance();
    const createdAt = clock;
    const note = await session.transcribe({ conversationId: conversation, messageIds: [id], recordReference: 'EPR-11', nhsNumber: '943 476 5919' });
    expect(await markOf(id)).toBeNull();

    clock += 60_000;
    await session.copyNote(note.noteId);
    expect(clipboard.at(-1)).toBe(note.text);
    expect(await markOf(id)).toEqual({ by: 'Sr Ana Lopes (Ward sister)', at: createdAt, recordReference: 'EPR-11' });
    expect((await store.needsTranscription(10)).map((row) => row.messageId)).not.toContain(id);
    const [entry, ...more] = await transcriptionAudits();
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      at: clock,
      details: { conversationId: conversation, messages: 1, messageIds: String(id), via: 'copied', noteCreatedAt: createdAt, nhsNumberGiven: true, recordReferenceGiven: true },
    });
    expect(JSON.stringify(entry)).not.toMatch(/amoxiclav|943.?476.?5919|EPR-11/);

    // Copying again, then saving the same note: exports are audited, the transcription is not repeated.
    clock += 60_000;
    await session.copyNote(note.noteId);
    expect(await session.saveFhir(note.noteId)).toMatchObject({ saved: true });
    expect(await transcriptionAudits()).toHaveLength(1);
    expect((await store.listAudit(50)).filter((e) => e.kind === 'export').map((e) => e.details.what)).toEqual(['fhir-transcription', 'note-to-clipboard', 'note-to-clipboard']);
    const before = listChanges;
    // No messaging runs here: the removal request waits for the next sign-in, as after an outage.
    expect(await session.deleteOriginals(conversation, [id])).toEqual({ removed: 1, retractionsQueued: 1 });
    // The conversation list is told, so its preview of the removed text goes.
    expect(listChanges).toBe(before + 1);
    expect((await store.listConversations({ previews: true })).find((c) => c.id === conversation)?.latest?.text).not.toBe(`${advice} (11)`);
  });

  it('marks on a FHIR save, but not when the person cancels the save dialog', async () => {
    const id = await idOf(12);
    const session = governance();
    const note = await session.transcribe({ conversationId: conversation, messageIds: [id] });
    saveChoice = false;
    expect(await session.saveFhir(note.noteId)).toEqual({ saved: false, location: null });
    expect(await markOf(id)).toBeNull();
    expect(await transcriptionAudits()).toHaveLength(1);

    saveChoice = true;
    clock += 60_000;
    expect(await session.saveFhir(note.noteId)).toMatchObject({ saved: true });
    expect(JSON.parse(String(exports.at(-1)?.content))).toMatchObject({ resourceType: 'Bundle' });
    expect(await markOf(id)).toMatchObject({ by: 'Sr Ana Lopes (Ward sister)', recordReference: null });
    const audits = await transcriptionAudits();
    expect(audits).toHaveLength(2);
    expect(audits[0]?.details).toMatchObject({ messageIds: String(id), via: 'saved-fhir', recordReferenceGiven: false, nhsNumberGiven: false });
  });
});

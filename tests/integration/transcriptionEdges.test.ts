/**
 * Transcribe-then-delete at its edges: messages that never reached anyone, removal of a message
 * still queued, removal while messaging is not running, and an audit export of a long trail. Real
 * SQLCipher store (openStore), no XMPP server needed.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../electron/core/governance/auditTrail.js';
import { Governance } from '../../electron/core/governance/governanceService.js';
import { openStore, type WardlineStore } from '../../electron/core/store/index.js';
import type { ChatService } from '../../electron/core/chat/chatTypes.js';

const root = mkdtempSync(join(tmpdir(), 'wardline-transcription-edges-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1, 9, 0);
const ME = { jid: 'ana@trust.example', name: 'Sr Ana Lopes', role: 'Ward sister' };

let store: WardlineStore;
let n = 0;
let clock = T0;

beforeAll(async () => {
  mkdirSync(join(root, 'store'));
  store = await openStore(join(root, 'store', 'store.db'), randomBytes(32).toString('hex'));
});
afterAll(async () => {
  await store.close();
});

function governance(chat: ChatService | null = null, account: { jid: string } | null = { jid: ME.jid }): Governance {
  const audit = new AuditTrail({ store, actor: `${ME.name} (${ME.role})`, now: () => clock, log: () => undefined });
  return new Governance({
    store,
    audit,
    person: { name: ME.name, role: ME.role },
    account: () => account,
    chat: () => chat,
    exportFile: async (r) => ({ saved: true, location: `(test)/${r.suggestedName}` }),
    retentionDays: 30,
    now: () => clock,
    isOpen: () => true,
    changed: () => undefined,
    clipboard: null,
  });
}

async function conversationWith(jid: string, kind: 'direct' | 'room' = 'direct'): Promise<number> {
  return store.upsertConversation({ jid, kind, title: jid });
}

async function queue(conversationId: number, body: string, sentAt = clock): Promise<number> {
  n += 1;
  return store.queueOutgoing({
    conversationId,
    originId: `out-${n}`,
    body,
    urgency: 'normal',
    sentAt,
    senderJid: ME.jid,
    senderName: ME.name,
    senderRole: ME.role,
    patientIdentifier: false,
  });
}

describe('transcription of messages that never reached anyone', () => {
  it('a bounced ("Not delivered") message is not written into the record as a completed communication', async () => {
    const c = await conversationWith('dr.okafor@trust.example');
    const id = await queue(c, 'Please give 40mg furosemide IV now');
    expect(await store.markFailed(id, 'recipient-unavailable')).toBe(true);
    const [stored] = await store.messagesByIds(c, [id]);
    expect(stored).toMatchObject({ direction: 'out', deliveryState: 'failed' });

    await expect(governance().transcribe({ conversationId: c, messageIds: [id] })).rejects.toThrow(
      'A selected message of yours has not been delivered, so it cannot go into the record as advice given.',
    );
    // Nor one still waiting to be sent.
    const waiting = await queue(c, 'And repeat U&Es in the morning');
    await expect(governance().transcribe({ conversationId: c, messageIds: [waiting] })).rejects.toThrow('has not been delivered');
  });
});

describe('delete originals of a message still in the outbox', () => {
  it('a transcribed-and-deleted message that was never sent is not sent afterwards (empty body, same origin-id)', async () => {
    const c = await conversationWith('nurse.jones@trust.example');
    const id = await queue(c, 'Bed 7: NBM from midnight');
    clock += 1000;
    await store.markTranscribed(c, [id], { by: 'Sr Ana Lopes (Ward sister)', at: clock, recordReference: null });
    const result = await store.removeTranscribed(c, [id], { jid: ME.jid, name: ME.name, at: clock, actor: 'x', retract: true });
    expect(result.removed).toHaveLength(1);
    // Left in the outbox, the next flush would send <body></body> under the same origin-id.
    const pending = (await store.pendingOutbox()).filter((e) => e.messageId === id);
    expect(pending).toEqual([]);
  });
});

describe('delete originals without a running messaging service', () => {
  it('still queues the retraction, so it goes when the person signs in again (e.g. after a revocation)', async () => {
    const c = await conversationWith('dr.reed@trust.example');
    await store.insertReceivedBatch([
      { conversationId: c, serverId: 'srv-r1', originId: 'orig-r1', senderJid: 'dr.reed@trust.example', senderName: 'Dr Reed', senderRole: 'Registrar', body: 'Patient 943 476 5919: start IV fluids', sentAt: clock, receivedAt: clock, patientIdentifier: true },
    ]);
    const id = (await store.pageMessages(c, null, 5)).messages[0]!.id;
    await store.markTranscribed(c, [id], { by: 'Sr Ana Lopes (Ward sister)', at: clock, recordReference: null });
    // After a revocation the session has no chat and no account (sessionController #revoke).
    const before = (await store.pendingRetractions()).length;
    const outcome = await governance(null, null).deleteOriginals(c, [id]);
    expect(outcome.removed).toBe(1);
    expect((await store.pendingRetractions()).length).toBe(before + 1);
  });
});

describe('audit export for an investigation', () => {
  it('exports the whole trail (or says it is cut), not silently the newest 5,000 entries', async () => {
    const exported: string[] = [];
    const audit = new AuditTrail({ store, actor: 'Sr Ana Lopes (Ward sister)', now: () => clock, log: () => undefined });
    await audit.record('transcription', { conversationId: 1, messages: 1, messageIds: '1', via: 'copied' }, T0 - 200 * DAY);
    // A ward PC: every lock and unlock is an entry, so 5,000 is a few months.
    for (let i = 0; i < 5_000; i += 1) await audit.record(i % 2 ? 'lock' : 'unlock', {}, T0 + i);
    const g = new Governance({
      store,
      audit,
      person: { name: ME.name, role: ME.role },
      account: () => ({ jid: ME.jid }),
      chat: () => null,
      exportFile: async (r) => (exported.push(r.content), { saved: true, location: 'x' }),
      retentionDays: 30,
      now: () => clock,
      isOpen: () => true,
      changed: () => undefined,
      clipboard: null,
    });
    await g.exportAudit();
    const file = JSON.parse(exported[0]!) as { chainIntact: boolean; entries: { kind: string }[]; truncated?: boolean; total?: number };
    expect(file.chainIntact).toBe(true);
    const complete = file.entries.some((e) => e.kind === 'transcription');
    // The newest 5,000 only: the file says entries were left out.
    expect(complete).toBe(false);
    expect(file.truncated).toBe(true);
  }, 120_000);
});

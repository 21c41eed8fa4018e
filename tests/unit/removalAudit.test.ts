/**
 * GOVERNANCE.md: "The audit trail on both sides records who removed what and when". On the
 * receiving side the entry for a colleague's removal after transcription names the conversation,
 * the remover and which message was removed.
 */
import { expect, it } from 'vitest';
import { applyReceived, type IncomingDeps } from '../../electron/core/chat/incoming.js';
import { ProfileGovernance } from '../../electron/core/session/profileGovernance.js';
import type { WardlineStore, AuditEntryInput } from '../../electron/core/store/index.js';

it("records which message a colleague's removal after transcription took", async () => {
  const audits: AuditEntryInput[] = [];
  const store = {
    applyRetraction: async () => 42,
    appendAudit: async (entry: AuditEntryInput) => (audits.push(entry), { ...entry, seq: audits.length, prevHash: '', hash: '' }),
  } as unknown as WardlineStore;
  const governance = new ProfileGovernance({
    store,
    person: { name: 'Sr Ana Lopes', role: 'Ward sister' },
    account: () => ({ jid: 'ana@trust.example' }),
    chat: () => null,
    policy: { retentionDays: 30, wipeOnRevocation: false, privacyBlur: false, maskPatientIdentifiers: false, conversationPreviews: true },
    policySource: { kind: 'default', path: '', sha256: null },
    exportFile: async () => ({ saved: false, location: null }),
    ticker: { every: () => () => undefined } as never,
    now: () => 1,
    log: () => undefined,
    changed: () => undefined,
    incidentsPurged: () => undefined,
    openIncidents: () => [],
    isOpen: () => true,
    clipboard: null,
  });
  const deps = {
    store,
    conversations: { known: async () => 7 },
    ownBare: 'ana@trust.example',
    now: () => 1,
    log: () => undefined,
    changed: () => undefined,
    urgentArrived: () => undefined,
    isTrustedAddress: () => true,
    // Wired as chatService.ts:243 wires it (everything the removal carries is passed on).
    removedAfterTranscription: (removal: { conversationId: number; by: string }) =>
      void governance.onChatEvent({ type: 'removed-after-transcription', ...removal } as never, true),
  } as unknown as IncomingDeps;
  await applyReceived(deps, [
    {
      event: { kind: 'retraction', source: 'live', direction: 'in', type: 'chat', from: 'dr.reed@trust.example/ws1', conversation: 'dr.reed@trust.example', author: null, targetId: 'orig-1', transcribedBy: 'Dr Reed' },
      card: null,
    } as never,
  ]);
  await new Promise((r) => setTimeout(r, 10));
  const entry = audits.find((a) => a.kind === 'retraction-received');
  expect(entry?.details).toMatchObject({ conversationId: 7, by: 'dr.reed@trust.example' });
  expect(Object.values(entry?.details ?? {}).map(String)).toContain('42');
});

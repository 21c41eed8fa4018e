import { describe, expect, it } from 'vitest';
import { IncidentService, type IncidentStore } from '../../electron/core/incident/incidentService.js';
import { buildIncidentMessage } from '../../electron/core/incident/incidentForms.js';
import type { IncidentEvent, IncidentEventDraft } from '../../electron/core/incident/incidentTypes.js';
import type { IncidentChanges } from '../../electron/core/store/incidentQueries.js';

const LEAD = 'lead@trust.test';
const T0 = Date.UTC(2026, 10, 25, 13, 0);

/** A store whose writes take a while (a busy disk, a big burst). */
function slowStore(ms: number): IncidentStore {
  const settings = new Map<string, string>();
  return {
    getSetting: async (key: string) => settings.get(key) ?? null,
    setSetting: async (key: string, value: string) => void settings.set(key, value),
    loadIncidentRecords: async () => ({ events: [], outbox: [] }),
    saveIncidentChanges: (_c: IncidentChanges) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  };
}

describe('automatic replies during a burst', () => {
  it('each late offer gets one "not needed now", even when more offers arrive while the replies are being sent', async () => {
    const now = T0 + 60 * 60_000;
    const lead = new IncidentService({ store: slowStore(30), chat: () => null, self: { jid: LEAD, name: 'Lead', role: 'x' }, now: () => now, declarers: [LEAD], autoReplyDelayMs: 20 });
    await lead.start();
    await lead.declare({ name: 'Tram', exercise: false, details: '', coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null });
    const { requestId } = await lead.request({ lines: [{ role: 'ED nurse', count: 1, location: 'ED', by: null }], note: '' });
    const incidentId = lead.board()!.incidentId;
    const offer = (who: string, n: number) => {
      const jid = `${who}@trust.test`;
      const draft: IncidentEventDraft = { kind: 'response', incidentId, eventId: `ev-${who}`, at: T0 + 60 * 60_000 + n, exercise: false, requestId, responder: jid, name: who, role: 'ED nurse', availability: { status: 'now', etaMinutes: 10 } };
      lead.receive({ message: buildIncidentMessage({ to: LEAD, type: 'chat', id: `m-${who}`, event: draft }), actor: jid, source: 'live', conversation: jid, type: 'chat' });
    };
    offer('first', 0);
    await lead.act({ targets: [{ requestId, responder: 'first@trust.test' }], action: { action: 'come-in' } });
    // The line is filled: 10 late offers, then more trickle in while the replies go out.
    for (let i = 0; i < 10; i += 1) offer(`late${i}`, i + 1);
    for (let i = 0; i < 6; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 60));
      offer(`later${i}`, 100 + i);
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await lead.idle();
    const standbys = lead.events(incidentId).filter((e: IncidentEvent) => e.kind === 'assign' && e.action === 'standby');
    const perPerson = new Map<string, number>();
    for (const e of standbys) if (e.kind === 'assign') perPerson.set(e.responder, (perPerson.get(e.responder) ?? 0) + 1);
    expect(perPerson.size).toBe(16);
    expect([...perPerson.values()].filter((n) => n > 1)).toEqual([]);
    lead.stop();
  }, 10_000);
});

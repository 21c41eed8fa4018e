/**
 * Incident events from a sender whose clock runs more than 5 minutes fast are re-dated to when
 * they arrived. Re-dating must not turn copies of one event into several, nor lose the order in
 * which the sender gave its instructions when they arrive together (an archive catch-up).
 */
import { describe, expect, it } from 'vitest';
import { IncidentService, type IncidentStore } from '../../electron/core/incident/incidentService.js';
import type { IncidentChanges } from '../../electron/core/store/incidentQueries.js';
import { buildIncidentMessage } from '../../electron/core/incident/incidentForms.js';
import type { IncidentEventDraft } from '../../electron/core/incident/incidentTypes.js';

const LEAD = 'lead@trust.test';
const AMY = 'amy@trust.test';
const T0 = Date.UTC(2026, 10, 25, 13, 0);
const FAST = T0 + 10 * 60_000;

function memoryStore(): IncidentStore {
  const events = new Map<string, string>();
  const settings = new Map<string, string>();
  return {
    getSetting: async (key: string) => settings.get(key) ?? null,
    setSetting: async (key: string, value: string) => void settings.set(key, value),
    loadIncidentRecords: async () => ({ events: [...events.values()], outbox: [] }),
    saveIncidentChanges: async (changes: IncidentChanges) => {
      for (const row of changes.events) events.set(row.event, row.event);
    },
  };
}

const base = { incidentId: 'mi-fast', exercise: false } as const;
const declare: IncidentEventDraft = {
  ...base, kind: 'declare', eventId: 'ev-d', at: FAST, name: 'Tram', details: '',
  coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null,
};
const request: IncidentEventDraft = {
  ...base, kind: 'request', eventId: 'ev-r', at: FAST + 1, requestId: 'req-1',
  lines: [{ role: 'ED nurse', count: 1, location: 'ED resus', by: null }], replyTo: [LEAD], note: '',
};

async function amyAt(clock: { now: number }) {
  const amy = new IncidentService({ store: memoryStore(), chat: () => null, self: { jid: AMY, name: 'Amy', role: 'ED nurse' }, now: () => clock.now, declarers: [LEAD], log: () => {} });
  await amy.start();
  let n = 0;
  const deliver = (event: IncidentEventDraft, source: 'live' | 'archive' = 'live') =>
    amy.receive({ message: buildIncidentMessage({ to: AMY, type: 'chat', id: `m-${(n += 1)}`, event }), actor: LEAD, source, conversation: LEAD, type: 'chat' } as never);
  return { amy, deliver };
}

describe('incident events from a clock running fast', () => {
  it('holds one copy of a re-dated event however many copies arrive (live, then the archive)', async () => {
    const clock = { now: T0 };
    const { amy, deliver } = await amyAt(clock);
    deliver(declare);
    deliver(request);
    clock.now += 2_000;
    deliver(declare, 'archive');
    deliver(request, 'archive');
    expect(amy.events('mi-fast').map((event) => event.eventId).sort()).toEqual(['ev-d', 'ev-r']);
    expect(amy.board('mi-fast')?.duplicates).toBe(0);
  });

  it('keeps the order the sender gave its instructions in when they arrive in the same moment', async () => {
    const clock = { now: T0 };
    const { amy, deliver } = await amyAt(clock);
    // The stand-down's id happens to sort before the come-in's: only the time orders them.
    const comeIn: IncidentEventDraft = { ...base, kind: 'assign', eventId: 'ev-z-come-in', at: FAST + 2, requestId: 'req-1', responder: AMY, action: 'come-in', location: 'ED resus', line: 0, note: '' };
    const standDown: IncidentEventDraft = { ...base, kind: 'standdown', eventId: 'ev-a-stand-down', at: FAST + 3, requestId: 'req-1', responder: AMY, reason: 'individual', note: '' };
    for (const event of [declare, request, comeIn, standDown]) deliver(event, 'archive');
    const row = amy.board('mi-fast')?.responders.find((r) => r.jid === AMY);
    expect(row?.directive?.eventId).toBe('ev-a-stand-down');
    expect(row?.status).toBe('stood-down');
  });
});

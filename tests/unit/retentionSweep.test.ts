// The retention sweep: a failure to expire held messages never costs the record of what it already purged.
import { describe, expect, it } from 'vitest';
import { sweepRetention, type RetentionDeps } from '../../electron/core/governance/retention.js';

describe('retention sweep when held-message expiry fails', () => {
  it('still records the purge of messages it already deleted, and tells the UI', async () => {
    const audited: { kind: string; details: unknown }[] = [];
    const told: string[] = [];
    const deps: RetentionDeps = {
      store: {
        purgeSentBefore: async () => ({ deleted: 3, checkpointed: true }),
        purgeIncidentsBefore: async () => ({ incidentIds: ['inc-1'], events: 4 }),
        getSetting: async () => null,
        setSetting: async () => undefined,
      } as unknown as RetentionDeps['store'],
      audit: { record: async (kind: string, details: unknown) => void audited.push({ kind, details }) } as unknown as RetentionDeps['audit'],
      days: 30,
      now: () => Date.UTC(2026, 10, 1),
      log: () => undefined,
      changed: () => void told.push('changed'),
      incidentsPurged: () => void told.push('incidents-purged'),
      openIncidents: () => [],
      // The held list could not be written (a full disk, the store closing at a lock).
      expireHeld: async () => {
        throw new Error('SQLITE_FULL: database or disk is full');
      },
    };
    await sweepRetention(deps).catch(() => undefined);
    // 3 messages and an incident are gone for good: the trail must say so.
    expect(audited.map((a) => a.kind)).toContain('retention-purge');
    expect(told).toEqual(['incidents-purged', 'changed']);
  });
});

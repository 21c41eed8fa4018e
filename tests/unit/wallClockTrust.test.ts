// Retention must not purge early, for good, because the wall clock jumped ahead (a wrong year
// from a flat CMOS battery, a bad time server): the wall clock is checked against the boot clock.
import { describe, expect, it } from 'vitest';
import { sweepRetention, type RetentionDeps } from '../../electron/core/governance/retention.js';
import { WALL_CLOCK_ACCEPT_AFTER_MS, WallClockTrust, wallClockTrustFor } from '../../electron/core/governance/wallClockTrust.js';
import { ProfileGovernance, type ProfileGovernanceDeps } from '../../electron/core/session/profileGovernance.js';
import type { ChatService } from '../../electron/core/chat/chatTypes.js';
import type { WardlineStore } from '../../electron/core/store/index.js';
import { ManualTicker } from '../fixtures/manualTicker.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;
const T0 = Date.UTC(2026, 10, 1, 9, 0);

/** A wall clock and a boot clock the test moves: pass() moves both, jump() only the wall clock. */
function clocks() {
  const c = { wall: T0, boot: 5 * MINUTE };
  return {
    c,
    wall: () => c.wall,
    boot: () => c.boot,
    pass(ms: number) {
      c.wall += ms;
      c.boot += ms;
    },
    jump(ms: number) {
      c.wall += ms;
    },
  };
}

describe('WallClockTrust', () => {
  it('trusts a wall clock in step with the boot clock, over weeks and across a suspend', () => {
    const t = clocks();
    const trust = new WallClockTrust(t.wall, t.boot);
    for (let i = 0; i < 21 * 24; i += 1) {
      t.pass(HOUR);
      expect(trust.read()).toEqual({ trusted: true, now: t.c.wall });
    }
    t.jump(2 * MINUTE); // a manual correction or time sync: well inside the margin
    expect(trust.read().trusted).toBe(true);
  });

  it('distrusts a wall clock that jumped ahead until it comes back, and meanwhile says where the boot clock puts it', () => {
    const t = clocks();
    const trust = new WallClockTrust(t.wall, t.boot);
    t.pass(10 * MINUTE);
    t.jump(YEAR);
    expect(trust.read()).toEqual({ trusted: false, now: T0 + 10 * MINUTE });
    // Not only the first reading after the jump: the wall clock is still a year ahead.
    t.pass(10 * MINUTE);
    expect(trust.read()).toEqual({ trusted: false, now: T0 + 20 * MINUTE });
    t.pass(3 * HOUR);
    expect(trust.read().trusted).toBe(false);
    // Time sync puts it right: trusted again.
    t.jump(-YEAR);
    expect(trust.read()).toEqual({ trusted: true, now: t.c.wall });
  });

  it('trusts a clock set back (it only delays deletion), and its correction forward again', () => {
    const t = clocks();
    const trust = new WallClockTrust(t.wall, t.boot);
    t.jump(-30 * DAY);
    expect(trust.read().trusted).toBe(true);
    t.pass(HOUR);
    t.jump(30 * DAY);
    expect(trust.read().trusted).toBe(true);
  });

  it('accepts a new time that has held for a day (a clock that was behind at the start, then corrected)', () => {
    const t = clocks();
    const trust = new WallClockTrust(t.wall, t.boot);
    t.jump(3 * DAY);
    expect(trust.read().trusted).toBe(false);
    t.pass(WALL_CLOCK_ACCEPT_AFTER_MS - MINUTE);
    expect(trust.read().trusted).toBe(false);
    t.pass(MINUTE);
    expect(trust.read()).toEqual({ trusted: true, now: t.c.wall });
    t.pass(HOUR);
    expect(trust.read().trusted).toBe(true);
  });

  it('is one per wall clock, so a jump while locked is seen at the next unlock', () => {
    const wall = (): number => T0;
    expect(wallClockTrustFor(wall)).toBe(wallClockTrustFor(wall));
    expect(wallClockTrustFor(() => T0)).not.toBe(wallClockTrustFor(wall));
  });
});

function fakeStore(purged: number[]) {
  return {
    appendAudit: async () => ({}),
    purgeSentBefore: async (cutoff: number) => {
      purged.push(cutoff);
      return { deleted: 1, checkpointed: true };
    },
    purgeIncidentsBefore: async () => ({ incidentIds: [], events: 0 }),
    getSetting: async () => null,
    setSetting: async () => undefined,
  };
}

describe('the retention sweep', () => {
  function sweep(now: () => number, wallClock: WallClockTrust, purged: number[], logs: string[]): Promise<number> {
    const deps: RetentionDeps = {
      store: fakeStore(purged),
      audit: { record: async () => undefined } as unknown as RetentionDeps['audit'],
      days: 30,
      now,
      wallClock,
      log: (line) => logs.push(line),
      changed: () => undefined,
      incidentsPurged: () => undefined,
      openIncidents: () => [],
    };
    return sweepRetention(deps);
  }

  it('is deferred (logged, reason only) while the wall clock is implausibly ahead, and runs once it is right again', async () => {
    const t = clocks();
    const trust = new WallClockTrust(t.wall, t.boot);
    const purged: number[] = [];
    const logs: string[] = [];
    t.pass(10 * MINUTE);
    expect(await sweep(t.wall, trust, purged, logs)).toBe(1);
    expect(purged).toEqual([T0 + 10 * MINUTE - 30 * DAY]);

    t.pass(10 * MINUTE);
    t.jump(YEAR);
    expect(await sweep(t.wall, trust, purged, logs)).toBe(0);
    t.pass(10 * MINUTE);
    expect(await sweep(t.wall, trust, purged, logs)).toBe(0);
    expect(purged).toHaveLength(1);
    expect(logs.filter((line) => line === 'retention sweep-deferred reason=wall-clock-ahead')).toHaveLength(2);

    t.jump(-YEAR);
    expect(await sweep(t.wall, trust, purged, logs)).toBe(1);
    expect(purged.at(-1)).toBe(T0 + 30 * MINUTE - 30 * DAY);
  });
});

describe('a profile open while the wall clock jumps a year ahead', () => {
  function open(t: ReturnType<typeof clocks>, purged: number[], ticker: ManualTicker, chat: ChatService | null = null): ProfileGovernance {
    const deps: ProfileGovernanceDeps = {
      store: fakeStore(purged) as unknown as WardlineStore,
      person: { name: 'Sr Ana Lopes', role: 'Ward sister' },
      account: () => null,
      chat: () => chat,
      policy: { retentionDays: 30, wipeOnRevocation: false, privacyBlur: false, maskPatientIdentifiers: false, conversationPreviews: true },
      policySource: { kind: 'default', path: '(test)', sha256: null },
      exportFile: async () => ({ saved: false, location: null }),
      ticker,
      now: t.wall,
      wallClock: new WallClockTrust(t.wall, t.boot),
      log: () => undefined,
      changed: () => undefined,
      incidentsPurged: () => undefined,
      openIncidents: () => [],
      isOpen: () => true,
      clipboard: null,
    };
    return new ProfileGovernance(deps);
  }

  it('purges nothing and drops no archive message as expired by the wrong year', async () => {
    const t = clocks();
    const purged: number[] = [];
    const ticker = new ManualTicker();
    const governance = open(t, purged, ticker);
    await governance.opened({ created: false, priorFailures: { consecutive: 0, lastFailureAt: null } });
    expect(purged).toEqual([T0 - 30 * DAY]);

    t.pass(10 * MINUTE);
    t.jump(YEAR);
    ticker.tick();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(purged).toHaveLength(1);
    // The archive catch-up drops (and moves past) what is older than this: the real cutoff, not a year on.
    expect(governance.retainedSince()).toBe(T0 + 10 * MINUTE - 30 * DAY);
  });

  it('drops held messages from outside senders past the lifespan at every sweep, not only when messaging starts (review finding)', async () => {
    const t = clocks();
    const asked: number[] = [];
    const chat = { expireHeld: async (before: number) => (asked.push(before), 1) } as unknown as ChatService;
    const ticker = new ManualTicker();
    const governance = open(t, [], ticker, chat);
    await governance.opened({ created: false, priorFailures: { consecutive: 0, lastFailureAt: null } });
    t.pass(HOUR);
    ticker.tick();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(asked).toEqual([T0 - 30 * DAY, T0 + HOUR - 30 * DAY]);
  });
});

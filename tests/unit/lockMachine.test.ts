import { describe, expect, it } from 'vitest';
import { initialLockState, nextLockState, type LockState } from '../../electron/core/session/lockMachine.js';
import { AutoLock, effectiveIdleLimit, type Ticker } from '../../electron/core/session/autoLock.js';
import { FailSafeIdle } from '../../electron/core/session/failSafeIdle.js';

const pending = { messages: 3, urgent: 1 };

describe('lock state machine', () => {
  it('starts with no profile, or locked when profiles exist', () => {
    expect(initialLockState(0)).toEqual({ kind: 'no-profile' });
    expect(initialLockState(2)).toMatchObject({ kind: 'locked', reason: 'startup' });
  });

  it('goes locked → unlocked → locked with the reason and counts', () => {
    let s: LockState = initialLockState(1);
    s = nextLockState(s, { type: 'unlocked', profileId: 'p1', at: 10 });
    expect(s).toEqual({ kind: 'unlocked', profileId: 'p1', unlockedAt: 10 });
    s = nextLockState(s, { type: 'lock', reason: 'idle', pending });
    expect(s).toEqual({ kind: 'locked', reason: 'idle', pending });
  });

  it('never unlocks when there is no profile, and creating a profile does not unlock', () => {
    expect(() => nextLockState({ kind: 'no-profile' }, { type: 'unlocked', profileId: 'x', at: 1 })).toThrow();
    const created = nextLockState({ kind: 'no-profile' }, { type: 'profiles-changed', count: 1 });
    expect(created.kind).toBe('locked');
    const unlocked: LockState = { kind: 'unlocked', profileId: 'a', unlockedAt: 1 };
    expect(nextLockState(unlocked, { type: 'profiles-changed', count: 2 })).toBe(unlocked);
    expect(nextLockState(unlocked, { type: 'profiles-changed', count: 0 })).toEqual({ kind: 'no-profile' });
  });
});

describe('auto-lock', () => {
  it('lets a person shorten the policy limit but never lengthen it', () => {
    expect(effectiveIdleLimit(300, null)).toBe(300);
    expect(effectiveIdleLimit(300, 60)).toBe(60);
    expect(effectiveIdleLimit(300, 3600)).toBe(300);
    expect(effectiveIdleLimit(300, 1)).toBe(30);
  });

  it('locks once OS idle time reaches the limit, checked on each tick', () => {
    let idle = 0;
    let tick: () => void = () => {};
    const ticker: Ticker = { every: (_ms, fn) => ((tick = fn), () => (tick = () => {})) };
    let locks = 0;
    const auto = new AutoLock({ idleSeconds: () => idle }, ticker, () => locks++);
    auto.start(() => 300);
    idle = 299;
    tick();
    expect(locks).toBe(0);
    idle = 300;
    tick();
    expect(locks).toBe(1);
    auto.stop();
    tick();
    expect(locks).toBe(1);
  });
});

describe('auto-lock and a locked OS screen (Linux sends no lock-screen event)', () => {
  it('locks at once, as an OS lock, when the OS reports its screen locked, whatever the idle time', () => {
    let locked = false;
    let tick: () => void = () => {};
    const ticker: Ticker = { every: (_ms, fn) => ((tick = fn), () => (tick = () => {})) };
    const reasons: string[] = [];
    // Through the fail-safe wrapper, as the core builds it.
    const idle = new FailSafeIdle({ idleSeconds: () => 0, screenLocked: () => locked }, { now: () => 0 });
    new AutoLock(idle, ticker, (reason) => reasons.push(reason)).start(() => 300);
    tick();
    expect(reasons).toEqual([]);
    locked = true;
    tick();
    expect(reasons).toEqual(['os-lock']);
  });

  it('treats an OS source that cannot say (or throws) as not locked, and the idle rule still applies', () => {
    const quiet = new FailSafeIdle({ idleSeconds: () => 0 }, { now: () => 0 });
    const broken = new FailSafeIdle({ idleSeconds: () => 0, screenLocked: () => { throw new Error('no D-Bus'); } }, { now: () => 0 });
    expect(quiet.screenLocked()).toBe(false);
    expect(broken.screenLocked()).toBe(false);
  });
});

describe('fail-safe idle (OS idle time that may be stuck)', () => {
  const setup = (os: () => number) => {
    let now = 1_000_000;
    const lines: string[] = [];
    const idle = new FailSafeIdle({ idleSeconds: os }, { now: () => now, log: (line) => lines.push(line) });
    return { idle, lines, advance: (seconds: number) => (now += seconds * 1000) };
  };

  it('reports the OS figure while the OS source is alive, however long Wardline sees no input of its own', () => {
    let os = 0;
    const { idle, lines, advance } = setup(() => os);
    // Someone working in another window: the OS sees their pauses; Wardline sees nothing for 20 minutes.
    for (let check = 0; check < 240; check += 1) {
      advance(5);
      os = check % 3 === 0 ? 2 : 0;
      expect(idle.idleSeconds()).toBeLessThan(30);
    }
    // Then they walk away: the OS figure is what counts.
    os = 300;
    expect(idle.idleSeconds()).toBe(300);
    expect(lines).toEqual([]);
  });

  it('falls back to Wardline’s own input time when the OS has reported no pause since that input (stuck at 0)', () => {
    const { idle, lines, advance } = setup(() => 0);
    advance(120);
    idle.noteInput();
    advance(299);
    expect(idle.idleSeconds()).toBe(299);
    advance(1);
    expect(idle.idleSeconds()).toBe(300);
    expect(lines).toEqual(['session idle-source reason=os-idle-stuck using=wardline-input']);
    // Input in Wardline's window keeps it unlocked even though the OS source is dead.
    idle.noteInput();
    advance(10);
    expect(idle.idleSeconds()).toBe(10);
    expect(lines).toHaveLength(1);
  });

  it('never counts from before the OS source was last alive', () => {
    let os = 0;
    const { idle, advance } = setup(() => os);
    advance(600);
    os = 3;
    expect(idle.idleSeconds()).toBe(3); // alive just now: Wardline's 10 minutes without input do not count
    os = 0;
    advance(200);
    expect(idle.idleSeconds()).toBe(200); // stuck again since: counts from the OS's last pause
  });

  it('uses Wardline’s own input time when the OS source throws or returns nonsense', () => {
    for (const broken of [() => Number.NaN, () => -1, () => Number.POSITIVE_INFINITY, () => { throw new Error('no idle API'); }]) {
      const { idle, lines, advance } = setup(broken);
      advance(90);
      expect(idle.idleSeconds()).toBe(90);
      expect(lines).toEqual(['session idle-source reason=os-idle-unreadable using=wardline-input']);
    }
  });

  it('locks through AutoLock when the OS is stuck and nobody touches Wardline', () => {
    let tick: () => void = () => {};
    const ticker: Ticker = { every: (_ms, fn) => ((tick = fn), () => (tick = () => {})) };
    const { idle, advance } = setup(() => 0);
    let locks = 0;
    new AutoLock(idle, ticker, () => locks++).start(() => 300);
    advance(295);
    tick();
    expect(locks).toBe(0);
    advance(5);
    tick();
    expect(locks).toBe(1);
  });
});

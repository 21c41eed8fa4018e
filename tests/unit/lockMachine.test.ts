import { describe, expect, it } from 'vitest';
import { initialLockState, nextLockState, type LockState } from '../../electron/core/session/lockMachine.js';
import { AutoLock, effectiveIdleLimit, type Ticker } from '../../electron/core/session/autoLock.js';

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

// The reconnect schedule: exponential, capped, full jitter, driven by an injected random source.
import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from '../../electron/core/xmpp/backoff.js';

describe('reconnect backoff', () => {
  it('doubles the ceiling per failure up to the cap, and draws uniformly below it', () => {
    const policy = { baseMs: 1_000, capMs: 30_000 };
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 20].map((failures) => backoffDelay(failures, policy, () => 0.999_999));
    expect(ceilings).toEqual([999, 1_999, 3_999, 7_999, 15_999, 29_999, 29_999, 29_999]);
    expect([1, 2, 3, 4, 5, 6].map((failures) => backoffDelay(failures, policy, () => 0.5))).toEqual([500, 1_000, 2_000, 4_000, 8_000, 15_000]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
  });

  it('waits nothing before the first attempt and never overflows on a long outage', () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0.7)).toBe(0);
    expect(backoffDelay(10_000, DEFAULT_BACKOFF, () => 0.5)).toBe(30_000);
  });

  it('clamps a misbehaving random source into [0, cap]', () => {
    expect(backoffDelay(2, DEFAULT_BACKOFF, () => 7)).toBe(2_000);
    expect(backoffDelay(2, DEFAULT_BACKOFF, () => -1)).toBe(0);
  });

  it('spreads a fleet of clients over the window instead of synchronising them', () => {
    let seed = 42;
    const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const delays = Array.from({ length: 1_000 }, () => backoffDelay(4, DEFAULT_BACKOFF, random));
    expect(Math.min(...delays)).toBeLessThan(500);
    expect(Math.max(...delays)).toBeGreaterThan(7_500);
    expect(new Set(delays).size).toBeGreaterThan(900);
  });
});

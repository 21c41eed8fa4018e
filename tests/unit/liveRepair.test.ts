import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveRepair } from '../../electron/core/chat/liveRepair.js';

// Fake timers: the repair's backoff and the test's waits run on one clock, so a stalled event loop
// cannot reorder them. advanceTimersByTimeAsync also lets the repair's promises settle between timers.
beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('live repair', () => {
  it('a failure reported while a repair runs gets a repair of its own after it (review finding)', async () => {
    let runs = 0;
    let release: () => void = () => undefined;
    const repair = new LiveRepair({
      catchUp: () => {
        runs += 1;
        return runs === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
      },
      log: () => undefined,
      delaysMs: [5],
    });
    repair.failed();
    await vi.advanceTimersByTimeAsync(4);
    expect(runs).toBe(0); // waits its delay first
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toBe(1);
    repair.failed(); // while the first is still running: it may already be past what failed
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toBe(1); // not alongside the running one
    release();
    await vi.advanceTimersByTimeAsync(5);
    expect(runs).toBe(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toBe(2);
    repair.stop();
  });

  it('retries with backoff until a catch-up goes through', async () => {
    let runs = 0;
    const catchUp = async (): Promise<void> => {
      runs += 1;
      if (runs < 3) throw new Error('offline');
    };
    const repair = new LiveRepair({ catchUp, log: () => undefined, delaysMs: [5] });
    repair.failed();
    await vi.advanceTimersByTimeAsync(5);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(5);
    expect(runs).toBe(2);
    await vi.advanceTimersByTimeAsync(5);
    expect(runs).toBe(3);
    // Through: no more.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toBe(3);
    repair.stop();
  });
});

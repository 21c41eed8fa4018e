import { describe, expect, it } from 'vitest';
import { singleFlight } from '../../renderer/src/lib/singleFlight.js';

describe('singleFlight (screen re-reads)', () => {
  it('runs one read at a time; a burst during it costs one more read, which sees the latest state', async () => {
    let state = 0;
    const seen: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const refresh = singleFlight(async () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push(state);
      inFlight -= 1;
    });
    const first = refresh();
    for (let change = 1; change <= 100; change += 1) {
      state = change;
      void refresh(); // 100 change events while the first read runs
    }
    await first;
    expect(seen).toEqual([100, 100]);
    expect(maxInFlight).toBe(1);
    // Quiet again: the next change reads once.
    state = 101;
    await refresh();
    expect(seen).toEqual([100, 100, 101]);
  });

  it('a failed read does not wedge later ones', async () => {
    let fail = true;
    const refresh = singleFlight(async () => {
      if (fail) throw new Error('store closing');
    });
    await expect(refresh()).rejects.toThrow('store closing');
    fail = false;
    await expect(refresh()).resolves.toBeUndefined();
  });
});

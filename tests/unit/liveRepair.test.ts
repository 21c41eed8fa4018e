import { describe, expect, it } from 'vitest';
import { LiveRepair } from '../../electron/core/chat/liveRepair.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
    await tick(20);
    expect(runs).toBe(1);
    repair.failed(); // while the first is still running: it may already be past what failed
    release();
    await tick(30);
    expect(runs).toBe(2);
    await tick(30);
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
    await tick(80);
    expect(runs).toBe(3);
    repair.stop();
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChangeCoalescer } from '../../electron/core/session/changeCoalescer.js';

describe('ChangeCoalescer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the first change at once, then one merged event per window however many changes come', () => {
    const sent: number[][] = [];
    const changes = new ChangeCoalescer((ids) => sent.push(ids), 250);
    changes.push([1]);
    expect(sent).toEqual([[1]]); // a new message shows without delay
    for (let page = 0; page < 400; page += 1) changes.push([page % 3 === 0 ? 2 : 3]); // a catch-up, page after page
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(250);
    expect(sent).toEqual([[1], [2, 3]]);
    changes.push([4]);
    vi.advanceTimersByTime(250);
    expect(sent).toEqual([[1], [2, 3], [4]]);
    // Quiet: nothing more is sent, and the next change goes out at once again.
    vi.advanceTimersByTime(10_000);
    expect(sent).toHaveLength(3);
    changes.push([5]);
    expect(sent.at(-1)).toEqual([5]);
  });

  it('an event with no ids ("anything may have changed": retention deleted messages) is never merged away', () => {
    const sent: number[][] = [];
    const changes = new ChangeCoalescer((ids) => sent.push(ids), 250);
    changes.push([7]);
    changes.push([8]);
    changes.push([]);
    changes.push([9]);
    vi.advanceTimersByTime(250);
    expect(sent).toEqual([[7], []]);
  });

  it('drops what is pending when cancelled (a lock), and starts afresh', () => {
    const sent: number[][] = [];
    const changes = new ChangeCoalescer((ids) => sent.push(ids), 250);
    changes.push([1]);
    changes.push([2]);
    changes.cancel();
    vi.advanceTimersByTime(1_000);
    expect(sent).toEqual([[1]]);
    changes.push([3]);
    expect(sent).toEqual([[1], [3]]);
  });
});

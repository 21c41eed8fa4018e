import { describe, expect, it } from 'vitest';
import { includeRow, mergeById, visibleRange } from '../../renderer/src/lib/windowing.js';

describe('thread windowing', () => {
  it('renders only rows near the viewport of a 100,000-message thread', () => {
    const heights = Array.from({ length: 100_000 }, () => 80);
    const total = 80 * 100_000;
    const r = visibleRange(heights, 4_000_000, 800, 400);
    expect(r.end - r.start).toBeLessThanOrEqual(Math.ceil((800 + 800) / 80) + 1);
    expect(r.padTop + (r.end - r.start) * 80 + r.padBottom).toBe(total);
    expect(r.padTop).toBeLessThanOrEqual(4_000_000 - 400);
  });

  it('covers the viewport exactly at the top and the bottom', () => {
    const heights = [50, 100, 30, 200, 60];
    expect(visibleRange(heights, 0, 100, 0)).toEqual({ start: 0, end: 2, padTop: 0, padBottom: 290 });
    const bottom = visibleRange(heights, 340, 100, 0);
    expect(bottom.end).toBe(5);
    expect(visibleRange([], 0, 100)).toEqual({ start: 0, end: 0, padTop: 0, padBottom: 0 });
  });

  it('merges a fresh page so newer delivery states replace older copies', () => {
    const shown = [{ id: 1, sentAt: 10, state: 'sent' }, { id: 2, sentAt: 20, state: 'sent' }];
    const fresh = [{ id: 2, sentAt: 20, state: 'read' }, { id: 3, sentAt: 15, state: 'sent' }];
    expect(mergeById(shown, fresh)).toEqual([
      { id: 1, sentAt: 10, state: 'sent' },
      { id: 3, sentAt: 15, state: 'sent' },
      { id: 2, sentAt: 20, state: 'read' },
    ]);
  });
});

describe('keeping the focused row in the window', () => {
  const heights = Array.from({ length: 1000 }, () => 80);

  it('leaves a range that already holds the row alone', () => {
    const range = visibleRange(heights, 40_000, 800);
    expect(includeRow(range, heights, range.start + 2)).toEqual(range);
    expect(includeRow(range, heights, -1)).toEqual(range);
  });

  it('widens the range to the focused row above or below it, spacers adding up to the same height', () => {
    const range = visibleRange(heights, 40_000, 800);
    const above = includeRow(range, heights, range.start - 30);
    expect(above.start).toBe(range.start - 30);
    expect(above.end).toBe(range.end);
    const below = includeRow(range, heights, range.end + 5);
    expect(below.end).toBe(range.end + 6);
    for (const r of [above, below]) {
      const rows = heights.slice(r.start, r.end).reduce((a, b) => a + b, 0);
      expect(r.padTop + rows + r.padBottom).toBe(80_000);
    }
  });

  it('lets a row far away go rather than render everything between', () => {
    const range = visibleRange(heights, 40_000, 800);
    expect(includeRow(range, heights, 0)).toEqual(range);
    expect(includeRow(range, heights, 999)).toEqual(range);
  });
});

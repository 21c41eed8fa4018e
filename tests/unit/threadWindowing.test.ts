import { describe, expect, it } from 'vitest';
import { mergeById, visibleRange } from '../../renderer/src/lib/windowing.js';

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

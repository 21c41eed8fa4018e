/**
 * Which rows of a long message list to put in the DOM. Only rows near the
 * viewport are rendered; spacers stand in for the rest, so a thread of
 * 100,000 messages costs the DOM the same as one of 50.
 */
export interface WindowRange {
  start: number;
  end: number;
  padTop: number;
  padBottom: number;
}

export function visibleRange(heights: readonly number[], scrollTop: number, viewport: number, overscanPx = 600): WindowRange {
  const from = Math.max(0, scrollTop - overscanPx);
  const to = scrollTop + viewport + overscanPx;
  let y = 0;
  let start = heights.length;
  let padTop = 0;
  for (let i = 0; i < heights.length; i++) {
    const h = heights[i] ?? 0;
    if (y + h > from) {
      start = i;
      padTop = y;
      break;
    }
    y += h;
  }
  let end = start;
  y = padTop;
  while (end < heights.length && y < to) {
    y += heights[end] ?? 0;
    end++;
  }
  let padBottom = 0;
  for (let i = end; i < heights.length; i++) padBottom += heights[i] ?? 0;
  return { start, end, padTop, padBottom };
}

/** How far (in rows) the focused row may be from the window and still be kept in the DOM. */
export const MAX_PINNED_DISTANCE = 100;

/**
 * Widens the range to take in row `index` (the row holding keyboard focus), so the row, and focus
 * with it, is not dropped when the window moves (scrolling by Tab, older messages loading). A row
 * far away (the person scrolled off with the mouse) is let go rather than render everything between.
 */
export function includeRow(range: WindowRange, heights: readonly number[], index: number): WindowRange {
  if (index < 0 || index >= heights.length || (index >= range.start && index < range.end)) return range;
  if (index < range.start - MAX_PINNED_DISTANCE || index >= range.end + MAX_PINNED_DISTANCE) return range;
  const start = Math.min(range.start, index);
  const end = Math.max(range.end, index + 1);
  let padTop = 0;
  for (let i = 0; i < start; i++) padTop += heights[i] ?? 0;
  let padBottom = 0;
  for (let i = end; i < heights.length; i++) padBottom += heights[i] ?? 0;
  return { start, end, padTop, padBottom };
}

/** Merges a freshly read page into what is shown: same id → newer copy wins (delivery state moves on). */
export function mergeById<T extends { id: number; sentAt: number }>(shown: readonly T[], fresh: readonly T[]): T[] {
  const byId = new Map(shown.map((m) => [m.id, m]));
  for (const m of fresh) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.sentAt - b.sentAt || a.id - b.id);
}

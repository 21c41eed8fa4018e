import { describe, expect, it } from 'vitest';
import type { HistoryState } from '../../electron/core/chat/chatTypes.js';
import { SessionHistory } from '../../electron/core/chat/sessionHistory.js';

function history(): { history: SessionHistory; shown: HistoryState[] } {
  const shown: HistoryState[] = [];
  return { history: new SessionHistory((state) => shown.push(state)), shown };
}

describe('session history (what the connection view may claim)', () => {
  it('a set-up that caught everything up is complete; a drop starts over; a resume restores what it found', () => {
    const { history: h, shown } = history();
    expect(h.current).toBe('catching-up');
    h.setUpStarted();
    expect(h.setUpFinished(true)).toBe('complete');
    h.dropped();
    expect(h.current).toBe('catching-up');
    expect(h.resumed()).toBe('complete');
    expect(shown).toEqual(['complete', 'complete']);
  });

  it('something missed while the set-up ran makes it incomplete even if every step succeeded', () => {
    const { history: h } = history();
    h.setUpStarted();
    h.missing(false);
    expect(h.setUpFinished(true)).toBe('incomplete');
    // The next set-up starts clean.
    h.setUpStarted();
    expect(h.setUpFinished(true)).toBe('complete');
  });

  it('a repair completes history only if nothing went missing while it ran; a resume after a failure stays incomplete', () => {
    const { history: h, shown } = history();
    h.setUpStarted();
    h.setUpFinished(true);
    h.missing(true);
    expect(h.current).toBe('incomplete');
    const first = h.repairStarted();
    h.missing(true); // a live message failed while the repair was fetching
    h.repaired(first);
    expect(h.current).toBe('incomplete');
    h.dropped();
    expect(h.resumed()).toBe('incomplete');
    h.repaired(h.repairStarted());
    expect(h.current).toBe('complete');
    expect(shown).toEqual(['complete', 'incomplete', 'incomplete', 'incomplete', 'complete']);
  });
});

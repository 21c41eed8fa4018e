import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DraftKeeper, flushDrafts, NO_DRAFT, type DraftText } from '../../renderer/src/lib/draftKeeper.js';

/** A save main answers when the test says so, recording the order drafts reached it. */
function slowMain() {
  const reached: string[] = [];
  const waiting: Array<(failure: string | null) => void> = [];
  const save = (draft: DraftText) => {
    reached.push(`${draft.urgent ? '!' : ''}${draft.body}`);
    return new Promise<string | null>((resolve) => waiting.push(resolve));
  };
  const answer = (failure: string | null = null) => waiting.shift()?.(failure);
  return { reached, save, answer };
}

const typed = (body: string, urgent = false): DraftText => ({ body, urgent });

describe('draft keeper (composer text kept in main while the person writes)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('saves after a pause in typing, once, with the latest text', async () => {
    const saved: string[] = [];
    const keeper = new DraftKeeper<DraftText>(async (d) => (saved.push(d.body), null), () => undefined, NO_DRAFT, 400);
    for (const text of ['P', 'Pl', 'Ple', 'Please review bed 4']) {
      keeper.changed(typed(text));
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(saved).toEqual([]);
    await vi.advanceTimersByTimeAsync(400);
    expect(saved).toEqual(['Please review bed 4']);
    await keeper.dispose();
  });

  it('does not save what main already holds (the loaded draft), nor a change typed back', async () => {
    const saved: string[] = [];
    const keeper = new DraftKeeper<DraftText>(async (d) => (saved.push(d.body), null), () => undefined, typed('Held text'), 400);
    keeper.changed(typed('Held text'));
    keeper.changed(typed('Held text!'));
    keeper.changed(typed('Held text'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(saved).toEqual([]);
    keeper.changed(typed('Held text', true)); // urgency is part of the draft
    await vi.advanceTimersByTimeAsync(400);
    expect(saved).toEqual(['Held text']);
    await keeper.dispose();
  });

  it('keeps saves in order: an older text never lands after a newer one', async () => {
    const main = slowMain();
    const keeper = new DraftKeeper<DraftText>(main.save, () => undefined, NO_DRAFT, 400);
    keeper.changed(typed('first'));
    void keeper.flush();
    keeper.changed(typed('second'));
    const flushed = keeper.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(main.reached).toEqual(['first']); // the second waits for the first's answer
    main.answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(main.reached).toEqual(['first', 'second']);
    main.answer();
    await flushed;
    // Typing back to the text of a save still on its way is a change, not a no-op.
    keeper.changed(typed('first'));
    void keeper.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(main.reached).toEqual(['first', 'second', 'first']);
    main.answer();
    await keeper.dispose();
  });

  it('tells the person when a draft was not kept, and tries again at the next change', async () => {
    const outcomes: Array<string | null> = [];
    let refuse = true;
    const saved: string[] = [];
    const keeper = new DraftKeeper<DraftText>(
      async (d) => (saved.push(d.body), refuse ? 'The store is busy.' : null),
      (failure) => outcomes.push(failure),
      NO_DRAFT,
      400,
    );
    keeper.changed(typed('Sats 88% on air'));
    await keeper.flush();
    expect(outcomes).toEqual(['The store is busy.']);
    refuse = false;
    keeper.changed(typed('Sats 88% on air')); // the same text: main does not have it, so it is saved
    await keeper.flush();
    expect(saved).toEqual(['Sats 88% on air', 'Sats 88% on air']);
    expect(outcomes).toEqual(['The store is busy.', null]);
    await keeper.dispose();
  });

  it('before a send, drops what is pending and waits for saves on their way; after it, nothing is re-saved', async () => {
    const main = slowMain();
    const keeper = new DraftKeeper<DraftText>(main.save, () => undefined, NO_DRAFT, 400);
    keeper.changed(typed('Transfer to CCU'));
    void keeper.flush();
    keeper.changed(typed('Transfer to CCU now'));
    let ready = false;
    void keeper.beforeSend().then(() => (ready = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(ready).toBe(false); // the save on its way finishes first
    main.answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(ready).toBe(true);
    keeper.settled(NO_DRAFT);
    keeper.changed(NO_DRAFT); // the composer empties itself
    await vi.advanceTimersByTimeAsync(1000);
    expect(main.reached).toEqual(['Transfer to CCU']); // the dropped text was never saved behind the send
    await keeper.dispose();
  });

  it('flushDrafts saves every open composer at once, and gives up waiting after its timeout', async () => {
    const saved: string[] = [];
    const a = new DraftKeeper<DraftText>(async (d) => (saved.push(d.body), null), () => undefined, NO_DRAFT, 400);
    const b = new DraftKeeper<DraftText>(async (d) => (saved.push(d.body), null), () => undefined, NO_DRAFT, 400);
    a.changed(typed('for A'));
    b.changed(typed('for B'));
    await flushDrafts(500);
    expect(saved.sort()).toEqual(['for A', 'for B']);
    await a.dispose();
    await b.dispose();

    const hung = new DraftKeeper<DraftText>(() => new Promise<string | null>(() => undefined), () => undefined, NO_DRAFT, 400);
    hung.changed(typed('never answered'));
    let done = false;
    void flushDrafts(500).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(499);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    void hung.dispose();
  });

  it('a disposed composer saves what was pending and is no longer flushed', async () => {
    const saved: string[] = [];
    const keeper = new DraftKeeper<DraftText>(async (d) => (saved.push(d.body), null), () => undefined, NO_DRAFT, 400);
    keeper.changed(typed('switching conversation mid-sentence'));
    await keeper.dispose();
    expect(saved).toEqual(['switching conversation mid-sentence']);
    keeper.changed(typed('after dispose'));
    await flushDrafts(10);
    expect(saved).toEqual(['switching conversation mid-sentence']);
  });
});

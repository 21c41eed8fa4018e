// Archive catch-up against a fake archive (iq and store faked): a run ends on a page marked
// complete, and one whose server never gets there (positions going round in a circle, empty pages
// it says are not the last, no end at all) stops and rejects, so set-up finishes and the service
// retries later, with the cursor never past what was stored (review finding: it looped for ever).
import { describe, expect, it } from 'vitest';
import { ArchiveCatchUp, CatchUpStoppedError, MAX_PAGES_PER_RUN, type CatchUpDeps } from '../../electron/core/chat/archiveCatchUp.js';
import type { ReceivedItem } from '../../electron/core/chat/incoming.js';
import type { WardlineStore } from '../../electron/core/store/index.js';
import { xml, type XmlElement } from '../../electron/core/xmpp/index.js';

const ME = 'clerk@trust.nhs.uk';
const PEER = 'consultant@trust.nhs.uk';

/** What the fake archive answers to one query. */
interface FakePage {
  /** Results the service stores (collected) and ones it ignores (only seen). */
  stored?: number;
  ignored?: number;
  last: string | null;
  complete: boolean;
}

function harness(answer: (asked: number, after: string | undefined) => FakePage | Error, options: Partial<CatchUpDeps> = {}) {
  const settings = new Map<string, string>();
  const store = {
    getSetting: async (key: string) => settings.get(key) ?? null,
    setSetting: async (key: string, value: string) => void settings.set(key, value),
  } as unknown as WardlineStore;
  const logs: string[] = [];
  const afters: (string | undefined)[] = [];
  let applied = 0;
  const catchUp: ArchiveCatchUp = new ArchiveCatchUp({
    store,
    iq: async (request: XmlElement) => {
      const query = request.getChild('query', 'urn:xmpp:mam:2');
      const queryId = String(query?.attrs['queryid']);
      const after = query?.getChild('set', 'http://jabber.org/protocol/rsm')?.getChildText('after') ?? undefined;
      afters.push(after);
      const page = answer(afters.length, after);
      if (page instanceof Error) throw page;
      // As the service does on the stream: every result is seen, the ones it keeps are collected.
      for (let i = 0; i < (page.stored ?? 0) + (page.ignored ?? 0); i += 1) {
        catchUp.sawResult(xml('message', { from: ME }, xml('result', { xmlns: 'urn:xmpp:mam:2', queryid: queryId, id: `r-${afters.length}-${i}` })));
        if (i < (page.stored ?? 0)) catchUp.collect(queryId, receipt(`m-${afters.length}-${i}`));
      }
      const set = xml('set', { xmlns: 'http://jabber.org/protocol/rsm' }, ...(page.last === null ? [] : [xml('last', {}, page.last)]));
      return xml('iq', { type: 'result' }, xml('fin', { xmlns: 'urn:xmpp:mam:2', ...(page.complete ? { complete: 'true' } : {}) }, set));
    },
    apply: async (items) => {
      applied += items.length;
      return { inserted: items.length, duplicates: 0 };
    },
    now: () => Date.UTC(2026, 10, 26),
    log: (line) => logs.push(line),
    pageSize: 250,
    initialWindowMs: 30 * 24 * 60 * 60_000,
    ...options,
  });
  return { catchUp, logs, afters, applied: () => applied, cursor: () => catchUp.readCursor(ME) };
}

function receipt(id: string): ReceivedItem {
  return { event: { kind: 'receipt', source: 'archive', direction: 'in', type: 'chat', from: `${PEER}/desk`, conversation: PEER, author: null, id }, card: null };
}

const always = (): boolean => true;

async function stopped(run: Promise<unknown>): Promise<CatchUpStoppedError> {
  const error: unknown = await run.then(() => null, (e: unknown) => e);
  if (!(error instanceof CatchUpStoppedError)) throw new Error(`expected the run to stop, got ${String(error)}`);
  return error;
}

describe('ArchiveCatchUp', () => {
  it('pages forward from the cursor until a page is marked complete', async () => {
    const { catchUp, afters, cursor } = harness((asked) => ({ stored: 2, last: `p${asked}`, complete: asked === 3 }));
    await catchUp.writeCursor(ME, { after: 'p0', at: 1 });
    expect(await catchUp.run(ME, undefined, always)).toEqual({ fetched: 6, inserted: 6, pages: 3 });
    expect(afters).toEqual(['p0', 'p1', 'p2']);
    expect((await cursor())?.after).toBe('p3');
  });

  it('stops when positions go round in a circle (A, B, A), the cursor left at the last new one', async () => {
    const { catchUp, logs, afters, applied, cursor } = harness((asked) => ({ stored: 1, last: asked % 2 === 1 ? 'A' : 'B', complete: false }));
    const error = await stopped(catchUp.run(ME, undefined, always));
    expect(error.reason).toBe('repeated-position');
    expect(afters).toEqual([undefined, 'A', 'B']);
    // What the pages held is stored all the same (the store de-duplicates a re-fetch).
    expect(applied()).toBe(3);
    expect((await cursor())?.after).toBe('B');
    expect(logs).toContain(`chat catch-up-stopped archive=${ME} reason=repeated-position pages=3`);
  });

  it('stops when the server hands our own cursor back as the next position', async () => {
    const { catchUp, afters } = harness(() => ({ stored: 1, last: 'A', complete: false }));
    await catchUp.writeCursor(ME, { after: 'A', at: 1 });
    expect((await stopped(catchUp.run(ME, undefined, always))).reason).toBe('repeated-position');
    expect(afters).toEqual(['A']);
  });

  it('stops on an empty page not marked complete, even one naming a fresh position, and moves no cursor', async () => {
    const { catchUp, afters, cursor } = harness((asked) => ({ last: `fresh-${asked}`, complete: false }));
    expect((await stopped(catchUp.run(ME, undefined, always))).reason).toBe('empty-page');
    expect(afters).toHaveLength(1);
    expect(await cursor()).toBeNull();
  });

  it('does not mistake a page whose results were all ignored for an empty one', async () => {
    const { catchUp, cursor } = harness((asked) => ({ ignored: 50, last: `p${asked}`, complete: asked === 2 }));
    expect(await catchUp.run(ME, undefined, always)).toEqual({ fetched: 0, inserted: 0, pages: 2 });
    expect((await cursor())?.after).toBe('p2');
  });

  it('stops on a page with results but no position to carry on from', async () => {
    const { catchUp, cursor } = harness(() => ({ stored: 3, last: null, complete: false }));
    expect((await stopped(catchUp.run(ME, undefined, always))).reason).toBe('no-position');
    expect(await cursor()).toBeNull();
  });

  it('stops after a bounded number of pages, keeping the progress made', async () => {
    const endless = harness((asked) => ({ stored: 1, last: `p${asked}`, complete: false }), { maxPages: 5 });
    expect((await stopped(endless.catchUp.run(ME, undefined, always))).reason).toBe('page-limit');
    expect(endless.afters).toHaveLength(5);
    expect((await endless.cursor())?.after).toBe('p5');

    // The default: generous, but an end.
    const unbounded = harness((asked) => ({ stored: 1, last: `p${asked}`, complete: false }));
    expect((await stopped(unbounded.catchUp.run(ME, undefined, always))).reason).toBe('page-limit');
    expect(unbounded.afters).toHaveLength(MAX_PAGES_PER_RUN);
  });

  it('stops a server that says it lost every position it hands out', async () => {
    const lost = Object.assign(new Error('item-not-found'), { condition: 'item-not-found' });
    const { catchUp } = harness((_asked, after) => (after === undefined ? { stored: 1, last: `p${Math.random()}`, complete: false } : lost), { maxPages: 20 });
    await catchUp.writeCursor(ME, { after: 'p0', at: 1 });
    expect((await stopped(catchUp.run(ME, undefined, always))).reason).toBe('page-limit');
  });

  it('a page that cannot be stored moves no cursor', async () => {
    const { catchUp, cursor } = harness(() => ({ stored: 1, last: 'p1', complete: true }), {
      apply: async () => {
        throw new Error('disk full');
      },
    });
    await expect(catchUp.run(ME, undefined, always)).rejects.toThrow('disk full');
    expect(await cursor()).toBeNull();
  });
});

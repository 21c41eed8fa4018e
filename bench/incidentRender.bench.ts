/**
 * The coordinator board's render time with N responder rows (issue 6, section 7: "the board
 * stays responsive with 500 rows; report the render time"), in Debian's Chromium with the built
 * renderer. The contract is stubbed in the page (no core, no server): this measures the Svelte
 * board alone. Timed: 'incident:changed' fired → the responder table has every row → the next
 * animation frame (layout and paint scheduled). Baseline in the same run: the same with 10 rows.
 * Also: sorting the 500-row table by ETA (click → next frame).
 */
import { chromium } from 'playwright-core';
import { findChromium } from '../tools/chromium/findChromium.js';
import { chromiumArgs } from '../tools/chromium/openWardline.js';
import { CHROMIUM_APP_ORIGIN, routeRenderer } from '../tools/chromium/rendererRoute.js';
import { IncidentStateSchema, type IncidentState } from '../electron/common/contract.js';
import { isDirectRun, percentile, round } from './benchStats.js';

interface BenchWindow {
  __benchState(state: IncidentState | undefined): void;
}

/**
 * The board's state with n responders, typed against the contract and checked by its schema before
 * it reaches the page, so the stub cannot drift from what main sends (it once did, and the board
 * failed to render without anyone noticing).
 */
function benchState(rows: number, declaredAt: number): IncidentState {
  const state: IncidentState = {
    incident: {
      incidentId: 'mi-bench', name: 'Bench incident', details: '', exercise: true, declaredAt, declaredBy: 'lead@bench.test',
      declaredByName: null, closedAt: null, myRole: 'coordinator', coordinators: ['lead@bench.test'], displays: [], announcementRoom: null, coordinationRoom: null,
      requests: [{ requestId: 'req', at: declaredAt, by: 'lead@bench.test', note: '', closedAt: null, filled: false, totalNeeded: 600, totalAssigned: 0, totalArrived: 0,
        lines: [{ index: 0, role: 'ED nurse', location: 'ED majors', by: null, needed: 400, offered: rows, assigned: 0, arrived: 0, filled: false },
                { index: 1, role: 'Porter', location: 'ED majors', by: null, needed: 200, offered: 0, assigned: 0, arrived: 0, filled: false }] }],
      responders: Array.from({ length: rows }, (_, i) => {
        const etaMinutes = 5 + ((i * 7) % 60);
        return {
          requestId: 'req', jid: `r${i}@bench.test`, name: `Responder ${i}`, role: i % 3 ? 'ED nurse' : 'Porter',
          availability: { status: 'now' as const, etaMinutes }, respondedAt: declaredAt + i * 1000, expectedAt: declaredAt + i * 1000 + etaMinutes * 60000,
          status: 'offered' as const, directive: null, acknowledged: false, arrivedAt: null, line: 0, offeredAfterFilled: false, responseCount: 1,
        };
      }),
      locations: [{ location: 'ED majors', needed: 600, assigned: 0, arrived: 0 }],
      undelivered: [],
    },
    unsent: 0,
    canDeclare: true,
    me: { jid: 'lead@bench.test', name: 'Lead', role: 'ED consultant' },
  };
  return IncidentStateSchema.parse(state);
}

/** Plain JS for the page (a string, so esbuild's helpers never reach it). */
const STUB = `
(() => {
  const listeners = new Map();
  let state = null;
  const answers = {
    'app:info': () => ({ name: 'Wardline', version: 'bench', shell: 'chromium', platform: 'linux' }),
    'session:state': () => ({ kind: 'unlocked', profile: { id: '0'.repeat(32), displayName: 'Lead', role: 'ED consultant', kind: 'person' }, autoLock: { seconds: 300, policyMaxSeconds: 300 } }),
    'chat:connection': () => ({ kind: 'online', since: Date.now(), history: 'complete' }),
    'conversations:list': () => [],
    'incident:state': () => state,
  };
  window.wardline = {
    invoke: async (channel) => {
      const answer = answers[channel];
      return answer ? { ok: true, value: answer() } : { ok: true, value: channel === 'ui:focus' ? { ok: true } : [] };
    },
    on: (event, listener) => {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(listener);
      return () => listeners.get(event).delete(listener);
    },
  };
  window.__benchState = (next) => { state = next; };
  window.__benchRender = (n) => new Promise((resolve) => {
    const table = () => document.querySelector('table[aria-label="Responders"] tbody');
    const done = () => (table()?.querySelectorAll('tr').length ?? 0) === Math.max(n, 1) && document.body.textContent.includes('Responder ' + (n - 1));
    const started = performance.now();
    const check = () => {
      if (done()) requestAnimationFrame(() => resolve(performance.now() - started));
      else setTimeout(check, 0);
    };
    for (const listener of listeners.get('incident:changed') ?? []) listener({});
    check();
  });
  window.__benchSort = () => new Promise((resolve) => {
    const button = [...document.querySelectorAll('table[aria-label="Responders"] thead button')].find((b) => b.textContent.startsWith('ETA'));
    const started = performance.now();
    button.click();
    requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started), 0));
  });
})();
`;

export async function runIncidentRenderBench(options: { rows?: number; samples?: number } = {}): Promise<Record<string, number>> {
  const rows = options.rows ?? 500;
  const samples = options.samples ?? 15;
  const browser = await chromium.launch({ executablePath: findChromium(), headless: true, args: chromiumArgs() });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-GB' });
    await routeRenderer(context, new URL('../renderer/dist', import.meta.url).pathname);
    await context.addInitScript(STUB);
    const page = await context.newPage();
    const declaredAt = Date.now() - 10 * 60000;
    const states = new Map([0, 1, 10, rows].map((n) => [n, benchState(n, declaredAt)]));
    // Handing the state over is not timed: main would have sent it already.
    const giveState = (n: number): Promise<void> => page.evaluate((state) => (globalThis as unknown as BenchWindow).__benchState(state), states.get(n));
    await page.goto(`${CHROMIUM_APP_ORIGIN}/`);
    await giveState(0);
    await page.getByRole('button', { name: 'Major incident' }).click();
    await page.getByRole('heading', { name: 'EXERCISE — Bench incident' }).waitFor();
    const measure = async (n: number): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < samples; i += 1) {
        await giveState(1);
        await page.evaluate('window.__benchRender(1)');
        await giveState(n);
        times.push((await page.evaluate(`window.__benchRender(${n})`)) as number);
      }
      return times;
    };
    const full = await measure(rows);
    const small = await measure(10);
    await giveState(rows);
    await page.evaluate(`window.__benchRender(${rows})`);
    const sort: number[] = [];
    for (let i = 0; i < samples; i += 1) sort.push((await page.evaluate('window.__benchSort()')) as number);
    return {
      rows,
      renderMedianMs: round(percentile(full, 50)),
      renderP95Ms: round(percentile(full, 95)),
      render10RowsMedianMs: round(percentile(small, 50)),
      sortByEtaMedianMs: round(percentile(sort, 50)),
    };
  } finally {
    await browser.close();
  }
}

if (isDirectRun(import.meta.url)) console.log(JSON.stringify(await runIncidentRenderBench(), null, 2));

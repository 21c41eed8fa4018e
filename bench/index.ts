/**
 * Benchmark runner: `npm run bench` prints the figures, each with its target
 * or baseline; `--json` prints them as one JSON object; `--messages N` /
 * `--conversations N` size a quick run; `--no-worst-case` skips the
 * uniform-random worst-case insert figures; `--only store`, `--only messaging` or
 * `--only incident` runs one family. Keys are documented in docs/BENCHMARKS.md.
 */
import { availableParallelism, cpus } from 'node:os';
import { runChatLatencyBench } from './chatLatency.bench.js';
import { runIncidentCallInBench } from './incidentCallIn.bench.js';
import { runIncidentRenderBench } from './incidentRender.bench.js';
import { runMamCatchUpBench } from './mamCatchUp.bench.js';
import { runStoreBench } from './store.bench.js';
import { runXmppLoginBench } from './xmppLogin.bench.js';

function numberFlag(args: readonly string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  if (at === -1) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} needs a positive integer`);
  return value;
}

interface Target {
  /** What the figure is held against, as printed. */
  text: string;
  met(figures: Readonly<Record<string, number | string>>): boolean;
}

const num = (figures: Readonly<Record<string, number | string>>, key: string): number => {
  const value = figures[key];
  return typeof value === 'number' ? value : Number.NaN;
};

/** Targets from issue 3, section 7, and issue 4, section 8 ("Benchmarks"). */
function targets(): Record<string, Target> {
  const below = (key: string, limit: number, unit: string): Target => ({
    text: `target < ${limit} ${unit}`,
    met: (f) => num(f, key) < limit,
  });
  return {
    'store.insertCipherMsgPerSec': {
      text: 'target >= 50000 msg/s (sync-shaped); baseline store.insertPlainMsgPerSec',
      met: (f) => num(f, 'store.insertCipherMsgPerSec') >= 50_000,
    },
    'store.insertCipherToPlainRatio': {
      text: 'target >= 0.85 x plain (same schema, settings and data, same run)',
      met: (f) => num(f, 'store.insertCipherToPlainRatio') >= 0.85,
    },
    'store.unlockToFirstListMs': below('store.unlockToFirstListMs', 100, 'ms beyond the KDF (store.unlockKdfMs)'),
    'store.pageMedianMs': below('store.pageMedianMs', 5, 'ms; baseline store.pagePlainMedianMs'),
    'store.pageP95Ms': below('store.pageP95Ms', 5, 'ms'),
    'store.searchMedianMs': below('store.searchMedianMs', 100, 'ms; baseline store.searchPlainMedianMs'),
    'store.searchP95Ms': below('store.searchP95Ms', 100, 'ms'),
    'store.rssMB': below('store.rssMB', 200, 'MB'),
    'login.oursMedianMs': below('login.oursMedianMs', 200, 'ms on loopback; baseline login.stockMedianMs'),
    'chat.roundTripP50OverBare': below('chat.roundTripP50OverBare', 2, 'x the bare @xmpp/client echo (chat.bareRoundTripP50Ms)'),
    'chat.roundTripP99Ms': below('chat.roundTripP99Ms', 20, 'ms; baseline chat.bareRoundTripP99Ms'),
    'mam.catchUpMs': below('mam.catchUpMs', 3000, 'ms for all messages stored; baseline mam.bareFetchMs (no store)'),
    // Issue 6, section 7: every response on the coordinator board within 2 s of its arrival.
    'incident.arrivalToBoardP99Ms': below('incident.arrivalToBoardP99Ms', 2000, 'ms (send -> on the derived board); baseline incident.bareArrivalP99Ms'),
  };
}

/** Figures that are themselves baselines or context, printed with what they are. */
const notes: Record<string, string> = {
  'store.insertPlainMsgPerSec': 'baseline: plain SQLite (better-sqlite3), same store code, same sync-shaped pages',
  'store.insertWorstCasePlainMsgPerSec': 'worst case (uniform-random conversations, 1,000 a batch), baseline: plain SQLite',
  'store.insertWorstCaseCipherMsgPerSec': 'worst case (uniform-random conversations, 1,000 a batch), encrypted; not a target shape',
  'store.insertWorstCaseCipherToPlainRatio': 'worst case: encrypted / plain, same run',
  'store.syncConversationsPerPageMean': 'context: distinct conversations per archive page',
  'store.insertWorstCaseConversationsPerBatchMean': 'context: distinct conversations per worst-case batch',
  'store.pagePlainMedianMs': 'baseline: plain SQLite',
  'store.searchPlainMedianMs': 'baseline: plain SQLite',
  'store.dbPlainMB': 'baseline: plain SQLite',
  'store.unlockKdfMs': 'reported separately: keychain (in-memory) + scrypt + unwrap; calibrated ~250 ms',
  'store.unlockToFirstListColdMs': 'context: store worker started after the KDF, not prestarted',
  'login.stockMedianMs': 'baseline: stock @xmpp/client login, same server',
  'chat.roundTripP50Ms': 'send -> stored at the other client -> receipt stored back',
  'chat.bareRoundTripP50Ms': 'baseline: bare @xmpp/client echo, same server',
  'chat.bareRoundTripP99Ms': 'baseline: bare @xmpp/client echo, same server',
  'mam.bareFetchMs': 'baseline: the same archive paged by a bare connection, nothing stored',
  'mam.storeShareMs': 'context: ours minus bare, the store and service share',
  'incident.bareArrivalP50Ms': 'baseline: the same responses to a bare raw client (nothing stored or derived)',
  'incident.bareArrivalP99Ms': 'baseline: the same responses to a bare raw client (nothing stored or derived)',
  'incident.derive500MedianMs': 'board derived from every event with all rows (the UI re-reads it on each change)',
  'incident.stateProjectionMedianMs': "coordinator's incident:state view + contract validation, all rows",
  'incidentRender.renderMedianMs': 'Chromium: incident:changed -> 500-row board in the DOM -> next frame (stubbed contract)',
  'incidentRender.render10RowsMedianMs': 'baseline: the same with 10 rows',
  'incidentRender.sortByEtaMedianMs': 'Chromium: click the ETA heading with 500 rows -> next frame',
};

const args = process.argv.slice(2);
const json = args.includes('--json');
const messages = numberFlag(args, '--messages', 1_000_000);
const conversations = numberFlag(args, '--conversations', 2_000);
const skipWorstCase = args.includes('--no-worst-case');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
if (only !== null && only !== 'store' && only !== 'messaging' && only !== 'incident') throw new Error('--only takes store, messaging or incident');

const prefixed = (prefix: string, values: Record<string, number>) =>
  Object.fromEntries(Object.entries(values).map(([key, value]) => [`${prefix}.${key}`, value]));

const figures: Record<string, number | string> = {
  cores: availableParallelism(),
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.versions.node,
};
if (only === null || only === 'store') Object.assign(figures, prefixed('store', await runStoreBench({ messages, conversations, skipWorstCase })));
if (only === null || only === 'messaging') {
  // Each starts its own throwaway Prosody on loopback (Debian: apt-get install prosody).
  Object.assign(figures, prefixed('login', await runXmppLoginBench()));
  Object.assign(figures, prefixed('chat', await runChatLatencyBench()));
  Object.assign(figures, prefixed('mam', await runMamCatchUpBench()));
}
// 500 raw responders against one coordinator (issue 6, section 7); its own Prosody.
if (only === null || only === 'incident') {
  Object.assign(figures, prefixed('incident', await runIncidentCallInBench()));
  // The board's render in Chromium with 500 rows (needs `npm run build:renderer` first).
  Object.assign(figures, prefixed('incidentRender', await runIncidentRenderBench()));
}
const checks = Object.entries(targets()).filter(([key]) => key in figures);
const met = Object.fromEntries(checks.map(([key, target]) => [key, target.met(figures)]));

if (json) {
  console.log(JSON.stringify({ ...figures, targetsMet: met }));
} else {
  const width = Math.max(...Object.keys(figures).map((key) => key.length));
  const valueWidth = Math.max(...Object.values(figures).map((value) => String(value).length));
  for (const [key, value] of Object.entries(figures)) {
    const target = targets()[key];
    const verdict = target === undefined ? '' : met[key] === true ? 'MET    ' : 'MISSED ';
    const note = target?.text ?? notes[key] ?? '';
    console.log(`${key.padEnd(width)}  ${String(value).padStart(valueWidth)}  ${verdict}${note}`.trimEnd());
  }
}

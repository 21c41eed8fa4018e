/**
 * Benchmark runner: `npm run bench` prints the figures, each with its target
 * or baseline; `--json` prints them as one JSON object; `--messages N` /
 * `--conversations N` size a quick run; `--no-worst-case` skips the
 * uniform-random worst-case insert figures. Keys are documented in docs/BENCHMARKS.md.
 */
import { availableParallelism, cpus } from 'node:os';
import { runStoreBench } from './store.bench.js';

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

/** Targets from issue 3, section 7 ("Benchmarks"). */
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
};

const args = process.argv.slice(2);
const json = args.includes('--json');
const messages = numberFlag(args, '--messages', 1_000_000);
const conversations = numberFlag(args, '--conversations', 2_000);
const skipWorstCase = args.includes('--no-worst-case');

const store = await runStoreBench({ messages, conversations, skipWorstCase });
const figures: Record<string, number | string> = {
  cores: availableParallelism(),
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.versions.node,
  ...Object.fromEntries(Object.entries(store).map(([key, value]) => [`store.${key}`, value])),
};
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

/**
 * Benchmark runner: `npm run bench` prints the figures; `--json` prints them as
 * one JSON object; `--messages N` / `--conversations N` size a quick run.
 * Keys are documented in docs/BENCHMARKS.md.
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

const args = process.argv.slice(2);
const json = args.includes('--json');
const messages = numberFlag(args, '--messages', 1_000_000);
const conversations = numberFlag(args, '--conversations', 2_000);

const store = await runStoreBench({ messages, conversations });
const figures: Record<string, number | string> = {
  cores: availableParallelism(),
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.versions.node,
  ...Object.fromEntries(Object.entries(store).map(([key, value]) => [`store.${key}`, value])),
};

if (json) {
  console.log(JSON.stringify(figures));
} else {
  const width = Math.max(...Object.keys(figures).map((key) => key.length));
  for (const [key, value] of Object.entries(figures)) console.log(`${key.padEnd(width)}  ${value}`);
}

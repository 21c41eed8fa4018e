/** Small statistics and process helpers shared by the messaging benchmarks. */
import { pathToFileURL } from 'node:url';

/** Nearest-rank percentile (p in 0–100) of unsorted samples. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/** Two decimals, for printing milliseconds. */
export function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** True when the module at `moduleUrl` is the script Node was started with (`npx tsx bench/x.ts`). */
export function isDirectRun(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && moduleUrl === pathToFileURL(script).href;
}

/** Resolves with `promise`, or rejects after `ms` with a message naming `what`. */
export async function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

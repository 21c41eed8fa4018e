// `npm run demo` as a newcomer runs it (the Chromium-shell path; Electron cannot be downloaded
// here): two DEMO people come up on a throwaway Prosody, and Ctrl+C leaves nothing behind. The
// README promises both; Playwright's own Ctrl+C handler once broke the second.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
/** Temp dirs the demo makes: its two data folders, its Prosody and its private keyring. */
const DEMO_PREFIXES = ['wardline-demo-', 'wardline-prosody-', 'wardline-keyring-'];

function demoDirs(): Set<string> {
  return new Set(readdirSync(tmpdir()).filter((name) => DEMO_PREFIXES.some((prefix) => name.startsWith(prefix))));
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

describe('npm run demo', () => {
  it('starts two DEMO people on a throwaway server, and Ctrl+C deletes everything it made', async () => {
    const before = demoDirs();
    // Its own process group, as a terminal would run it, so "Ctrl+C" reaches every process in it.
    const demo = spawn(process.execPath, ['--import', 'tsx', 'tools/demo.ts', '--chromium'], {
      cwd: projectRoot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    demo.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    demo.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    try {
      await expect.poll(() => output, { timeout: 60_000, interval: 250 }).toContain('Wardline DEMO is running');
      expect(output).toContain('Window 1: DEMO Sam Okafor (Ward clerk)');
      expect(output).toContain('Window 2: DEMO Dr Ana Lima (Consultant)');
      const made = [...demoDirs()].filter((name) => !before.has(name));
      expect(made.filter((name) => name.startsWith('wardline-demo-'))).toHaveLength(2);
      expect(made.filter((name) => name.startsWith('wardline-prosody-'))).toHaveLength(1);

      process.kill(-(demo.pid ?? 0), 'SIGINT');
      await exited(demo);
      expect([...demoDirs()].filter((name) => !before.has(name)), output).toEqual([]);
    } finally {
      if (demo.exitCode === null && demo.signalCode === null) process.kill(-(demo.pid ?? 0), 'SIGKILL');
      await exited(demo);
    }
  });
});

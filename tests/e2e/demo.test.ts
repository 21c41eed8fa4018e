// `npm run demo` as a newcomer runs it (the Chromium-shell path; Electron cannot be downloaded
// here): two DEMO people come up on a throwaway Prosody, one writes to the other straight away,
// and Ctrl+C leaves nothing behind. The README promises all three; Playwright's own Ctrl+C handler
// once broke the last. The windows are reached over Chromium's DevTools protocol, as a tester's
// tool would (WARDLINE_DEMO_CDP_PORTS).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { freePorts } from '../fixtures/serverProcess.js';
import { checkScreen } from './checkScreen.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
/**
 * What is in the demo's temp folder (its TMPDIR is ours alone, so other jobs' folders never count),
 * but tsx's compile cache: the demo runs through tsx, which is not the demo's doing.
 */
function leftIn(dir: string): string[] {
  return readdirSync(dir).filter((name) => !name.startsWith('tsx-'));
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

describe('npm run demo', () => {
  it('starts two DEMO people on a throwaway server who can message each other at once, and Ctrl+C deletes everything it made', async () => {
    const demoTmp = mkdtempSync(join(tmpdir(), 'wardline-e2e-demo-tmp-'));
    const cdpPorts = await freePorts(2);
    // The demo reads the machine's admin policy, as the dev shell does; this test must not: a policy
    // file that does not exist (in a folder nothing creates) means the built-in defaults.
    const noPolicyFile = join(demoTmp, 'no-policy', 'policy.json');
    // Its own process group, as a terminal would run it, so "Ctrl+C" reaches every process in it.
    const demo = spawn(process.execPath, ['--import', 'tsx', 'tools/demo.ts', '--chromium'], {
      cwd: projectRoot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: demoTmp, WARDLINE_DEMO_CDP_PORTS: cdpPorts.join(','), WARDLINE_POLICY_FILE: noPolicyFile },
    });
    let output = '';
    demo.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    demo.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    try {
      await expect.poll(() => output, { timeout: 60_000, interval: 250 }).toContain('Wardline DEMO is running');
      expect(output).toContain('Window 1: DEMO Sam Okafor (Ward clerk)');
      expect(output).toContain('Window 2: DEMO Dr Ana Lima (Consultant)');
      // One folder of its own, holding the two people's data folders, its Prosody and its keyring.
      const made = leftIn(demoTmp);
      expect(made).toHaveLength(1);
      expect(made[0]).toMatch(/^wardline-demo-/);
      const inside = readdirSync(join(demoTmp, made[0]!));
      expect(inside.filter((name) => name.startsWith('wardline-demo-profile-'))).toHaveLength(2);
      expect(inside.filter((name) => name.startsWith('wardline-prosody-'))).toHaveLength(1);
      expect(inside.filter((name) => name.startsWith('wardline-keyring-'))).toHaveLength(1);

      // Sam writes to Ana in the first window; Ana's window shows it.
      const [sam, ana] = await Promise.all(cdpPorts.map((port) => chromium.connectOverCDP(`http://127.0.0.1:${port}`)));
      try {
        const samPage = sam!.contexts()[0]!.pages()[0]!;
        const anaPage = ana!.contexts()[0]!.pages()[0]!;
        // Named from the server's shared directory before anyone has written: not the address's "ana.lima".
        await samPage.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /^DEMO Dr Ana Lima/ }).click();
        await samPage.getByRole('heading', { name: 'DEMO Dr Ana Lima' }).waitFor();
        const composer = samPage.getByLabel('Message', { exact: true });
        await composer.fill('DEMO: bed 4 is ready for your patient.');
        await composer.press('Enter');
        await anaPage.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /^DEMO Sam Okafor/ }).click();
        await expect.poll(() => anaPage.getByRole('list', { name: 'Messages' }).textContent()).toContain('DEMO: bed 4 is ready for your patient.');
        await expect.poll(() => samPage.getByRole('list', { name: 'Messages' }).getByLabel('Read').count()).toBe(1);
        await checkScreen(samPage, 'demo-01-sam');
        await checkScreen(anaPage, 'demo-02-ana');
      } finally {
        // Detach only: the demo owns its windows.
        await Promise.all([sam?.close(), ana?.close()]);
      }

      process.kill(-(demo.pid ?? 0), 'SIGINT');
      await exited(demo);
      expect(output).toContain('Wardline DEMO stopped: its server, windows, people and temporary folder are gone.');
      // Nothing at all is left: not its folders, nor what Chromium made for itself.
      expect(leftIn(demoTmp), output).toEqual([]);
    } finally {
      if (demo.exitCode === null && demo.signalCode === null) process.kill(-(demo.pid ?? 0), 'SIGKILL');
      await exited(demo);
      rmSync(demoTmp, { recursive: true, force: true });
    }
  });
});

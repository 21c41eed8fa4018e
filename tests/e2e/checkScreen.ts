import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

/** What the audit holds a screen to: WCAG 2.0–2.2 levels A and AA, plus axe's best practices. */
const AUDIT_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/**
 * Every screen an e2e test reaches is saved under test-results/ for a person to look at, and
 * audited with axe-core in the same state: a control without an accessible name, text below
 * contrast, a broken ARIA reference or a missing heading fails the test that reached it.
 */
export async function checkScreen(page: Page, name: string): Promise<string> {
  const dir = join(process.cwd(), 'test-results', 'screens');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await expectAccessible(page, name);
  return path;
}

/** Throws, naming each rule broken and where, if axe-core finds anything on the page as it is now. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  // Evaluated through the DevTools protocol, not a <script>, so the app's CSP stays as shipped.
  if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.evaluate(axeSource);
  const violations = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AUDIT_TAGS)} }, resultTypes: ['violations'] }).then((r) => r.violations)`,
  )) as Violation[];
  if (violations.length === 0) return;
  const lines = violations.flatMap((v) => [
    `${v.id} (${v.impact ?? 'unknown'}): ${v.help}`,
    ...v.nodes.slice(0, 5).map((n) => `    at ${n.target.join(' ')}: ${(n.failureSummary ?? '').replace(/\s*\n\s*/g, ' ')}`),
  ]);
  throw new Error(`Accessibility audit of "${screen}" found ${violations.length} problem(s):\n${lines.join('\n')}`);
}

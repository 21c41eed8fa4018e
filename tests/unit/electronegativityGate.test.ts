/**
 * The security gate must fail on findings: a gate that cannot fail is worse
 * than none. These tests feed its parser sample output, and run the real
 * scanner over a deliberately insecure file.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ACCEPTED_FINDINGS,
  EXCLUDED_CHECKS,
  headerCspProblems,
  judge,
  parseSarif,
  scan,
  type AcceptedFinding,
} from '../../tools/electronegativity-gate.js';

function sarif(results: Array<{ ruleId: string; uri: string; line: number }>): string {
  return JSON.stringify({
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'Electronegativity', rules: [] } },
        results: results.map((r) => ({
          ruleId: r.ruleId,
          level: 'warning',
          message: { text: 'Disable nodeIntegration for untrusted origins.' },
          locations: [{ physicalLocation: { artifactLocation: { uri: r.uri }, region: { startLine: r.line, startColumn: 3 } } }],
        })),
      },
    ],
  });
}

describe('electronegativity gate: parsing and judging', () => {
  it('flags a finding that has no exception', () => {
    const findings = parseSarif(sarif([{ ruleId: 'NODE_INTEGRATION_JS_CHECK', uri: 'electron/main/window.ts', line: 12 }]));
    expect(findings).toEqual([
      { ruleId: 'NODE_INTEGRATION_JS_CHECK', file: 'electron/main/window.ts', line: 12, message: 'Disable nodeIntegration for untrusted origins.' },
    ]);
    const verdict = judge(findings, () => 'nodeIntegration: true,');
    expect(verdict.failures).toHaveLength(1);
    expect(verdict.accepted).toHaveLength(0);
  });

  it('accepts a documented exception only on the exact reviewed line', () => {
    const exception: AcceptedFinding = { ruleId: 'OPEN_EXTERNAL_JS_CHECK', file: 'electron/main/externalLinks.ts', lineText: 'await shell.openExternal(target);', reason: 'r' };
    const findings = parseSarif(sarif([{ ruleId: 'OPEN_EXTERNAL_JS_CHECK', uri: 'electron/main/externalLinks.ts', line: 29 }]));
    expect(judge(findings, () => 'await shell.openExternal(target);', [exception]).failures).toHaveLength(0);
    expect(judge(findings, () => 'await shell.openExternal(request.url);', [exception]).failures).toHaveLength(1);
    // Same rule in another file is not covered.
    const elsewhere = parseSarif(sarif([{ ruleId: 'OPEN_EXTERNAL_JS_CHECK', uri: 'electron/main/index.ts', line: 29 }]));
    expect(judge(elsewhere, () => 'await shell.openExternal(target);', [exception]).failures).toHaveLength(1);
  });

  it('never accepts project-wide findings (no file, no line) through the exception list', () => {
    const findings = parseSarif(sarif([{ ruleId: 'CSP_GLOBAL_CHECK', uri: 'N/A', line: 1 }]));
    expect(judge(findings, () => undefined).failures).toHaveLength(1);
  });

  it('refuses output that is not a SARIF run', () => {
    expect(() => parseSarif('')).toThrow();
    expect(() => parseSarif('{}')).toThrow(/SARIF/);
    expect(() => parseSarif('issue, severity, confidence\n')).toThrow();
    expect(parseSarif(sarif([]))).toEqual([]);
  });

  it('gives every exception a reason', () => {
    for (const entry of [...EXCLUDED_CHECKS.map((e) => e.reason), ...ACCEPTED_FINDINGS.map((e) => e.reason)]) {
      expect(entry.length).toBeGreaterThan(20);
    }
  });

  it('excludes only check classes that exist in the installed Electronegativity', () => {
    const require = createRequire(import.meta.url);
    const checksDir = path.join(path.dirname(require.resolve('@doyensec/electronegativity')), 'finder', 'checks');
    for (const { check } of EXCLUDED_CHECKS) {
      const kind = check.endsWith('GlobalCheck') ? 'GlobalChecks' : 'AtomicChecks';
      expect(existsSync(path.join(checksDir, kind, `${check}.js`)), check).toBe(true);
    }
  });

  it('allows only the reviewed note on the header CSP', () => {
    const self = { severity: 50, directive: 'script-src', value: "'self'", description: "'self' can be problematic" };
    expect(headerCspProblems([self, { severity: 60, directive: 'x', description: 'info' }])).toEqual([]);
    expect(headerCspProblems([self, { severity: 10, directive: 'script-src', value: "'unsafe-inline'", description: 'unsafe' }])).toHaveLength(1);
  });
});

describe('electronegativity gate: the real scanner', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reports an insecure window, and fails on a scan of nothing', { timeout: 60_000 }, async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'wardline-eng-'));
    const sarifPath = path.join(dir, 'out.sarif');
    const empty = path.join(dir, 'empty');
    const bad = path.join(dir, 'bad');
    await Promise.all([mkdir(empty), mkdir(bad)]);

    const nothing = await scan(empty, sarifPath);
    expect(nothing.files).toEqual([]);
    expect(nothing.problems.join('\n')).toMatch(/no files/);

    await writeFile(
      path.join(bad, 'main.js'),
      "const { BrowserWindow } = require('electron');\nconst w = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false } });\n",
    );
    const report = await scan(bad, sarifPath);
    expect(report.files).toEqual(['main.js']);
    expect(report.problems).toEqual([]);
    const rules = report.verdict.failures.map((f) => f.ruleId);
    expect(rules).toContain('NODE_INTEGRATION_JS_CHECK');
    expect(rules).toContain('CONTEXT_ISOLATION_JS_CHECK');
  });
});

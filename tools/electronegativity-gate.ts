/**
 * Security gate: runs Electronegativity over the Electron layer and the
 * renderer, and fails on any finding that is not an accepted, documented
 * exception (docs/SECURITY-EXCEPTIONS.md). Electronegativity itself exits 0
 * whatever it finds, so the verdict comes from its SARIF output file.
 *
 * It also fails if the scan proves nothing: no files, files it could not
 * parse, no checks loaded, or an output file that does not match the run.
 *
 * Why the package's runner and not its CLI: the CLI requires `commander`
 * without declaring it, so it picks up whatever commander npm hoists
 * (11.x here), whose API it does not speak: it prints help and exits 1.
 * The runner (the package's `main`) is exactly what the CLI calls.
 */
import { cp, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CONTENT_SECURITY_POLICY } from '../electron/common/csp.js';

export interface Finding {
  ruleId: string;
  /** Path relative to the scan root, "/"-separated; "N/A" for project-wide findings. */
  file: string;
  line: number;
  message: string;
}

/** Check classes switched off entirely. Each must be explained in docs/SECURITY-EXCEPTIONS.md. */
export const EXCLUDED_CHECKS: ReadonlyArray<{ check: string; reason: string }> = [
  {
    check: 'RemoteModuleJSCheck',
    reason: 'The `remote` module was removed in Electron 14; Wardline targets Electron 45, where it cannot be enabled.',
  },
  {
    check: 'AuxclickJSCheck',
    reason: 'disableBlinkFeatures: "Auxclick" predates setWindowOpenHandler; middle-click opens are denied by our window-open handler.',
  },
  {
    check: 'AvailableSecurityFixesGlobalCheck',
    reason: 'Downloads Electron release data at scan time (no timeout): non-deterministic, and a no-op offline. Electron is pinned in package.json and upgraded deliberately.',
  },
  {
    check: 'ElectronVersionJSONCheck',
    reason: 'Only feeds AvailableSecurityFixesGlobalCheck: it reports which Electron version package.json names, which is not a finding.',
  },
  {
    check: 'AuxclickHTMLCheck',
    reason: 'Same as AuxclickJSCheck, for <webview> attributes; Wardline has no <webview> (webviewTag false, will-attach-webview denied).',
  },
];

/**
 * Individual findings accepted after review. Matched on rule, file and the
 * exact text of the flagged line, so any new or changed code at that spot is
 * flagged again. Each must be explained in docs/SECURITY-EXCEPTIONS.md.
 */
export interface AcceptedFinding {
  ruleId: string;
  file: string;
  lineText: string;
  reason: string;
}

/** The renderer's meta CSP line, exactly as reviewed; any change to the policy is flagged again. */
const META_CSP_LINE =
  '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; script-src \'self\'; style-src \'self\'; img-src \'self\' data:; font-src \'self\'; connect-src \'self\'; base-uri \'none\'; form-action \'none\'; object-src \'none\'" />';
const SELF_SCRIPT_REASON =
  "The only note on the CSP is \"'self' can be problematic if you host JSONP, Angular or user uploaded files\": app://wardline serves only our own built bundle, with no JSONP, no Angular and no uploads.";

export const ACCEPTED_FINDINGS: readonly AcceptedFinding[] = [
  { ruleId: 'CSP_GLOBAL_CHECK', file: 'renderer/index.html', lineText: META_CSP_LINE, reason: SELF_SCRIPT_REASON },
  { ruleId: 'CSP_GLOBAL_CHECK', file: 'renderer/dist/index.html', lineText: META_CSP_LINE, reason: SELF_SCRIPT_REASON },
  {
    ruleId: 'CONTEXT_ISOLATION_JS_CHECK',
    file: 'electron/main/window.ts',
    lineText: 'const window = new BrowserWindow({',
    reason: 'webPreferences come from HARDENED_WEB_PREFERENCES (contextIsolation: true), pinned by tests/unit/electronShell.test.ts; the scanner cannot follow imports.',
  },
  {
    ruleId: 'SANDBOX_JS_CHECK',
    file: 'electron/main/window.ts',
    lineText: 'const window = new BrowserWindow({',
    reason: 'webPreferences come from HARDENED_WEB_PREFERENCES (sandbox: true) and app.enableSandbox() is called; the scanner cannot follow imports.',
  },
  {
    ruleId: 'OPEN_EXTERNAL_JS_CHECK',
    file: 'electron/main/externalLinks.ts',
    lineText: 'await shell.openExternal(target);',
    reason: 'The confirm-then-open flow: only https without credentials (isAllowedExternalUrl), only after the person confirms a dialog showing the full address.',
  },
];

export interface SarifLog {
  runs?: Array<{
    results?: Array<{
      ruleId?: string;
      message?: { text?: string };
      locations?: Array<{ physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number } } }>;
    }>;
  }>;
}

/** Reads Electronegativity's SARIF output. Throws on anything that is not a SARIF log with one run. */
export function parseSarif(text: string): Finding[] {
  const log = JSON.parse(text) as SarifLog;
  const run = log.runs?.[0];
  if (!run || !Array.isArray(run.results)) throw new Error('Electronegativity output is not a SARIF log with a run.');
  return run.results.map((result) => {
    const location = result.locations?.[0]?.physicalLocation;
    return {
      ruleId: result.ruleId ?? '(no rule id)',
      file: (location?.artifactLocation?.uri ?? 'N/A').replaceAll('\\', '/'),
      line: location?.region?.startLine ?? 0,
      message: result.message?.text ?? '',
    };
  });
}

export interface Verdict {
  failures: Finding[];
  accepted: Array<{ finding: Finding; exception: AcceptedFinding }>;
  unusedExceptions: AcceptedFinding[];
}

/** Splits findings into accepted and failing. `lineTextOf` returns the trimmed source line a finding points at. */
export function judge(
  findings: readonly Finding[],
  lineTextOf: (finding: Finding) => string | undefined,
  exceptions: readonly AcceptedFinding[] = ACCEPTED_FINDINGS,
): Verdict {
  const verdict: Verdict = { failures: [], accepted: [], unusedExceptions: [] };
  const used = new Set<AcceptedFinding>();
  for (const finding of findings) {
    const text = lineTextOf(finding);
    const exception = exceptions.find(
      (e) => e.ruleId === finding.ruleId && e.file === finding.file && text !== undefined && e.lineText === text,
    );
    if (exception) {
      used.add(exception);
      verdict.accepted.push({ finding, exception });
    } else {
      verdict.failures.push(finding);
    }
  }
  verdict.unusedExceptions = exceptions.filter((e) => !used.has(e));
  return verdict;
}

/**
 * The CSP Electron actually sends is a response header built in code, which
 * the scan cannot see; evaluate it with the same evaluator the CSP check uses.
 * Only the reviewed "'self' in script-src" note is allowed.
 */
export interface CspNote {
  severity: number;
  directive: string;
  value?: string;
  description: string;
}
const CSP_MEDIUM_MAYBE = 50;

export function headerCspProblems(notes: readonly CspNote[]): string[] {
  return notes
    .filter((n) => !(n.severity === CSP_MEDIUM_MAYBE && n.directive === 'script-src' && n.value === "'self'"))
    // Lower numbers are worse; INFO (60) and NONE (100) are not findings.
    .filter((n) => n.severity <= CSP_MEDIUM_MAYBE)
    .map((n) => `header CSP: ${n.directive} ${n.value ?? ''}: ${n.description}`);
}

/* ---------------------------------------------------------------- runner */

interface RunnerIssue {
  id: string;
}
interface RunnerResult {
  globalChecks: number;
  atomicChecks: number;
  errors: Array<{ file: string; message: string; tolerable: boolean }>;
  issues: RunnerIssue[];
}
type Runner = (options: Record<string, unknown>, forCli: boolean) => Promise<RunnerResult>;
interface RunnerUtil {
  list_files(dir: string): Promise<string[]>;
}
interface CspEvaluatorModule {
  CspParser: new (policy: string) => { csp: unknown };
  CspEvaluator: new (csp: unknown, version: unknown) => { evaluate(): CspNote[] };
  Version: { CSP3: unknown };
}

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const outDir = path.join(root, 'test-results', 'electronegativity');
const scanRoot = path.join(outDir, 'scan');
const sarifPath = path.join(outDir, 'electronegativity.sarif');

/** What gets scanned, as repo-relative paths. renderer/dist is scanned when it has been built. */
const SCAN_SOURCES = ['electron', 'renderer/index.html', 'renderer/src', 'renderer/dist', 'package.json'];
/**
 * From the built renderer only the HTML (its CSP as shipped). The bundled JS is
 * the Svelte runtime plus our compiled sources, which are scanned as sources;
 * Electronegativity's 2021-era traverser cannot walk modern bundles (#private fields).
 */
const keepFromBuild = async (source: string): Promise<boolean> =>
  source.endsWith('.html') || (await stat(source)).isDirectory();
/** A scan that did not include these scanned the wrong thing. */
const REQUIRED_FILES = ['electron/main/index.ts', 'electron/main/window.ts', 'electron/preload/index.ts'];

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Copies the scanned parts into one tree, so one run sees them together (e.g. the CSP lives in the HTML). */
async function stage(): Promise<string[]> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(scanRoot, { recursive: true });
  const staged: string[] = [];
  for (const source of SCAN_SOURCES) {
    if (!(await exists(path.join(root, source)))) continue;
    await cp(path.join(root, source), path.join(scanRoot, source), {
      recursive: true,
      ...(source === 'renderer/dist' ? { filter: keepFromBuild } : {}),
    });
    staged.push(source);
  }
  return staged;
}

/** The runner writes its output without awaiting it; wait until the file parses. */
async function readSarifWhenWritten(file: string, timeoutMs = 10_000): Promise<Finding[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return parseSarif(await readFile(file, 'utf8'));
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`No readable Electronegativity output at ${file}: ${String(err)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

export interface ScanReport {
  /** Scanned files, relative to the scan root. */
  files: string[];
  findings: Finding[];
  verdict: Verdict;
  /** Reasons the scan itself cannot be trusted (nothing scanned, unparsed files, output mismatch). */
  problems: string[];
  checksRun: number;
}

/** Runs Electronegativity over `input`, writes SARIF to `sarifPath`, and judges it. */
export async function scan(
  input: string,
  sarifPath: string,
  exceptions: readonly AcceptedFinding[] = ACCEPTED_FINDINGS,
): Promise<ScanReport> {
  const require = createRequire(import.meta.url);
  const run = require('@doyensec/electronegativity') as Runner;
  const util = require('@doyensec/electronegativity/dist/util') as RunnerUtil;
  const electronVersion = (require('electron/package.json') as { version: string }).version;

  const problems: string[] = [];
  const files = ((await util.list_files(input)) ?? []).map((f) => path.relative(input, f).replaceAll('\\', '/'));
  if (files.length === 0) problems.push('the scan found no files: a gate that scans nothing proves nothing');

  // A stale file from an earlier run must not stand in for this one.
  await rm(sarifPath, { force: true });
  const result = await run(
    {
      input,
      output: sarifPath,
      isSarif: true,
      isRelative: true,
      customScan: [],
      excludeFromScan: EXCLUDED_CHECKS.map((e) => e.check),
      electronVersionOverride: electronVersion,
    },
    false,
  );
  if (result.atomicChecks === 0) problems.push('Electronegativity loaded no checks');
  for (const error of result.errors) {
    const where = path.relative(input, error.file);
    if (error.tolerable) console.log(`electronegativity: tolerated parse warning in ${where}: ${error.message}`);
    else problems.push(`Electronegativity could not parse ${where} (${error.message}), so it was not checked`);
  }

  const findings = await readSarifWhenWritten(sarifPath);
  if (findings.length !== result.issues.length) {
    problems.push(`output file lists ${findings.length} finding(s) but the run reported ${result.issues.length}`);
  }

  // Exceptions match on the flagged line's text, so read each flagged file once.
  const sources = new Map<string, string[]>();
  for (const finding of findings) {
    if (finding.file !== 'N/A' && !sources.has(finding.file)) {
      const text = await readFile(path.join(input, finding.file), 'utf8').catch(() => '');
      sources.set(finding.file, text.split(/\r?\n/));
    }
  }
  const lineTextOf = (finding: Finding): string | undefined => sources.get(finding.file)?.[finding.line - 1]?.trim();
  const verdict = judge(findings, lineTextOf, exceptions);
  return { files, findings, verdict, problems, checksRun: result.atomicChecks + result.globalChecks };
}

function headerCspNotes(): CspNote[] {
  // Resolved from Electronegativity's own location: the evaluator its CSP check uses.
  const fromScanner = createRequire(createRequire(import.meta.url).resolve('@doyensec/electronegativity'));
  const csp = fromScanner('@doyensec/csp-evaluator') as CspEvaluatorModule;
  return new csp.CspEvaluator(new csp.CspParser(CONTENT_SECURITY_POLICY).csp, csp.Version.CSP3).evaluate();
}

async function main(): Promise<number> {
  const staged = await stage();
  if (!staged.includes('renderer/dist')) console.log('electronegativity: renderer/dist not built; scanning renderer sources only');
  const report = await scan(scanRoot, sarifPath);
  console.log(`electronegativity: scanned ${report.files.length} file(s) from ${staged.join(', ')}`);

  const problems = [...headerCspProblems(headerCspNotes()), ...report.problems];
  for (const required of REQUIRED_FILES) {
    if (!report.files.includes(required)) problems.push(`the scan did not include ${required}`);
  }
  const { verdict } = report;
  console.log(
    `electronegativity: ${report.checksRun} check(s) run, ${EXCLUDED_CHECKS.length} excluded by class, ` +
      `${report.findings.length} finding(s), ${verdict.accepted.length} accepted`,
  );
  for (const { finding, exception } of verdict.accepted) {
    console.log(`  accepted ${finding.ruleId} ${finding.file}:${finding.line} (${exception.reason})`);
  }
  for (const unused of verdict.unusedExceptions) {
    console.log(`  note: exception ${unused.ruleId} ${unused.file} matched nothing; remove it if the code changed`);
  }
  for (const finding of verdict.failures) {
    problems.push(`${finding.ruleId} at ${finding.file}:${finding.line}: ${finding.message.split('\n')[0] ?? ''}`);
  }

  if (problems.length > 0) {
    console.error(`electronegativity gate FAILED (${problems.length} problem(s); output: ${path.relative(root, sarifPath)}):`);
    for (const problem of problems) console.error(`  - ${problem}`);
    console.error('Fix the finding, or document an exception in tools/electronegativity-gate.ts and docs/SECURITY-EXCEPTIONS.md.');
    return 1;
  }
  console.log(`electronegativity gate passed (output: ${path.relative(root, sarifPath)})`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}

/**
 * Where the managed admin policy lives and how it is read. Fail closed: no file means no
 * managed policy (built-in defaults), but a file that exists and cannot be read, parsed or
 * validated stops Wardline, because falling back to defaults would quietly switch off
 * whatever the hospital required (a shorter idle lock, wiping, its CA).
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { parsePemBundle } from '../xmpp/tlsTrust.js';
import { parseAdminPolicy, type AdminPolicy } from './adminPolicy.js';
import { decideWindowsPolicy, posixOwnershipOf, WINDOWS_PIN_KEY, WINDOWS_PIN_VALUE, type Lstat } from './policyTrust.js';

/**
 * Development and tests only: an absolute path to read the policy from instead of the
 * machine-wide one. Packaged builds ignore it, or anyone could set it to a permissive file.
 */
export const POLICY_FILE_ENV = 'WARDLINE_POLICY_FILE';
/** A policy is a few hundred bytes; anything near this is not one. */
export const MAX_POLICY_BYTES = 64 * 1024;
/** Generous for a hospital chain of a few certificates, small enough to read at start-up. */
export const MAX_CA_BUNDLE_BYTES = 1024 * 1024;

type Env = Readonly<Record<string, string | undefined>>;

function windowsProgramData(env: Env): string {
  // Windows environment names are case-insensitive; a plain object passed in is not.
  const key = Object.keys(env).find((name) => name.toLowerCase() === 'programdata');
  const value = key === undefined ? undefined : env[key];
  return value && path.win32.isAbsolute(value) ? value : 'C:\\ProgramData';
}

/**
 * The machine-wide policy file: Windows C:\ProgramData\Wardline\policy.json, macOS
 * /Library/Application Support/Wardline/policy.json, Linux (and other Unix) /etc/wardline/policy.json.
 * Unpackaged builds (tests, npm run demo) may point WARDLINE_POLICY_FILE at an absolute path.
 */
export function policyFilePath(platform: NodeJS.Platform, env: Env, options: { isPackaged: boolean }): string {
  const paths = platform === 'win32' ? path.win32 : path.posix;
  const override = env[POLICY_FILE_ENV];
  if (!options.isPackaged && override && paths.isAbsolute(override)) return override;
  // A packaged build never takes the folder from the environment: a person can set ProgramData (and
  // SystemRoot, for reg.exe) for their own processes, and with both could have their own file
  // accepted. So packaged builds read C:\ProgramData, as the pin is read with C:\Windows's reg.exe
  // (main/os/policyPin.ts); a PC whose system drive is not C: needs IT to provide those paths.
  if (platform === 'win32') return path.win32.join(options.isPackaged ? 'C:\\ProgramData' : windowsProgramData(env), 'Wardline', 'policy.json');
  if (platform === 'darwin') return '/Library/Application Support/Wardline/policy.json';
  return '/etc/wardline/policy.json';
}

/** Reads a file; may stop after maxBytes + 1 bytes (enough to tell that it is too big). */
export type ReadFileAtMost = (filePath: string, maxBytes: number) => Promise<Uint8Array>;

class NotRegularFileError extends Error {
  readonly code = 'ENOTREG';
}

/** Bounded, so a wrong path (a device, a huge log) cannot stall start-up or fill memory. */
export const readFileAtMost: ReadFileAtMost = async (filePath, maxBytes) => {
  const handle = await open(filePath, 'r');
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw Object.assign(new Error(`${filePath} is a folder`), { code: 'EISDIR' });
    if (!stat.isFile()) throw new NotRegularFileError(`${filePath} is not a regular file`);
    const buffer = Buffer.alloc(maxBytes + 1);
    let total = 0;
    while (total < buffer.length) {
      const { bytesRead } = await handle.read(buffer, total, buffer.length - total, total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    return buffer.subarray(0, total);
  } finally {
    await handle.close();
  }
};

export type PolicyLoad =
  /** No file: no managed policy, built-in defaults apply. */
  | { kind: 'default'; path: string }
  /** sha256 (hex) of the file's bytes, for the audit log; the CA bundle's text as checked, if it names one. */
  | { kind: 'managed'; path: string; policy: AdminPolicy; sha256: string; caBundlePem?: string }
  /** The file exists but is unusable: Wardline must not start. */
  | { kind: 'invalid'; path: string; problem: string };

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function unreadableReason(error: unknown): string {
  const code = errorCode(error);
  switch (code) {
    case 'ENOENT':
      return 'it does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder, not a file';
    case 'ENOTDIR':
      return 'part of its path is a file, not a folder';
    case 'ENOTREG':
      return 'it is not a regular file';
    default:
      return code ?? (error instanceof Error ? error.message : String(error));
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads, checks and returns the CA bundle's text. The connection trusts exactly these bytes: read
 * again at each connect, a file someone could replace after start-up would undo the checks here.
 */
async function readCaBundle(caPath: string, pinned: string | null, readFile: ReadFileAtMost): Promise<{ pem: string } | { problem: string }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(caPath, MAX_CA_BUNDLE_BYTES);
  } catch (error) {
    return { problem: `caBundlePath: the CA bundle ${caPath} cannot be read (${unreadableReason(error)})` };
  }
  if (bytes.length > MAX_CA_BUNDLE_BYTES) return { problem: `caBundlePath: the CA bundle ${caPath} is larger than 1 MiB` };
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (pinned !== null && digest !== pinned) return { problem: `caBundleSha256: the CA bundle ${caPath} has SHA-256 ${digest}, not the one the policy names` };
  const pem = new TextDecoder().decode(bytes);
  try {
    // The same check the connection makes, done now so IT hears about it at start-up.
    parsePemBundle(pem, `CA bundle ${caPath}`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { problem: `caBundlePath: ${reason.replace(/^The /, 'the ').replace(/\.$/, '')}` };
  }
  return { pem };
}

/**
 * How a packaged build decides the file came from an administrator (policyTrust.ts); development
 * builds and tests pass none.
 */
export type PolicyTrust =
  | { kind: 'posix-root'; lstat: Lstat; adminGroups?: ReadonlySet<number> }
  /**
   * The administrator's pinned SHA-256 (lower-case hex), or null when there is none; rejects when
   * the registry could not be read at all.
   */
  | { kind: 'windows-pin'; readPin: () => Promise<string | null> };

/** Reads and validates the policy file (and the CA bundle it names). Never throws. */
export async function loadAdminPolicy(options: { path: string; readFile?: ReadFileAtMost; trust?: PolicyTrust }): Promise<PolicyLoad> {
  const { path: file, trust } = options;
  const readFile = options.readFile ?? readFileAtMost;
  const invalid = (problem: string): PolicyLoad => ({ kind: 'invalid', path: file, problem });
  let pin: string | null = null;
  if (trust?.kind === 'windows-pin') {
    try {
      pin = await trust.readPin();
    } catch (error) {
      // Fail closed: unable to look is not "no pin", or a machine whose lookup breaks would run on
      // the defaults (or on a file nobody pinned) without a word.
      const reason = error instanceof Error ? error.message : String(error);
      return invalid(`The administrator's pin for it (${WINDOWS_PIN_KEY} ${WINDOWS_PIN_VALUE}) could not be read: ${reason}`);
    }
  }

  let bytes: Uint8Array;
  try {
    bytes = await readFile(file, MAX_POLICY_BYTES);
  } catch (error) {
    // Only "no such file" means "no managed policy"; anything else is a broken deployment.
    if (errorCode(error) === 'ENOENT') {
      const decision = trust?.kind === 'windows-pin' ? decideWindowsPolicy({ pin, fileSha256: null }) : { kind: 'default' as const };
      return decision.kind === 'invalid' ? invalid(decision.problem) : { kind: 'default', path: file };
    }
    return invalid(`It cannot be read (${unreadableReason(error)})`);
  }
  if (bytes.length > MAX_POLICY_BYTES) return invalid('It is larger than 64 KiB, so it cannot be a Wardline policy');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (trust?.kind === 'windows-pin') {
    const decision = decideWindowsPolicy({ pin, fileSha256: sha256 });
    if (decision.kind === 'invalid') return invalid(decision.problem);
  } else if (trust?.kind === 'posix-root') {
    const problem = await posixOwnershipOf(file, trust.lstat, trust.adminGroups);
    if (problem !== null) return invalid(problem);
  }

  let text: string;
  try {
    // A UTF-8 byte-order mark (Notepad) is accepted and dropped.
    text = utf8.decode(bytes);
  } catch {
    return invalid('It is not UTF-8 text (save it as UTF-8)');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return invalid(`It is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }

  // JSON.parse keeps the last of two same-named settings without a word: IT reading the file may
  // see the first (idleLockMinutes 5) while Wardline runs on the other (60).
  const repeated = repeatedKey(text);
  if (repeated !== null) return invalid(`${repeated}: appears more than once; keep one`);

  const parsed = parseAdminPolicy(json);
  if (!parsed.ok) return invalid(parsed.problem);
  if (parsed.policy.caBundlePath !== undefined) {
    // On Windows the pinned policy vouches for itself, not for the file it names (users can create files in ProgramData).
    if (trust?.kind === 'windows-pin' && parsed.policy.caBundleSha256 === undefined) {
      return invalid('caBundleSha256: required with caBundlePath on Windows, so the CA bundle is the one IT deployed');
    }
    // The CA Wardline will trust for every person on the PC: as much an administrator's as the policy.
    const owner = trust?.kind === 'posix-root' ? await posixOwnershipOf(parsed.policy.caBundlePath, trust.lstat, trust.adminGroups) : null;
    if (owner !== null) return invalid(`caBundlePath: ${owner}`);
    const bundle = await readCaBundle(parsed.policy.caBundlePath, parsed.policy.caBundleSha256 ?? null, readFile);
    if ('problem' in bundle) return invalid(bundle.problem);
    return { kind: 'managed', path: file, policy: parsed.policy, sha256, caBundlePem: bundle.pem };
  }
  return { kind: 'managed', path: file, policy: parsed.policy, sha256 };
}

/**
 * The first key written twice in one object of valid JSON text, as a path ("server.port"), or null.
 * Keys are compared as JSON reads them ("\u0069dleLockMinutes" is idleLockMinutes).
 */
export function repeatedKey(text: string): string | null {
  const stack: ({ keys: Set<string>; path: string } | null)[] = [];
  let lastKey: string | null = null;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const value = JSON.parse(text.slice(i, end + 1)) as string;
      i = end;
      let next = end + 1;
      while (next < text.length && /\s/.test(text[next] ?? '')) next += 1;
      const current = stack.at(-1);
      if (text[next] === ':' && current) {
        const path = current.path === '' ? value : `${current.path}.${value}`;
        if (current.keys.has(value)) return path;
        current.keys.add(value);
        lastKey = path;
      }
    } else if (ch === '{') {
      stack.push({ keys: new Set<string>(), path: stack.length === 0 ? '' : (lastKey ?? '') });
    } else if (ch === '[') {
      stack.push(null);
    } else if (ch === '}' || ch === ']') {
      stack.pop();
    }
  }
  return null;
}

/** What the person sees when Wardline refuses to start; null when the policy is usable. */
export function policyFailureMessage(load: PolicyLoad): string | null {
  if (load.kind !== 'invalid') return null;
  const problem = load.problem.replace(/\.$/, '');
  return (
    `Wardline cannot start: the hospital's policy file ${load.path} is invalid. ${problem}. ` +
    'Contact your IT service desk and quote this message. Wardline stays closed until the file is corrected, ' +
    "so that settings the hospital requires are never silently switched off."
  );
}

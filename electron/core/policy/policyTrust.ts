/**
 * Who may have written the machine-wide policy. The policy sets the server, the CA Wardline trusts,
 * the idle lock and the wipe rule for every person on the PC, so it must come from an
 * administrator, not from whoever used the PC before:
 *
 * - macOS and Linux: the file, the CA bundle it names and every folder above them must be owned
 *   by root and writable by no one but administrators (root, and on macOS the admin group).
 *   Anything less is a broken deployment (fail closed).
 * - Windows: any user may create folders and files under C:\ProgramData, so a file there proves
 *   nothing. IT pins the policy by its SHA-256 in HKLM\SOFTWARE\Policies\Wardline (value
 *   PolicySha256, REG_SZ), which only administrators can write (Group Policy, Intune, or an
 *   installer). No pin and no file: defaults. A file without a pin, a pin without the file, or a
 *   file whose digest differs: invalid, and Wardline stays closed with IT's message.
 */
import path from 'node:path';

/** What one path on the way up from the policy file looked like (lstat: a symlink is itself). */
export interface PathOwnership {
  path: string;
  uid: number;
  gid: number;
  /** st_mode, permission bits included. */
  mode: number;
  isSymbolicLink: boolean;
}

const GROUP_WRITE = 0o020;
const OTHER_WRITE = 0o002;

/**
 * Groups whose members are administrators anyway, so group write by them is no hole: root/wheel
 * (gid 0) everywhere, and macOS's admin group (gid 80), which owns folders such as
 * /Library/Application Support.
 */
export function administratorGroups(platform: NodeJS.Platform): ReadonlySet<number> {
  return new Set(platform === 'darwin' ? [0, 80] : [0]);
}

/** Null when root owns every path and no one but administrators can write to any; else why not, for IT. */
export function posixOwnershipProblem(chain: readonly PathOwnership[], adminGroups: ReadonlySet<number> = new Set([0])): string | null {
  for (const entry of chain) {
    if (entry.isSymbolicLink) return `${entry.path} is a symbolic link; the policy and its folders must be real files and folders owned by root`;
    if (entry.uid !== 0) return `${entry.path} is not owned by root (owner uid ${entry.uid}), so someone other than an administrator could have written it`;
    const permissions = (entry.mode & 0o7777).toString(8);
    if ((entry.mode & OTHER_WRITE) !== 0) return `${entry.path} can be changed by any user (mode ${permissions}); remove other write permission`;
    if ((entry.mode & GROUP_WRITE) !== 0 && !adminGroups.has(entry.gid)) {
      return `${entry.path} can be changed by members of group ${entry.gid} (mode ${permissions}); remove group write permission`;
    }
  }
  return null;
}

/** The file itself, then each folder above it up to the root. */
export function pathsUpFrom(filePath: string): string[] {
  const chain: string[] = [];
  let current = path.posix.normalize(filePath);
  for (;;) {
    chain.push(current);
    const parent = path.posix.dirname(current);
    if (parent === current) return chain;
    current = parent;
  }
}

export type Lstat = (filePath: string) => Promise<{ uid: number; gid: number; mode: number; isSymbolicLink(): boolean }>;

/** Walks from the file to `/`; a path that cannot be examined is a problem, not a pass. */
export async function posixOwnershipOf(filePath: string, lstat: Lstat, adminGroups?: ReadonlySet<number>): Promise<string | null> {
  const chain: PathOwnership[] = [];
  for (const entry of pathsUpFrom(filePath)) {
    try {
      const info = await lstat(entry);
      chain.push({ path: entry, uid: info.uid, gid: info.gid, mode: info.mode, isSymbolicLink: info.isSymbolicLink() });
    } catch (error) {
      return `${entry} cannot be examined (${(error as { code?: string } | null)?.code ?? String(error)})`;
    }
  }
  return posixOwnershipProblem(chain, adminGroups);
}

export const WINDOWS_PIN_KEY = 'HKLM\\SOFTWARE\\Policies\\Wardline';
export const WINDOWS_PIN_VALUE = 'PolicySha256';

/** The pinned digest from `reg.exe query <key> /v PolicySha256` output, or null if there is none. */
export function parseRegistryPin(regQueryOutput: string): string | null {
  // Value names are case-insensitive in the registry; Group Policy may write REG_EXPAND_SZ.
  const match = /^\s*PolicySha256\s+REG_(?:EXPAND_)?SZ\s+([0-9A-Fa-f]{64})\s*$/im.exec(regQueryOutput);
  return match?.[1]?.toLowerCase() ?? null;
}

export type WindowsPolicyDecision = { kind: 'default' } | { kind: 'use' } | { kind: 'invalid'; problem: string };

/** Whether the file at the policy path may be used, given the administrator's pin. */
export function decideWindowsPolicy(input: { pin: string | null; fileSha256: string | null }): WindowsPolicyDecision {
  const { pin, fileSha256 } = input;
  if (pin === null && fileSha256 === null) return { kind: 'default' };
  if (pin === null) {
    return {
      kind: 'invalid',
      problem: `It is not pinned by an administrator: set ${WINDOWS_PIN_KEY}\\${WINDOWS_PIN_VALUE} (REG_SZ) to the file's SHA-256, because any user of this PC can create files in that folder`,
    };
  }
  if (fileSha256 === null) return { kind: 'invalid', problem: `An administrator pinned a policy (${WINDOWS_PIN_KEY}\\${WINDOWS_PIN_VALUE}) but the file is missing` };
  if (fileSha256 !== pin) {
    return { kind: 'invalid', problem: `Its SHA-256 (${fileSha256}) is not the one an administrator pinned in ${WINDOWS_PIN_KEY}\\${WINDOWS_PIN_VALUE} (${pin})` };
  }
  return { kind: 'use' };
}

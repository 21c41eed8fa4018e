// Where the managed policy file lives and how it is loaded (governance issue §7). Fail closed: only
// a missing file means "no managed policy"; a file that exists but is unreadable, not UTF-8 JSON,
// oversize, off-schema or names a bad CA bundle stops Wardline with a message for IT.
// Real files in a temp dir; WARDLINE_POLICY_FILE is how tests and the demo point Wardline at one.
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ADMIN_POLICY } from '../../electron/core/policy/adminPolicy.js';
import {
  MAX_POLICY_BYTES,
  loadAdminPolicy,
  policyFailureMessage,
  policyFilePath,
  type PolicyLoad,
} from '../../electron/core/policy/policyFile.js';
import { administratorGroups, decideWindowsPolicy, parseRegistryPin, pathsUpFrom, posixOwnershipOf, posixOwnershipProblem, type Lstat } from '../../electron/core/policy/policyTrust.js';

describe('policyFilePath', () => {
  const dev = { isPackaged: false };
  const packaged = { isPackaged: true };

  it('is machine-wide, per platform', () => {
    expect(policyFilePath('win32', {}, packaged)).toBe('C:\\ProgramData\\Wardline\\policy.json');
    expect(policyFilePath('darwin', {}, packaged)).toBe('/Library/Application Support/Wardline/policy.json');
    expect(policyFilePath('linux', {}, packaged)).toBe('/etc/wardline/policy.json');
    expect(policyFilePath('freebsd', {}, packaged)).toBe('/etc/wardline/policy.json');
  });

  it('Windows: a packaged build ignores %ProgramData% (with SystemRoot, a person could have their own file accepted)', () => {
    expect(policyFilePath('win32', { ProgramData: 'C:\\Users\\clerk\\empty' }, packaged)).toBe('C:\\ProgramData\\Wardline\\policy.json');
    expect(policyFilePath('win32', { PROGRAMDATA: 'E:\\PD' }, packaged)).toBe('C:\\ProgramData\\Wardline\\policy.json');
  });

  it('Windows development builds: %ProgramData% in any case, C:\\ProgramData when missing or not absolute', () => {
    expect(policyFilePath('win32', { PROGRAMDATA: 'E:\\PD' }, dev)).toBe('E:\\PD\\Wardline\\policy.json');
    expect(policyFilePath('win32', {}, dev)).toBe('C:\\ProgramData\\Wardline\\policy.json');
    expect(policyFilePath('win32', { ProgramData: '' }, dev)).toBe('C:\\ProgramData\\Wardline\\policy.json');
    expect(policyFilePath('win32', { ProgramData: 'ProgramData' }, dev)).toBe('C:\\ProgramData\\Wardline\\policy.json');
  });

  it('WARDLINE_POLICY_FILE overrides it in development builds, absolute paths only', () => {
    expect(policyFilePath('linux', { WARDLINE_POLICY_FILE: '/tmp/p.json' }, dev)).toBe('/tmp/p.json');
    expect(policyFilePath('win32', { WARDLINE_POLICY_FILE: 'C:\\test\\p.json' }, dev)).toBe('C:\\test\\p.json');
    expect(policyFilePath('linux', { WARDLINE_POLICY_FILE: 'p.json' }, dev)).toBe('/etc/wardline/policy.json');
    expect(policyFilePath('linux', { WARDLINE_POLICY_FILE: '' }, dev)).toBe('/etc/wardline/policy.json');
  });

  it('packaged builds ignore WARDLINE_POLICY_FILE: a planted variable must not swap the hospital policy', () => {
    expect(policyFilePath('linux', { WARDLINE_POLICY_FILE: '/tmp/p.json' }, packaged)).toBe('/etc/wardline/policy.json');
    expect(policyFilePath('win32', { WARDLINE_POLICY_FILE: 'C:\\Users\\me\\p.json' }, packaged)).toBe('C:\\ProgramData\\Wardline\\policy.json');
  });
});

describe('loadAdminPolicy', () => {
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wardline-policy-'));
    file = join(dir, 'policy.json');
  });
  afterEach(async () => {
    await chmod(file, 0o600).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  function expectInvalid(load: PolicyLoad): string {
    expect(load.kind).toBe('invalid');
    if (load.kind !== 'invalid') throw new Error('unreachable');
    expect(load.path).toBe(file);
    return load.problem;
  }

  it('no file: no managed policy, the defaults apply', async () => {
    expect(await loadAdminPolicy({ path: file })).toEqual({ kind: 'default', path: file });
  });

  it('a valid file: the policy and the digest of its bytes', async () => {
    const text = JSON.stringify({ version: 1, idleLockMinutes: 2, allowedDomains: ['nhs.net'] });
    await writeFile(file, text);
    const load = await loadAdminPolicy({ path: file });
    expect(load).toEqual({
      kind: 'managed',
      path: file,
      policy: { ...DEFAULT_ADMIN_POLICY, idleLockMinutes: 2, allowedDomains: ['nhs.net'] },
      sha256: createHash('sha256').update(text).digest('hex'),
    });
  });

  it('accepts a UTF-8 byte-order mark (Notepad)', async () => {
    await writeFile(file, `\uFEFF${JSON.stringify({ version: 1 })}`);
    expect((await loadAdminPolicy({ path: file })).kind).toBe('managed');
  });

  it('off-schema: invalid, naming the setting; the message names the file and the setting', async () => {
    await writeFile(file, JSON.stringify({ version: 1, idleLockMinutes: 90 }));
    const load = await loadAdminPolicy({ path: file });
    expect(expectInvalid(load)).toBe('idleLockMinutes: must be at most 60');
    const message = policyFailureMessage(load);
    expect(message).toBe(
      `Wardline cannot start: the hospital's policy file ${file} is invalid. idleLockMinutes: must be at most 60. ` +
        'Contact your IT service desk and quote this message. Wardline stays closed until the file is corrected, ' +
        'so that settings the hospital requires are never silently switched off.',
    );
  });

  it('an unknown key is invalid, not ignored', async () => {
    await writeFile(file, JSON.stringify({ version: 1, wipeAfterFailure: 10 }));
    expect(expectInvalid(await loadAdminPolicy({ path: file }))).toBe('unknown setting "wipeAfterFailure"');
  });

  it('not JSON: invalid, with the parser\'s words', async () => {
    await writeFile(file, '{ "version": 1, }');
    expect(expectInvalid(await loadAdminPolicy({ path: file }))).toMatch(/^It is not valid JSON \(.+\)$/);
    await writeFile(file, '');
    expect(expectInvalid(await loadAdminPolicy({ path: file }))).toMatch(/^It is not valid JSON/);
  });

  it('not UTF-8: invalid', async () => {
    // "version" in Latin-1 with a stray é (0xE9) is not UTF-8.
    await writeFile(file, Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]));
    expect(expectInvalid(await loadAdminPolicy({ path: file }))).toBe('It is not UTF-8 text (save it as UTF-8)');
  });

  it('over 64 KiB: invalid, even if it is otherwise a valid policy', async () => {
    const body = JSON.stringify({ version: 1 });
    await writeFile(file, body + ' '.repeat(MAX_POLICY_BYTES - body.length));
    expect((await loadAdminPolicy({ path: file })).kind).toBe('managed');
    await writeFile(file, body + ' '.repeat(MAX_POLICY_BYTES - body.length + 1));
    expect(expectInvalid(await loadAdminPolicy({ path: file }))).toBe('It is larger than 64 KiB, so it cannot be a Wardline policy');
  });

  it('unreadable: invalid, never the defaults', async () => {
    await writeFile(file, JSON.stringify({ version: 1 }));
    if (process.getuid?.() === 0) {
      // root reads through chmod 000, so use the other real way a file cannot be read: a folder in its place.
      await rm(file);
      await mkdir(file);
      expect(expectInvalid(await loadAdminPolicy({ path: file }))).toBe('It cannot be read (it is a folder, not a file)');
    } else {
      await chmod(file, 0o000);
      expect(expectInvalid(await loadAdminPolicy({ path: file }))).toBe('It cannot be read (permission denied)');
    }
  });

  it('a folder in place of the file: invalid', async () => {
    await mkdir(file);
    expect(expectInvalid(await loadAdminPolicy({ path: file }))).toBe('It cannot be read (it is a folder, not a file)');
  });

  it('a file where a folder should be: invalid, not "no policy"', async () => {
    await writeFile(join(dir, 'wardline'), 'not a folder');
    file = join(dir, 'wardline', 'policy.json');
    expect(expectInvalid(await loadAdminPolicy({ path: file }))).toBe('It cannot be read (part of its path is a file, not a folder)');
  });

  it('any read error but "no such file" is invalid (injected reader)', async () => {
    const denied = Object.assign(new Error('EPERM: operation not permitted'), { code: 'EPERM' });
    const load = await loadAdminPolicy({ path: file, readFile: () => Promise.reject(denied) });
    expect(expectInvalid(load)).toBe('It cannot be read (permission denied)');
    const odd = await loadAdminPolicy({ path: file, readFile: () => Promise.reject(Object.assign(new Error('i/o'), { code: 'EIO' })) });
    expect(expectInvalid(odd)).toBe('It cannot be read (EIO)');
  });

  describe('caBundlePath', () => {
    it('a readable PEM bundle: managed', async () => {
      const ca = join(dir, 'hospital-ca.pem');
      await writeFile(ca, `${rootCertificates[0]}\n${rootCertificates[1]}\n`);
      await writeFile(file, JSON.stringify({ version: 1, caBundlePath: ca }));
      const load = await loadAdminPolicy({ path: file });
      expect(load.kind === 'managed' && load.policy.caBundlePath).toBe(ca);
    });

    it('missing: invalid, naming the setting and the bundle', async () => {
      const ca = join(dir, 'missing-ca.pem');
      await writeFile(file, JSON.stringify({ version: 1, caBundlePath: ca }));
      const load = await loadAdminPolicy({ path: file });
      expect(expectInvalid(load)).toBe(`caBundlePath: the CA bundle ${ca} cannot be read (it does not exist)`);
      expect(policyFailureMessage(load)).toContain(`policy file ${file} is invalid. caBundlePath: the CA bundle ${ca} cannot be read`);
    });

    it('a folder, or a file with no certificate: invalid', async () => {
      const ca = join(dir, 'ca');
      await mkdir(ca);
      await writeFile(file, JSON.stringify({ version: 1, caBundlePath: ca }));
      expect(expectInvalid(await loadAdminPolicy({ path: file }))).toBe(`caBundlePath: the CA bundle ${ca} cannot be read (it is a folder, not a file)`);
      const empty = join(dir, 'empty.pem');
      await writeFile(empty, 'certificate goes here\n');
      await writeFile(file, JSON.stringify({ version: 1, caBundlePath: empty }));
      expect(expectInvalid(await loadAdminPolicy({ path: file }))).toBe(`caBundlePath: the CA bundle ${empty} contains no PEM certificate`);
    });

    it('a certificate that does not parse: invalid', async () => {
      const broken = join(dir, 'broken.pem');
      await writeFile(broken, '-----BEGIN CERTIFICATE-----\nTUlJQm9ndXM=\n-----END CERTIFICATE-----\n');
      await writeFile(file, JSON.stringify({ version: 1, caBundlePath: broken }));
      expect(expectInvalid(await loadAdminPolicy({ path: file }))).toBe(`caBundlePath: the CA bundle ${broken} contains a certificate that does not parse`);
    });
  });
});

describe('policyFailureMessage', () => {
  it('is null when Wardline may start', () => {
    expect(policyFailureMessage({ kind: 'default', path: '/etc/wardline/policy.json' })).toBeNull();
    expect(policyFailureMessage({ kind: 'managed', path: '/etc/wardline/policy.json', policy: DEFAULT_ADMIN_POLICY, sha256: '0'.repeat(64) })).toBeNull();
  });

  it('does not double the full stop of a problem that has one', () => {
    expect(policyFailureMessage({ kind: 'invalid', path: 'C:\\ProgramData\\Wardline\\policy.json', problem: 'It is not UTF-8 text.' })).toMatch(
      /^Wardline cannot start: the hospital's policy file C:\\ProgramData\\Wardline\\policy\.json is invalid\. It is not UTF-8 text\. Contact your IT/,
    );
  });
});

describe('who wrote the policy (review finding: any Windows user can create C:\\ProgramData\\Wardline\\policy.json)', () => {
  const rootOnly = (uid = 0, mode = 0o40755): ReturnType<Lstat> => Promise.resolve({ uid, gid: 0, mode, isSymbolicLink: () => false });

  it('macOS/Linux: root must own the file and every folder above it, none writable by anyone else', async () => {
    expect(pathsUpFrom('/etc/wardline/policy.json')).toEqual(['/etc/wardline/policy.json', '/etc/wardline', '/etc', '/']);
    const at = (path: string, uid: number, gid: number, mode: number, isSymbolicLink = false) => [{ path, uid, gid, mode, isSymbolicLink }];
    expect(posixOwnershipProblem(at('/etc/wardline/policy.json', 0, 0, 0o100644))).toBeNull();
    expect(posixOwnershipProblem(at('/etc/wardline/policy.json', 1000, 0, 0o100644))).toMatch(/not owned by root \(owner uid 1000\)/);
    expect(posixOwnershipProblem(at('/etc/wardline', 0, 100, 0o40775))).toMatch(/can be changed by members of group 100 \(mode 775\)/);
    expect(posixOwnershipProblem(at('/etc/wardline/policy.json', 0, 0, 0o100666))).toMatch(/can be changed by any user \(mode 666\)/);
    expect(posixOwnershipProblem(at('/etc/wardline', 0, 0, 0o120777, true))).toMatch(/symbolic link/);
    // Group write by administrators is no hole: root/wheel everywhere, and macOS's admin group.
    expect(posixOwnershipProblem(at('/etc/wardline', 0, 0, 0o40775))).toBeNull();
    expect(posixOwnershipProblem(at('/Library/Application Support', 0, 80, 0o40775), administratorGroups('darwin'))).toBeNull();
    expect(posixOwnershipProblem(at('/Library/Application Support', 0, 80, 0o40775), administratorGroups('linux'))).toMatch(/group 80/);
    // A folder above it that cannot be examined fails too.
    expect(await posixOwnershipOf('/etc/wardline/policy.json', (p) => (p === '/etc' ? Promise.reject(Object.assign(new Error('x'), { code: 'EACCES' })) : rootOnly()))).toMatch(/\/etc cannot be examined \(EACCES\)/);
  });

  it('macOS/Linux, on this machine: a file under the shared temp folder is refused, a root-owned system file passes', async () => {
    const { lstat } = await import('node:fs/promises');
    expect(await posixOwnershipOf('/etc/passwd', lstat)).toBeNull();
    const dir = await mkdtemp(join(tmpdir(), 'wardline-trust-'));
    try {
      await writeFile(join(dir, 'policy.json'), '{}');
      expect(await posixOwnershipOf(join(dir, 'policy.json'), lstat)).toMatch(/can be changed by any user/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('loads a root-owned policy, and refuses one (or a CA bundle) anyone else could have written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wardline-trust-load-'));
    try {
      const file = join(dir, 'policy.json');
      const ca = join(dir, 'ca.pem');
      await writeFile(ca, rootCertificates[0] ?? '');
      await writeFile(file, JSON.stringify({ version: 1, caBundlePath: ca }));
      const owners = new Map<string, number>();
      const lstat: Lstat = (p) => rootOnly(owners.get(p) ?? 0, 0o100644);
      expect((await loadAdminPolicy({ path: file, trust: { kind: 'posix-root', lstat } })).kind).toBe('managed');
      owners.set(file, 1000);
      expect(await loadAdminPolicy({ path: file, trust: { kind: 'posix-root', lstat } })).toMatchObject({ kind: 'invalid', problem: expect.stringMatching(/not owned by root/) });
      owners.delete(file);
      owners.set(ca, 1000);
      expect(await loadAdminPolicy({ path: file, trust: { kind: 'posix-root', lstat } })).toMatchObject({ kind: 'invalid', problem: expect.stringMatching(/^caBundlePath: .*not owned by root/) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('Windows: reads the pin from reg.exe output, and uses a file only when its digest is the pinned one', async () => {
    const digest = 'ab'.repeat(32);
    const output = `\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Wardline\r\n    PolicySha256    REG_SZ    ${digest.toUpperCase()}\r\n\r\n`;
    expect(parseRegistryPin(output)).toBe(digest);
    // Value names are case-insensitive, and Group Policy may write REG_EXPAND_SZ.
    expect(parseRegistryPin(`    policysha256    REG_EXPAND_SZ    ${digest}`)).toBe(digest);
    expect(parseRegistryPin('ERROR: The system was unable to find the specified registry key or value.')).toBeNull();
    expect(parseRegistryPin('    PolicySha256    REG_SZ    not-a-digest')).toBeNull();
    expect(decideWindowsPolicy({ pin: null, fileSha256: null })).toEqual({ kind: 'default' });
    expect(decideWindowsPolicy({ pin: digest, fileSha256: digest })).toEqual({ kind: 'use' });
    expect(decideWindowsPolicy({ pin: null, fileSha256: digest })).toMatchObject({ kind: 'invalid', problem: expect.stringMatching(/not pinned by an administrator/) });
    expect(decideWindowsPolicy({ pin: digest, fileSha256: null })).toMatchObject({ kind: 'invalid', problem: expect.stringMatching(/file is missing/) });
    expect(decideWindowsPolicy({ pin: digest, fileSha256: 'cd'.repeat(32) })).toMatchObject({ kind: 'invalid', problem: expect.stringMatching(/not the one an administrator pinned/) });

    const dir = await mkdtemp(join(tmpdir(), 'wardline-pin-'));
    try {
      const file = join(dir, 'policy.json');
      // The CA bundle a pinned policy names is vouched for by its own digest in the policy.
      const ca = join(dir, 'ca.pem');
      const caPem = rootCertificates[0] ?? '';
      await writeFile(ca, caPem);
      const caDigest = createHash('sha256').update(caPem).digest('hex');
      const withCa = (extra: object): string => JSON.stringify({ version: 1, caBundlePath: ca, ...extra });
      const pinnedLoad = async (text: string) => {
        await writeFile(file, text);
        return loadAdminPolicy({ path: file, trust: { kind: 'windows-pin', readPin: async () => createHash('sha256').update(text).digest('hex') } });
      };
      expect(await pinnedLoad(withCa({}))).toMatchObject({ kind: 'invalid', problem: expect.stringMatching(/^caBundleSha256: required with caBundlePath on Windows/) });
      expect(await pinnedLoad(withCa({ caBundleSha256: 'cd'.repeat(32) }))).toMatchObject({ kind: 'invalid', problem: expect.stringMatching(/^caBundleSha256: the CA bundle .* has SHA-256/) });
      // What was checked is what the connection will trust: the text, not the path to read again.
      expect(await pinnedLoad(withCa({ caBundleSha256: caDigest }))).toMatchObject({ kind: 'managed', caBundlePem: caPem });
      // Get-FileHash prints upper case.
      expect((await pinnedLoad(withCa({ caBundleSha256: caDigest.toUpperCase() }))).kind).toBe('managed');
      await rm(file);

      const planted = JSON.stringify({ version: 1, idleLockMinutes: 60 });
      expect(await loadAdminPolicy({ path: file, trust: { kind: 'windows-pin', readPin: async () => null } })).toEqual({ kind: 'default', path: file });
      await writeFile(file, planted);
      // Planted by a ward user, nothing pinned: Wardline stays closed rather than obey it.
      expect(await loadAdminPolicy({ path: file, trust: { kind: 'windows-pin', readPin: async () => null } })).toMatchObject({ kind: 'invalid' });
      const pinned = createHash('sha256').update(planted).digest('hex');
      expect(await loadAdminPolicy({ path: file, trust: { kind: 'windows-pin', readPin: async () => pinned } })).toMatchObject({ kind: 'managed', sha256: pinned });
      await writeFile(file, JSON.stringify({ version: 1, idleLockMinutes: 5 }));
      expect(await loadAdminPolicy({ path: file, trust: { kind: 'windows-pin', readPin: async () => pinned } })).toMatchObject({ kind: 'invalid' });

      // The registry could not be read at all (reg.exe missing, timed out): closed, with or without
      // a file, and IT is told why, never the defaults in silence (review finding).
      const unreadable = async (): Promise<string | null> => {
        throw new Error('C:\\Windows\\System32\\reg.exe could not be run (ENOENT)');
      };
      expect(await loadAdminPolicy({ path: file, trust: { kind: 'windows-pin', readPin: unreadable } })).toMatchObject({
        kind: 'invalid',
        problem: expect.stringMatching(/PolicySha256\) could not be read: .*reg\.exe could not be run \(ENOENT\)/),
      });
      await rm(file);
      expect(await loadAdminPolicy({ path: file, trust: { kind: 'windows-pin', readPin: unreadable } })).toMatchObject({ kind: 'invalid' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

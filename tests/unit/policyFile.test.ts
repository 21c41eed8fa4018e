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

describe('policyFilePath', () => {
  const dev = { isPackaged: false };
  const packaged = { isPackaged: true };

  it('is machine-wide, per platform', () => {
    expect(policyFilePath('win32', {}, packaged)).toBe('C:\\ProgramData\\Wardline\\policy.json');
    expect(policyFilePath('darwin', {}, packaged)).toBe('/Library/Application Support/Wardline/policy.json');
    expect(policyFilePath('linux', {}, packaged)).toBe('/etc/wardline/policy.json');
    expect(policyFilePath('freebsd', {}, packaged)).toBe('/etc/wardline/policy.json');
  });

  it('Windows: a packaged build ignores %ProgramData% (a person can set it for their own processes)', () => {
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

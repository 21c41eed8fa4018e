// The Windows pin is read with the system's reg.exe, whatever the person's environment says: with
// %SystemRoot% pointing at their own folder, their own reg.exe could "find" a pin for their own
// policy file (review finding). reg.exe itself cannot run here, so execFile is observed, not run.
import { afterEach, describe, expect, it, vi } from 'vitest';

type ExecError = Error & { code?: number | string; killed?: boolean };
const calls: { file: string; args: readonly string[] }[] = [];
const PINNED = '\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Wardline\r\n    PolicySha256    REG_SZ    ' + 'a'.repeat(64) + '\r\n\r\n';
/** What the next reg.exe "run" gives back. */
let outcome: { error: ExecError | null; stdout: string } = { error: null, stdout: PINNED };
vi.mock('node:child_process', () => ({
  execFile: (file: string, args: readonly string[], _options: unknown, done: (error: ExecError | null, stdout: string) => void) => {
    calls.push({ file, args });
    done(outcome.error, outcome.stdout);
  },
}));
const failure = (fields: Partial<ExecError>): ExecError => Object.assign(new Error('failed'), fields);

const { readWindowsPolicyPin, SYSTEM_REG_EXE } = await import('../../electron/main/os/policyPin.js');

describe('readWindowsPolicyPin', () => {
  const saved = process.env['SystemRoot'];
  afterEach(() => {
    if (saved === undefined) delete process.env['SystemRoot'];
    else process.env['SystemRoot'] = saved;
    calls.length = 0;
    outcome = { error: null, stdout: PINNED };
  });

  it('runs C:\\Windows\\System32\\reg.exe even when %SystemRoot% points elsewhere', async () => {
    process.env['SystemRoot'] = 'D:\\Users\\sam\\fake-windows';
    expect(await readWindowsPolicyPin()).toBe('a'.repeat(64));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.file).toBe(SYSTEM_REG_EXE);
    expect(SYSTEM_REG_EXE).toBe('C:\\Windows\\System32\\reg.exe');
    expect(calls[0]!.args).toEqual(['query', 'HKLM\\SOFTWARE\\Policies\\Wardline', '/v', 'PolicySha256', '/reg:64']);
  });

  it('is "no pin" when reg.exe ran and found none (its exit status 1)', async () => {
    outcome = { error: failure({ code: 1 }), stdout: '' };
    expect(await readWindowsPolicyPin()).toBeNull();
  });

  it('rejects, never "no pin", when reg.exe cannot be run or hangs (Windows not in C:\\Windows, for one)', async () => {
    outcome = { error: failure({ code: 'ENOENT' }), stdout: '' };
    await expect(readWindowsPolicyPin()).rejects.toThrow(/reg\.exe could not be run \(ENOENT\)/);
    outcome = { error: failure({ killed: true }), stdout: '' };
    await expect(readWindowsPolicyPin()).rejects.toThrow(/timed out/);
  });
});

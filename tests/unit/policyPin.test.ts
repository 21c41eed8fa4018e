// The Windows pin is read with the system's reg.exe, whatever the person's environment says: with
// %SystemRoot% pointing at their own folder, their own reg.exe could "find" a pin for their own
// policy file (review finding). reg.exe itself cannot run here, so execFile is observed, not run.
import { afterEach, describe, expect, it, vi } from 'vitest';

const calls: { file: string; args: readonly string[] }[] = [];
vi.mock('node:child_process', () => ({
  execFile: (file: string, args: readonly string[], _options: unknown, done: (error: Error | null, stdout: string) => void) => {
    calls.push({ file, args });
    done(null, '\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Wardline\r\n    PolicySha256    REG_SZ    ' + 'a'.repeat(64) + '\r\n\r\n');
  },
}));

const { readWindowsPolicyPin, SYSTEM_REG_EXE } = await import('../../electron/main/os/policyPin.js');

describe('readWindowsPolicyPin', () => {
  const saved = process.env['SystemRoot'];
  afterEach(() => {
    if (saved === undefined) delete process.env['SystemRoot'];
    else process.env['SystemRoot'] = saved;
    calls.length = 0;
  });

  it('runs C:\\Windows\\System32\\reg.exe even when %SystemRoot% points elsewhere', async () => {
    process.env['SystemRoot'] = 'D:\\Users\\sam\\fake-windows';
    expect(await readWindowsPolicyPin()).toBe('a'.repeat(64));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.file).toBe(SYSTEM_REG_EXE);
    expect(SYSTEM_REG_EXE).toBe('C:\\Windows\\System32\\reg.exe');
    expect(calls[0]!.args).toEqual(['query', 'HKLM\\SOFTWARE\\Policies\\Wardline', '/v', 'PolicySha256', '/reg:64']);
  });
});

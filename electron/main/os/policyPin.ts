/**
 * The administrator's pin for the policy file on Windows (policyTrust.ts): read with the system's
 * reg.exe, so no native module is needed. Anything but a well-formed pin (no key, no value, reg.exe
 * failing) is "no pin", which with a policy file present keeps Wardline closed.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { parseRegistryPin, WINDOWS_PIN_KEY, WINDOWS_PIN_VALUE } from '../../core/policy/policyTrust.js';

export function readWindowsPolicyPin(env: Readonly<Record<string, string | undefined>> = process.env): Promise<string | null> {
  const systemRoot = env['SystemRoot'] && path.win32.isAbsolute(env['SystemRoot']) ? env['SystemRoot'] : 'C:\\Windows';
  const reg = path.win32.join(systemRoot, 'System32', 'reg.exe');
  return new Promise((resolve) => {
    // /reg:64: the 64-bit view whatever this process is, where Group Policy writes HKLM\SOFTWARE\Policies.
    execFile(reg, ['query', WINDOWS_PIN_KEY, '/v', WINDOWS_PIN_VALUE, '/reg:64'], { timeout: 5_000, windowsHide: true }, (error, stdout) => {
      resolve(error ? null : parseRegistryPin(String(stdout)));
    });
  });
}

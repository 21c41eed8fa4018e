/**
 * The administrator's pin for the policy file on Windows (policyTrust.ts): read with the system's
 * reg.exe, so no native module is needed. Anything but a well-formed pin (no key, no value, reg.exe
 * failing) is "no pin", which with a policy file present keeps Wardline closed.
 */
import { execFile } from 'node:child_process';
import { parseRegistryPin, WINDOWS_PIN_KEY, WINDOWS_PIN_VALUE } from '../../core/policy/policyTrust.js';

/**
 * A fixed path, never from %SystemRoot%: a person can set that for their own processes and point
 * it at a reg.exe of their own that "finds" a pin for their own policy file. Like the policy
 * file's C:\ProgramData (policyFile.ts), a PC whose Windows is not in C:\Windows needs IT to say so.
 */
export const SYSTEM_REG_EXE = 'C:\\Windows\\System32\\reg.exe';

export function readWindowsPolicyPin(): Promise<string | null> {
  return new Promise((resolve) => {
    // /reg:64: the 64-bit view whatever this process is, where Group Policy writes HKLM\SOFTWARE\Policies.
    execFile(SYSTEM_REG_EXE, ['query', WINDOWS_PIN_KEY, '/v', WINDOWS_PIN_VALUE, '/reg:64'], { timeout: 5_000, windowsHide: true }, (error, stdout) => {
      resolve(error ? null : parseRegistryPin(String(stdout)));
    });
  });
}

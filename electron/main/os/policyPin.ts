/**
 * The administrator's pin for the policy file on Windows (policyTrust.ts): read with the system's
 * reg.exe, so no native module is needed. reg.exe ran and found no well-formed pin: "no pin" (with
 * a policy file present that keeps Wardline closed). reg.exe could not be run at all: a rejection,
 * which also keeps Wardline closed (policyFile.ts), never a silent "no managed policy".
 */
import { execFile } from 'node:child_process';
import { parseRegistryPin, WINDOWS_PIN_KEY, WINDOWS_PIN_VALUE } from '../../core/policy/policyTrust.js';

/**
 * A fixed path, never from %SystemRoot%: a person can set that for their own processes and point
 * it at a reg.exe of their own that "finds" a pin for their own policy file. Like the policy
 * file's C:\ProgramData (policyFile.ts), this assumes Windows in C:\Windows (docs/DEPLOYMENT.md).
 */
export const SYSTEM_REG_EXE = 'C:\\Windows\\System32\\reg.exe';

export function readWindowsPolicyPin(): Promise<string | null> {
  return new Promise((resolve, reject) => {
    // /reg:64: the 64-bit view whatever this process is, where Group Policy writes HKLM\SOFTWARE\Policies.
    execFile(SYSTEM_REG_EXE, ['query', WINDOWS_PIN_KEY, '/v', WINDOWS_PIN_VALUE, '/reg:64'], { timeout: 5_000, windowsHide: true }, (error, stdout) => {
      if (!error) return resolve(parseRegistryPin(String(stdout)));
      // A numeric code is reg.exe's exit status: it ran, and there is no such key or value.
      if (typeof error.code === 'number') return resolve(null);
      reject(new Error(`${SYSTEM_REG_EXE} could not be run (${error.killed ? 'timed out' : String(error.code ?? error.message)})`));
    });
  });
}

/**
 * "Packaged" gates every guard that keeps a shipped Wardline closed to the person at the keyboard:
 * switches (--remote-debugging-port, --no-sandbox), WARDLINE_DATA_DIR / WARDLINE_POLICY_FILE /
 * WARDLINE_ADMIN_CA, the policy file's ownership check, DevTools. Electron's app.isPackaged is
 * only the executable's file name (lib/browser/api/app.ts: basename(process.execPath) !== 'electron'),
 * so it cannot be that gate.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { policyFilePath } from '../../electron/core/policy/policyFile.js';
import { chooseDevChatTrust, chooseUserDataDir, findForbiddenSwitches, isDevelopmentRun } from '../../electron/main/policy/startupGuards.js';
import { windowPolicy } from '../../electron/main/policy/webPreferences.js';

vi.mock('electron', () => {
  throw new Error('electron must not be loaded at runtime here');
});

/** Electron's own rule for app.isPackaged (electron/electron lib/browser/api/app.ts). */
function electronIsPackaged(execPath: string, platform: NodeJS.Platform): boolean {
  const execFile = (platform === 'win32' ? path.win32 : path.posix).basename(execPath).toLowerCase();
  return platform === 'win32' ? execFile !== 'electron.exe' : execFile !== 'electron';
}

describe('the packaged gate', () => {
  // A shipped Wardline, copied out of its install folder (per-user Squirrel install, or /usr/lib/wardline) and renamed.
  const renamed = { execPath: 'C:\\Users\\ward3\\AppData\\Local\\x\\electron.exe', appPath: 'C:\\Users\\ward3\\AppData\\Local\\x\\resources\\app.asar' };

  it('is not app.isPackaged: a renamed shipped executable would pass for a development build', () => {
    const isPackaged = electronIsPackaged(renamed.execPath, 'win32');
    expect(isPackaged).toBe(false);
    // What index.ts did with that: every guard off.
    expect(isPackaged ? findForbiddenSwitches(['x', '--remote-debugging-port=9222']) : []).toEqual([]);
    expect(chooseUserDataDir({ isPackaged, defaultDir: 'C:\\default', env: { WARDLINE_DATA_DIR: 'C:\\Users\\Public\\w' }, isAbsolute: path.win32.isAbsolute })).toBe('C:\\Users\\Public\\w');
    expect(policyFilePath('win32', { WARDLINE_POLICY_FILE: 'C:\\Users\\ward3\\lax.json' }, { isPackaged })).toBe('C:\\Users\\ward3\\lax.json');
    expect(chooseDevChatTrust({ isPackaged, env: { WARDLINE_ADMIN_CA: 'C:\\Users\\ward3\\mitm.pem' }, isAbsolute: path.win32.isAbsolute }).adminCa).toBeDefined();
    expect(windowPolicy(isPackaged).devTools).toBe(true);
  });

  it('is a development run only when Electron’s default app started it from a folder', () => {
    expect(isDevelopmentRun({ isPackaged: false, defaultApp: true, appPath: '/home/dev/wardline' })).toBe(true);
    // Renamed shipped build: no default app (packaging leaves it out), and the app is an asar.
    expect(isDevelopmentRun({ isPackaged: false, defaultApp: undefined, appPath: renamed.appPath })).toBe(false);
    expect(isDevelopmentRun({ isPackaged: false, defaultApp: true, appPath: '/opt/x/resources/app.asar' })).toBe(false);
    expect(isDevelopmentRun({ isPackaged: true, defaultApp: true, appPath: '/home/dev/wardline' })).toBe(false);
  });

  it('is what the main process keys every packaged-only guard on', () => {
    const source = readFileSync(new URL('../../electron/main/index.ts', import.meta.url), 'utf8');
    // app.isPackaged may appear once: as an input to isDevelopmentRun.
    expect(source.match(/app\.isPackaged/g) ?? []).toHaveLength(1);
    expect(source).toMatch(/isDevelopmentRun\(\{ isPackaged: app\.isPackaged,/);
  });
});

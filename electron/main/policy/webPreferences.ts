/**
 * The renderer's web preferences, per the Electron security checklist. One
 * constant, so a test can pin every value and a reviewer reads it in one place.
 */
import type { WebPreferences } from 'electron';

export const HARDENED_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  webviewTag: false,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  enableWebSQL: false,
  navigateOnDragDrop: false,
  safeDialogs: true,
  // Clinical text must never be sent to an OS or cloud spelling service.
  spellcheck: false,
} as const satisfies WebPreferences;

export interface WindowPolicy {
  /** Keep window content out of screenshots and screen shares (Windows, macOS). Admin policy may relax it. */
  contentProtection: boolean;
  /** DevTools only in unpackaged development builds. */
  devTools: boolean;
}

/** `contentProtection` comes from the admin policy (on by default). */
export function windowPolicy(isPackaged: boolean, contentProtection = true): WindowPolicy {
  return { contentProtection, devTools: !isPackaged };
}

export function webPreferencesFor(preload: string, policy: WindowPolicy): WebPreferences {
  return { ...HARDENED_WEB_PREFERENCES, preload, devTools: policy.devTools };
}

/** The one Wardline window: hardened preferences, content protection, our page only. */
import { BrowserWindow } from 'electron';
import { APP_ENTRY_URL } from './policy/origin.js';
import { webPreferencesFor, type WindowPolicy } from './policy/webPreferences.js';
import { createContentProtection } from './os/contentProtection.js';

export function createMainWindow(preloadPath: string, policy: WindowPolicy): BrowserWindow {
  const window = new BrowserWindow({
    title: 'Wardline',
    width: 1280,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    show: false,
    backgroundColor: '#f4f7f7',
    autoHideMenuBar: true,
    webPreferences: webPreferencesFor(preloadPath, policy),
  });
  // Before the first paint: nurses' station screens get shared and screenshotted.
  createContentProtection(window).set(policy.contentProtection);
  window.once('ready-to-show', () => window.show());
  void window.loadURL(APP_ENTRY_URL);
  return window;
}

/** Brings the window forward, e.g. when a second launch hands over to this instance. */
export function focusWindow(window: BrowserWindow): void {
  if (window.isDestroyed()) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

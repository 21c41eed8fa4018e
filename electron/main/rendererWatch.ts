/**
 * The window's page dying or hanging while a session is open (see policy/rendererRecovery.ts):
 * lock in main, then give the person a fresh page, which shows the lock screen.
 */
import type { BrowserWindow } from 'electron';
import { rendererRecovery } from './policy/rendererRecovery.js';

export interface RendererWatchDeps {
  lock(): Promise<unknown>;
  /** Subscribes to "the session is now locked (or shows no profile)"; returns the unsubscribe. */
  onLocked(callback: () => void): () => void;
  /** True while no session is open (locked, or no profile). */
  isLocked(): boolean;
  log(line: string): void;
}

export function watchRenderer(window: BrowserWindow, deps: RendererWatchDeps): void {
  const contents = window.webContents;
  const recovery = rendererRecovery();
  let unresponsive = false;

  contents.on('render-process-gone', (_event, details) => {
    unresponsive = false;
    // Reason and exit code only: Chromium's crash details never carry page content.
    deps.log(`window page-gone reason=${details.reason} exit=${details.exitCode}`);
    void deps
      .lock()
      .catch(() => undefined)
      .finally(() => {
        if (window.isDestroyed()) return;
        if (recovery.afterGone(Date.now()) === 'reload') contents.reload();
        else deps.log('window page-gone again: not reloaded (restart Wardline)');
      });
  });

  // A hung page cannot take the conversation off the screen at a lock: its process is ended, and
  // the page comes back as after a crash. The page may stop answering only just before the lock (Chromium
  // says so seconds later): one that hangs while already locked may still show what was open.
  const endHungPage = (): void => {
    if (!unresponsive || window.isDestroyed()) return;
    deps.log('window unresponsive at lock: page ended');
    contents.forcefullyCrashRenderer();
  };

  window.on('unresponsive', () => {
    unresponsive = true;
    deps.log('window unresponsive');
    if (deps.isLocked()) endHungPage();
  });
  window.on('responsive', () => {
    unresponsive = false;
    deps.log('window responsive');
  });

  const off = deps.onLocked(endHungPage);
  window.on('closed', off);
}

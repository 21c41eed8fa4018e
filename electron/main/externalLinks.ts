/**
 * The confirm-then-open flow for links. The person sees the full address and
 * must choose to leave Wardline; only https (policy in core) ever reaches the OS.
 */
import { dialog, shell, type BrowserWindow } from 'electron';
import { isAllowedExternalUrl, type ConfirmAndOpen } from '../core/links/externalLink.js';

const OPEN = 1;

export function createConfirmAndOpen(getWindow: () => BrowserWindow | null): ConfirmAndOpen {
  return async (url) => {
    // Re-checked here: this adapter is also reached from setWindowOpenHandler, not only via the core.
    if (!isAllowedExternalUrl(url)) return false;
    const target = new URL(url).href;
    const options = {
      type: 'question' as const,
      buttons: ['Cancel', 'Open in browser'],
      defaultId: 0,
      cancelId: 0,
      noLink: true,
      title: 'Open link',
      message: 'Open this link in your web browser?',
      detail: `${target}\n\nOnly continue if you trust where it leads. Do not put patient details into external sites.`,
    };
    const window = getWindow();
    const { response } =
      window && !window.isDestroyed() ? await dialog.showMessageBox(window, options) : await dialog.showMessageBox(options);
    if (response !== OPEN) return false;
    await shell.openExternal(target);
    return true;
  };
}

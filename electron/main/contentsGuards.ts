/**
 * Guards for every webContents the app ever creates (installed from
 * 'web-contents-created', so nothing can slip past by being created elsewhere):
 * no navigation off our origin, no new windows, no <webview>.
 */
import type { WebContents } from 'electron';
import type { ConfirmAndOpen } from '../core/links/externalLink.js';
import { decideNavigation, decideWindowOpen } from './policy/navigation.js';

export function guardWebContents(contents: WebContents, confirmAndOpen: ConfirmAndOpen): void {
  const denyForeign = (event: { url: string; preventDefault(): void }): void => {
    if (decideNavigation(event.url) === 'deny') event.preventDefault();
  };
  contents.on('will-navigate', denyForeign);
  contents.on('will-frame-navigate', denyForeign);
  contents.on('will-redirect', denyForeign);

  contents.setWindowOpenHandler(({ url }) => {
    if (decideWindowOpen(url) === 'offer-external') void confirmAndOpen(url).catch(() => false);
    return { action: 'deny' };
  });

  contents.on('will-attach-webview', (event) => event.preventDefault());
}

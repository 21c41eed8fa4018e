/** Screenshot / screen-share protection for a window; the on/off decision is policy, made elsewhere. */
import type { BrowserWindow } from 'electron';
import type { ContentProtection } from './adapters.js';

export function createContentProtection(window: BrowserWindow): ContentProtection {
  return {
    set(enabled: boolean): void {
      if (!window.isDestroyed()) window.setContentProtection(enabled);
    },
  };
}

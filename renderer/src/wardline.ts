import type { WardlineApi } from '../../electron/common/contract.js';

declare global {
  interface Window {
    /** Provided by the Electron preload, or by the Chromium shell's bridge. Nothing else reaches main. */
    readonly wardline: WardlineApi;
  }
}

export function wardline(): WardlineApi {
  if (!window.wardline) throw new Error('Wardline bridge missing: the page was opened outside Wardline.');
  return window.wardline;
}

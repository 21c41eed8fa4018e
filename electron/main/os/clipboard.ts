/** The OS clipboard for "Copy note for the record"; the core clears it again on lock. */
import { clipboard } from 'electron';
import type { ClipboardPort } from '../../core/governance/clipboard.js';

export const osClipboard: ClipboardPort = {
  writeText: async (text) => clipboard.writeText(text),
  readText: async () => clipboard.readText(),
  clear: async () => clipboard.clear(),
};

/**
 * Linux's PRIMARY selection: whatever was last highlighted (a message, an NHS number) pastes with a
 * middle click, no Ctrl+C needed, and outlives the session like the clipboard. Emptied at every lock;
 * another app's highlight going with it is the lesser harm on a shared ward PC.
 */
export function forgetSelection(): void {
  // Undefined off Linux, whatever the typings say.
  (clipboard.selection as typeof clipboard.selection | undefined)?.clear();
}

/** The OS clipboard for "Copy note for the record"; the core clears it again on lock. */
import { clipboard } from 'electron';
import type { ClipboardPort } from '../../core/governance/clipboard.js';

export const osClipboard: ClipboardPort = {
  writeText: async (text) => clipboard.writeText(text),
  readText: async () => clipboard.readText(),
  clear: async () => clipboard.clear(),
};

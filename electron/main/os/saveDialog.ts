/** Exports (FHIR transcription, audit log, incident timeline) are saved where the person chooses. */
import { dialog, type BrowserWindow } from 'electron';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ExportFile } from '../../core/governance/exportFile.js';

export function createSaveDialogExport(getWindow: () => BrowserWindow | null): ExportFile {
  return async ({ suggestedName, content, mediaType, stillAllowed }) => {
    const extension = mediaType === 'text/csv' ? 'csv' : 'json';
    const options = {
      title: 'Save export',
      // Shown on macOS; the renderer says the same after every save (renderer/src/lib/exportNotice.ts).
      message: 'This file will not be encrypted: anyone using this computer’s login can open it.',
      defaultPath: path.basename(suggestedName),
      filters: [{ name: extension.toUpperCase(), extensions: [extension] }],
    };
    const window = getWindow();
    const choice = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
    if (choice.canceled || choice.filePath === undefined || !stillAllowed()) return { saved: false, location: null };
    // Owner-only: exports can hold clinical text (transcriptions) or staff activity (audit). The
    // mode applies only to a new file, so a file being overwritten is tightened first, before the
    // text is in it (POSIX; on Windows the file keeps its folder's ACL).
    if (process.platform !== 'win32') await chmod(choice.filePath, 0o600).catch(() => undefined);
    await writeFile(choice.filePath, content, { encoding: 'utf8', mode: 0o600 });
    return { saved: true, location: choice.filePath };
  };
}

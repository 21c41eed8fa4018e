/**
 * Saving an export (FHIR transcription, audit log, incident timeline) is the shell's job: the
 * Electron app asks where with a save dialog; the Chromium dev shell writes into its exports
 * folder. The core only hands over a suggested name and the content.
 */
import type { ExportResult } from '../../common/contract.js';

export interface ExportRequest {
  /** A plain file name, no folders. */
  suggestedName: string;
  content: string;
  mediaType: 'application/json' | 'application/fhir+json' | 'text/csv';
  /**
   * Checked after the person chose where to save and before anything is written: false once the
   * profile has locked (an idle lock while a save dialog waited must not let a passer-by save).
   */
  stillAllowed(): boolean;
}

export type ExportFile = (request: ExportRequest) => Promise<ExportResult>;

/** Without a shell that can save, exports say so instead of pretending. */
export const noExportFile: ExportFile = async () => ({ saved: false, location: null });

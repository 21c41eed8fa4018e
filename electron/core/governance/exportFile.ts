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
}

export type ExportFile = (request: ExportRequest) => Promise<ExportResult>;

/** Without a shell that can save, exports say so instead of pretending. */
export const noExportFile: ExportFile = async () => ({ saved: false, location: null });

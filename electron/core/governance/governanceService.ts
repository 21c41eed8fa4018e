/**
 * Transcribe-then-delete for the unlocked person (NHS IM guidance: advice is transcribed into
 * the record with attribution, then the original is deleted). Transcription builds the note
 * (plain text + FHIR R4), marks the messages and records it in the audit trail; "Delete
 * originals" removes the transcribed text with no remnant, leaves a tombstone, and retracts the
 * other participants' copies.
 */
import { randomBytes } from 'node:crypto';
import type { ExportResult, NeedsTranscriptionView, TranscriptionNote as TranscriptionNoteView } from '../../common/contract.js';
import type { ChatService } from '../chat/chatTypes.js';
import { WardlineFailure } from '../ipc/failure.js';
import type { WardlineStore } from '../store/index.js';
import type { AuditTrail } from './auditTrail.js';
import type { NoteClipboard } from './clipboard.js';
import type { ExportFile } from './exportFile.js';
import { expiresAt } from './retention.js';
import { buildTranscriptionNote, TranscriptionError } from './transcriptionNote.js';

export interface GovernanceDeps {
  store: WardlineStore;
  audit: AuditTrail;
  person: { name: string; role: string };
  /** The messaging account, if set up: the note names it, retractions go through it. */
  account(): { jid: string } | null;
  chat(): ChatService | null;
  exportFile: ExportFile;
  retentionDays: number;
  now(): number;
  /** False once this profile has locked: exports in flight must not write. */
  isOpen(): boolean;
  /** Null where the shell has no clipboard (the person copies the note by hand). */
  clipboard: NoteClipboard | null;
}

export interface TranscribeRequest {
  conversationId: number;
  messageIds: readonly number[];
  nhsNumber?: string | undefined;
  recordReference?: string | undefined;
}

/** Notes are kept for "Save FHIR file" only while the profile stays unlocked, and only a few. */
const KEPT_NOTES = 10;

export class Governance {
  readonly #notes = new Map<string, { text: string; fhirJson: string }>();

  constructor(private readonly deps: GovernanceDeps) {}

  async transcribe(request: TranscribeRequest): Promise<TranscriptionNoteView> {
    const { store, person } = this.deps;
    const conversation = await store.findConversationById(request.conversationId);
    if (conversation === null) throw new WardlineFailure('not-found', 'That conversation is no longer here.');
    const messages = await store.messagesByIds(request.conversationId, request.messageIds);
    if (messages.length !== new Set(request.messageIds).size) {
      throw new WardlineFailure('rejected', 'Some of the selected messages are no longer here. Select them again.');
    }
    const at = this.deps.now();
    const by = `${person.name} (${person.role})`;
    let note;
    try {
      note = buildTranscriptionNote({
        messages,
        conversation: { id: conversation.id, jid: conversation.jid, kind: conversation.kind, title: conversation.title },
        transcriber: { jid: this.deps.account()?.jid ?? 'unknown@wardline.invalid', name: person.name, role: person.role },
        at,
        nhsNumber: request.nhsNumber ?? null,
        recordReference: request.recordReference ?? null,
      });
    } catch (error) {
      if (error instanceof TranscriptionError) throw new WardlineFailure('rejected', error.message);
      throw error;
    }
    const recordReference = request.recordReference?.trim() || null;
    const transcribed = await store.markTranscribed(request.conversationId, request.messageIds, { by, at, recordReference });
    await this.deps.audit.record(
      'transcription',
      {
        conversationId: request.conversationId,
        messages: transcribed,
        messageIds: request.messageIds.join(','),
        // Whether one was given, never the number itself: the audit trail holds no patient data.
        nhsNumberGiven: Boolean(request.nhsNumber?.trim()),
        recordReferenceGiven: recordReference !== null,
      },
      at,
    );
    const noteId = randomBytes(16).toString('hex');
    this.#notes.set(noteId, { text: note.text, fhirJson: note.fhirJson });
    for (const old of [...this.#notes.keys()].slice(0, Math.max(0, this.#notes.size - KEPT_NOTES))) this.#notes.delete(old);
    return { noteId, text: note.text, fhirJson: note.fhirJson, transcribed };
  }

  /** Puts the note on the clipboard for the EPR; taken back on lock or after a few minutes. */
  async copyNote(noteId: string): Promise<void> {
    const note = this.#note(noteId);
    if (this.deps.clipboard === null) {
      throw new WardlineFailure('rejected', 'Copying is not available here: select the note above and copy it by hand.');
    }
    await this.deps.clipboard.copy(note.text);
    await this.deps.audit.record('export', { what: 'note-to-clipboard', noteId: noteId.slice(0, 8) });
  }

  /** On lock: the note leaves the clipboard with the session. */
  async forgetClipboard(): Promise<void> {
    this.#notes.clear();
    await this.deps.clipboard?.takeBack();
  }

  #note(noteId: string): { text: string; fhirJson: string } {
    const note = this.#notes.get(noteId);
    if (note === undefined) throw new WardlineFailure('not-found', 'That transcription is no longer available. Transcribe the messages again.');
    return note;
  }

  async saveFhir(noteId: string): Promise<ExportResult> {
    const json = this.#note(noteId).fhirJson;
    const result = await this.deps.exportFile({ suggestedName: `wardline-transcription-${noteId.slice(0, 8)}.json`, content: json, mediaType: 'application/fhir+json', stillAllowed: this.deps.isOpen });
    if (result.saved) await this.deps.audit.record('export', { what: 'fhir-transcription', noteId: noteId.slice(0, 8) });
    return result;
  }

  async deleteOriginals(conversationId: number, messageIds: readonly number[]): Promise<{ removed: number; retractionsQueued: number }> {
    const chat = this.deps.chat();
    const { removed, retractionsQueued } = await this.deps.store.removeTranscribed(conversationId, messageIds, {
      jid: this.deps.account()?.jid ?? 'local',
      name: this.deps.person.name,
      at: this.deps.now(),
      actor: this.deps.audit.actor,
      // Without a messaging account there is nobody to tell; the local copy still goes.
      retract: chat !== null,
    });
    if (removed.length === 0) {
      throw new WardlineFailure('rejected', 'Only messages that have been transcribed into the record can be deleted here. Transcribe them first.');
    }
    chat?.flushRetractions();
    // The FHIR copy of a deleted note is not kept around either.
    this.#notes.clear();
    return { removed: removed.length, retractionsQueued };
  }

  async needsTranscription(): Promise<NeedsTranscriptionView[]> {
    const rows = await this.deps.store.needsTranscription(200);
    return rows.map((row) => ({ ...row, expiresAt: expiresAt(row.sentAt, this.deps.retentionDays) }));
  }

  async exportAudit(): Promise<ExportResult> {
    const { entries, chainIntact } = await this.deps.audit.view(5_000);
    const content = JSON.stringify({ exportedAt: new Date(this.deps.now()).toISOString(), chainIntact, entries: [...entries].reverse() }, null, 2);
    const result = await this.deps.exportFile({ suggestedName: 'wardline-audit-log.json', content, mediaType: 'application/json', stillAllowed: this.deps.isOpen });
    if (result.saved) await this.deps.audit.record('export', { what: 'audit-log', entries: entries.length });
    return result;
  }
}

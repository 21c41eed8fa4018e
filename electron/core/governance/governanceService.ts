/**
 * Transcribe-then-delete for the unlocked person (NHS IM guidance: advice is transcribed into
 * the record with attribution, then the original is deleted). Transcription builds the note
 * (plain text + FHIR R4). The messages are marked transcribed, and the transcription audited, only
 * when the note leaves Wardline toward the record: the first time it is copied or saved as FHIR.
 * A note dropped before that (lock, the person moving on) leaves them untranscribed. "Delete
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
  /** The person's messaging address (kept after a revocation): notes and removal records name it. */
  account(): { jid: string } | null;
  chat(): ChatService | null;
  exportFile: ExportFile;
  retentionDays: number;
  now(): number;
  /** False once this profile has locked: exports in flight must not write. */
  isOpen(): boolean;
  /** Null where the shell has no clipboard (the person copies the note by hand). */
  clipboard: NoteClipboard | null;
  /** Conversations changed under the UI (originals removed): the list re-reads its previews. */
  changed(): void;
}

export interface TranscribeRequest {
  conversationId: number;
  messageIds: readonly number[];
  nhsNumber?: string | undefined;
  recordReference?: string | undefined;
}

/** Notes are kept for "Save FHIR file" only while the profile stays unlocked, and only a few. */
const KEPT_NOTES = 10;

/** A note held in main until it is copied or saved, with what marking its messages needs. */
interface HeldNote {
  text: string;
  fhirJson: string;
  conversationId: number;
  messageIds: readonly number[];
  /** The attribution the note carries: the messages are marked with the same. */
  by: string;
  at: number;
  recordReference: string | null;
  nhsNumberGiven: boolean;
  /** Set once the note first left Wardline (copied or saved): its messages are marked then, once. */
  marked: boolean;
}

export class Governance {
  readonly #notes = new Map<string, HeldNote>();

  constructor(private readonly deps: GovernanceDeps) {}

  async transcribe(request: TranscribeRequest): Promise<TranscriptionNoteView> {
    const { store, person } = this.deps;
    const conversation = await store.findConversationById(request.conversationId);
    if (conversation === null) throw new WardlineFailure('not-found', 'That conversation is no longer here.');
    const messages = await store.messagesByIds(request.conversationId, request.messageIds);
    if (messages.length !== new Set(request.messageIds).size) {
      throw new WardlineFailure('rejected', 'Some of the selected messages are no longer here. Select them again.');
    }
    // The record would say this advice was given (FHIR status "completed", a recipient): not true of
    // a message of ours that bounced or has not reached the server yet.
    if (messages.some((m) => m.direction === 'out' && (m.deliveryState === 'failed' || m.deliveryState === 'pending'))) {
      throw new WardlineFailure('rejected', 'A selected message of yours has not been delivered, so it cannot go into the record as advice given. Deselect it, or send it again first.');
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
    const noteId = randomBytes(16).toString('hex');
    this.#notes.set(noteId, {
      text: note.text,
      fhirJson: note.fhirJson,
      conversationId: request.conversationId,
      messageIds: [...request.messageIds],
      by,
      at,
      recordReference: request.recordReference?.trim() || null,
      nhsNumberGiven: Boolean(request.nhsNumber?.trim()),
      marked: false,
    });
    for (const old of [...this.#notes.keys()].slice(0, Math.max(0, this.#notes.size - KEPT_NOTES))) this.#notes.delete(old);
    // Nothing is marked yet: the note has not left Wardline. Copying or saving it marks the messages.
    return { noteId, text: note.text };
  }

  /** Puts the note on the clipboard for the EPR (taken back on lock or after a few minutes), and marks its messages. */
  async copyNote(noteId: string): Promise<void> {
    const note = this.#note(noteId);
    if (this.deps.clipboard === null) {
      throw new WardlineFailure('rejected', 'Copying is not available here: select the note above and copy it by hand.');
    }
    await this.deps.clipboard.copy(note.text);
    await this.#markOnce(noteId, note, 'copied');
    await this.deps.audit.record('export', { what: 'note-to-clipboard', noteId: noteId.slice(0, 8) });
  }

  /**
   * The first time a note leaves Wardline toward the record, its messages count as transcribed:
   * marked with the note's attribution, and audited with how it left. Later copies or saves of the
   * same note mark nothing again.
   */
  async #markOnce(noteId: string, note: HeldNote, via: 'copied' | 'saved-fhir'): Promise<void> {
    if (note.marked) return;
    // Claimed before the first await, so a copy and a save racing each other mark once.
    note.marked = true;
    try {
      const { by, at, recordReference } = note;
      const transcribed = await this.deps.store.markTranscribed(note.conversationId, note.messageIds, { by, at, recordReference });
      await this.deps.audit.record('transcription', {
        conversationId: note.conversationId,
        messages: transcribed,
        messageIds: note.messageIds.join(','),
        via,
        noteId: noteId.slice(0, 8),
        noteCreatedAt: at,
        // Whether one was given, never the number itself: the audit trail holds no patient data.
        nhsNumberGiven: note.nhsNumberGiven,
        recordReferenceGiven: recordReference !== null,
      });
    } catch (error) {
      note.marked = false;
      throw error;
    }
  }

  /** Text the person copied by hand in Wardline's window: taken back on lock too (nothing where there is no clipboard). */
  async copiedByHand(): Promise<void> {
    await this.deps.clipboard?.adopt();
  }

  /** On lock: the note leaves the clipboard with the session. */
  async forgetClipboard(): Promise<void> {
    this.#notes.clear();
    await this.deps.clipboard?.takeBack();
  }

  #note(noteId: string): HeldNote {
    const note = this.#notes.get(noteId);
    if (note === undefined) throw new WardlineFailure('not-found', 'That transcription is no longer available. Transcribe the messages again.');
    return note;
  }

  async saveFhir(noteId: string): Promise<ExportResult> {
    const note = this.#note(noteId);
    const result = await this.deps.exportFile({ suggestedName: `wardline-transcription-${noteId.slice(0, 8)}.json`, content: note.fhirJson, mediaType: 'application/fhir+json', stillAllowed: this.deps.isOpen });
    if (!result.saved) return result;
    await this.#markOnce(noteId, note, 'saved-fhir');
    await this.deps.audit.record('export', { what: 'fhir-transcription', noteId: noteId.slice(0, 8) });
    return result;
  }

  async deleteOriginals(conversationId: number, messageIds: readonly number[]): Promise<{ removed: number; retractionsQueued: number }> {
    const chat = this.deps.chat();
    // Read before the removal: once it is committed, a lock (the store closing) must not turn it into an error.
    const conversation = await this.deps.store.findConversationById(conversationId);
    const left = conversation?.kind === 'room' && (await this.deps.store.teamRooms()).some((room) => room.conversationId === conversationId && room.left);
    const { removed, retractionsQueued } = await this.deps.store.removeTranscribed(conversationId, messageIds, {
      jid: this.deps.account()?.jid ?? 'local',
      name: this.deps.person.name,
      at: this.deps.now(),
      actor: this.deps.audit.actor,
      // Queued even while messaging is not running (signed out after a revocation, not yet started):
      // the queue is sent at the next sign-in, as it is after an outage.
      retract: true,
    });
    if (removed.length === 0) {
      throw new WardlineFailure('rejected', 'Only messages that have been transcribed into the record can be deleted here. Transcribe them first.');
    }
    chat?.flushRetractions();
    // The list's preview may still show the removed text until it re-reads.
    this.deps.changed();
    // The FHIR copy of a deleted note is not kept around either.
    this.#notes.clear();
    // A room the person is out of takes no removal from them (it waits for a join that may never
    // come): the others must be told another way, so none counts as on its way.
    // Left (known from the store even while messaging is not running), or shut out this session.
    const unreachable = conversation?.kind === 'room' && (left || chat?.roomShut(conversation.jid) === true);
    return { removed: removed.length, retractionsQueued: unreachable ? 0 : retractionsQueued };
  }

  /** All of them, for the count on the button (the list is a page of the oldest). */
  needsTranscriptionCount(): Promise<number> {
    return this.deps.store.countNeedsTranscription();
  }

  async needsTranscription(): Promise<NeedsTranscriptionView[]> {
    const rows = await this.deps.store.needsTranscription(200);
    return rows.map((row) => ({ ...row, expiresAt: expiresAt(row.sentAt, this.deps.retentionDays) }));
  }

  async exportAudit(): Promise<ExportResult> {
    const { entries, chainIntact } = await this.deps.audit.view(5_000);
    const oldestFirst = [...entries].reverse();
    // The newest 5,000 only: say so when older entries were left out (the oldest kept links to one not here).
    const truncated = oldestFirst.length > 0 && oldestFirst[0]!.prevHash !== '0'.repeat(64);
    const content = JSON.stringify({ exportedAt: new Date(this.deps.now()).toISOString(), chainIntact, truncated, entries: oldestFirst }, null, 2);
    const result = await this.deps.exportFile({ suggestedName: 'wardline-audit-log.json', content, mediaType: 'application/json', stillAllowed: this.deps.isOpen });
    if (result.saved) await this.deps.audit.record('export', { what: 'audit-log', entries: entries.length });
    return result;
  }
}

/**
 * "Transcribe to record": turn the messages a person selected into a note for the patient's
 * record, with full attribution (NHS IM guidance: keep separate clinical records). Pure: the
 * caller reads the messages from the store, audits the transcription and marks the messages.
 *
 * Two outputs of the same content:
 * - plain text to paste into an EPR, times in Europe/London with the zone spelled out;
 * - FHIR R4 JSON: a Bundle (type "collection") with one Communication per message, because
 *   Communication.sender and .sent are 0..1 and a selection can span several authors and
 *   times. docs/TRANSCRIPTION.md explains the choice.
 *
 * Only the selected messages are used: nothing else from the conversation reaches the note.
 * Every string from the network or the keyboard is neutralised (controls, bidi overrides),
 * and single-line fields have line breaks folded, so a name or body cannot fake a header
 * or attribution line in the pasted text. Error messages never carry bodies or NHS numbers,
 * because errors end up in logs.
 */
import { countCharacters, neutraliseText } from '../messaging/bodySafety.js';
import { parseJid } from '../messaging/jid.js';
import { isValidNhsNumber } from '../messaging/nhsNumber.js';
import type { ConversationKind, Retraction } from '../store/storeTypes.js';
import type { FhirBundle, FhirCoding, FhirCommunication, FhirIdentifier, FhirReference } from './fhirTypes.js';
import { formatLondonTime, isoInstant } from './londonTime.js';

/** A selected message. Structurally a subset of StoredMessage, so store rows can be passed as they are. */
export interface TranscriptionMessage {
  id: number;
  conversationId: number;
  senderJid: string;
  senderName: string | null;
  senderRole: string | null;
  /** Null once deleted or retracted: such a message cannot be transcribed. */
  body: string | null;
  /** Epoch milliseconds. */
  sentAt: number;
  retraction?: Retraction | null;
}

/** The conversation the messages come from. A subset of ConversationSummary. */
export interface TranscriptionConversation {
  id: number;
  jid: string;
  kind: ConversationKind;
  title: string;
}

/** The person transcribing: the signed-in profile's account. */
export interface Transcriber {
  jid: string;
  name: string;
  role: string | null;
}

export interface TranscriptionInput {
  messages: readonly TranscriptionMessage[];
  conversation: TranscriptionConversation;
  transcriber: Transcriber;
  /** When the transcription was made, epoch milliseconds. */
  at: number;
  /** The patient's NHS number, 10 digits or 3-3-4; must pass Modulus 11. Blank means not given. */
  nhsNumber?: string | null;
  /** Free text typed by the person (e.g. the EPR entry's reference); at most 64 characters. Blank means not given. */
  recordReference?: string | null;
}

export interface TranscriptionNote {
  /** Ready to paste into an EPR; lines separated by \n. */
  text: string;
  fhir: TranscriptionBundle;
  /** `fhir`, serialised with two-space indentation. */
  fhirJson: string;
}

export type TranscriptionBundle = FhirBundle<FhirCommunication>;

export type TranscriptionErrorCode =
  | 'no-messages'
  | 'message-without-body'
  | 'duplicate-message'
  | 'mixed-conversations'
  | 'invalid-nhs-number'
  | 'record-reference-too-long'
  | 'invalid-address'
  | 'invalid-time';

/** A refusal the UI can show as it is: the message says what to change. */
export class TranscriptionError extends Error {
  override readonly name = 'TranscriptionError';
  constructor(
    readonly code: TranscriptionErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const RECORD_REFERENCE_LIMIT = 64;
export const TEXT_HEADER = 'Transcribed from Wardline secure messaging';
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
/** RFC 3986 says the identifier value is a URI; here an RFC 5122 xmpp: URI. */
export const URI_SYSTEM = 'urn:ietf:rfc:3986';
/** Wardline's own code system for provenance tags (URN, like the urn:wardline:* XMPP namespaces). */
export const WARDLINE_SOURCE_SYSTEM = 'urn:wardline:fhir:source';
export const SECURE_MESSAGING_TAG: Readonly<FhirCoding> = {
  system: WARDLINE_SOURCE_SYSTEM,
  code: 'secure-messaging-transcription',
  display: TEXT_HEADER,
};
/** HL7 v3 ParticipationMode "online written": text typed and read on screen, i.e. instant messaging. */
const ONLINE_WRITTEN: Readonly<FhirCoding> = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationMode',
  code: 'ONLINEWRIT',
  display: 'online written',
};
const BODY_INDENT = '    ';

interface Party {
  name: string;
  role: string;
  jid: string;
  uri: string;
}

interface PreparedMessage {
  author: Party;
  body: string;
  sentAt: number;
}

/** Neutralised and folded to one line: names, roles, titles and references never span lines. */
function oneLine(raw: string): string {
  return neutraliseText(raw).replace(/\s+/g, ' ').trim();
}

function xmppUri(jid: string, what: string): string {
  const parsed = parseJid(jid);
  if (parsed === null) throw new TranscriptionError('invalid-address', `The ${what} has no valid XMPP address, so it cannot be attributed.`);
  // RFC 5122: each part percent-encoded, so a nickname with spaces or '#' stays one valid URI.
  const local = parsed.local === null ? '' : `${encodeURIComponent(parsed.local)}@`;
  const resource = parsed.resource === null ? '' : `/${encodeURIComponent(parsed.resource)}`;
  return `xmpp:${local}${encodeURIComponent(parsed.domain)}${resource}`;
}

/**
 * A signed name or role, without the characters the attribution itself is built from: otherwise a
 * name such as "Dr A (Consultant, a@trust)" reads as a second, earlier attribution on the line.
 */
function signedLabel(raw: string | null): string {
  return oneLine((raw ?? '').replace(/[(),<>@]/g, ' '));
}

function party(jid: string, name: string | null, role: string | null, what: string): Party {
  const cleanJid = oneLine(jid);
  return {
    name: signedLabel(name) || 'Name not recorded',
    role: signedLabel(role) || 'role not recorded',
    jid: cleanJid,
    uri: xmppUri(cleanJid, what),
  };
}

function checkTime(epochMs: number, what: string): void {
  if (!Number.isFinite(epochMs)) throw new TranscriptionError('invalid-time', `The ${what} has no valid time.`);
}

function prepareMessages(messages: readonly TranscriptionMessage[], conversationId: number): PreparedMessage[] {
  if (messages.length === 0) {
    throw new TranscriptionError('no-messages', 'Select at least one message to transcribe.');
  }
  const seen = new Set<number>();
  const prepared: { id: number; message: PreparedMessage }[] = [];
  for (const message of messages) {
    if (message.conversationId !== conversationId) {
      throw new TranscriptionError('mixed-conversations', 'The selected messages come from more than one conversation. Transcribe one conversation at a time.');
    }
    if (seen.has(message.id)) throw new TranscriptionError('duplicate-message', 'A message was selected twice.');
    seen.add(message.id);
    const body = message.body === null ? '' : neutraliseText(message.body).trim();
    if (message.retraction != null || body.length === 0) {
      throw new TranscriptionError('message-without-body', 'A selected message has been deleted or retracted and can no longer be transcribed. Deselect it and try again.');
    }
    checkTime(message.sentAt, 'selected message');
    const author = party(message.senderJid, message.senderName, message.senderRole, 'author of a selected message');
    prepared.push({ id: message.id, message: { author, body, sentAt: message.sentAt } });
  }
  // The record reads in the order things were said, whatever order they were clicked in.
  prepared.sort((a, b) => a.message.sentAt - b.message.sentAt || a.id - b.id);
  return prepared.map((entry) => entry.message);
}

/** Ten digits without separators, or null when not given. */
function prepareNhsNumber(raw: string | null | undefined): string | null {
  const trimmed = (raw ?? '').trim();
  if (trimmed.length === 0) return null;
  if (!isValidNhsNumber(trimmed)) {
    throw new TranscriptionError('invalid-nhs-number', 'The NHS number is not valid (10 digits with a correct check digit). Check it against the patient\'s record.');
  }
  return trimmed.replace(/\D/g, '');
}

function prepareRecordReference(raw: string | null | undefined): string | null {
  const reference = oneLine(raw ?? '');
  if (reference.length === 0) return null;
  // Refused, not cut: a shortened reference could point at another record.
  if (countCharacters(reference) > RECORD_REFERENCE_LIMIT) {
    throw new TranscriptionError('record-reference-too-long', `The record reference is longer than ${RECORD_REFERENCE_LIMIT} characters.`);
  }
  return reference;
}

function formatNhsNumber(digits: string): string {
  return `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`;
}

function attribution(person: Party): string {
  return `${person.name} (${person.role}, ${person.jid})`;
}

function indent(body: string): string {
  return body
    .split('\n')
    .map((line) => (line.length === 0 ? '' : BODY_INDENT + line))
    .join('\n');
}

interface Prepared {
  messages: PreparedMessage[];
  conversation: { title: string; kind: ConversationKind; jid: string; uri: string };
  transcriber: Party;
  at: number;
  nhsNumber: string | null;
  recordReference: string | null;
}

function conversationLine(conversation: Prepared['conversation']): string {
  return `${conversation.title} (${conversation.kind}, ${conversation.jid})`;
}

function transcribedLine(prepared: Prepared): string {
  return `Transcribed by ${attribution(prepared.transcriber)} on ${formatLondonTime(prepared.at)}.`;
}

function buildText(prepared: Prepared): string {
  const authors = new Set(prepared.messages.map((message) => message.author.jid)).size;
  const lines = [
    TEXT_HEADER,
    `Conversation: ${conversationLine(prepared.conversation)}`,
    `Messages: ${prepared.messages.length} from ${authors} ${authors === 1 ? 'author' : 'authors'}`,
    '',
  ];
  for (const message of prepared.messages) {
    lines.push(`[${formatLondonTime(message.sentAt)}] ${attribution(message.author)}:`, indent(message.body), '');
  }
  lines.push(transcribedLine(prepared));
  if (prepared.nhsNumber !== null) lines.push(`NHS number: ${formatNhsNumber(prepared.nhsNumber)}`);
  if (prepared.recordReference !== null) lines.push(`Record reference: ${prepared.recordReference}`);
  return `${lines.join('\n')}\n`;
}

function partyReference(person: Party): FhirReference {
  return { display: `${person.name} (${person.role})`, identifier: { system: URI_SYSTEM, value: person.uri } };
}

/**
 * Who received the message: the room for a room; in a direct conversation the other party,
 * which is the transcriber's own account when the peer wrote it.
 */
function recipientOf(message: PreparedMessage, prepared: Prepared): FhirReference {
  const { conversation, transcriber } = prepared;
  const peerWrote = parseJid(message.author.jid)?.bare === parseJid(conversation.jid)?.bare;
  if (conversation.kind === 'direct' && peerWrote) return partyReference(transcriber);
  return { display: conversation.title, identifier: { system: URI_SYSTEM, value: conversation.uri } };
}

function buildFhir(prepared: Prepared): TranscriptionBundle {
  const at = isoInstant(prepared.at);
  const recordIdentifier: FhirIdentifier | null =
    prepared.recordReference === null
      ? null
      : { use: 'secondary', type: { text: 'Record reference' }, value: prepared.recordReference };
  const count = prepared.messages.length;
  const entries = prepared.messages.map((message, index): { resource: FhirCommunication } => {
    const communication: FhirCommunication = {
      resourceType: 'Communication',
      meta: { tag: [{ ...SECURE_MESSAGING_TAG }] },
      ...(recordIdentifier === null ? {} : { identifier: [{ ...recordIdentifier }] }),
      status: 'completed',
      medium: [{ coding: [{ ...ONLINE_WRITTEN }], text: 'Wardline secure messaging' }],
      ...(prepared.nhsNumber === null
        ? {}
        : { subject: { type: 'Patient', identifier: { system: NHS_NUMBER_SYSTEM, value: prepared.nhsNumber } } }),
      sent: isoInstant(message.sentAt),
      recipient: [recipientOf(message, prepared)],
      sender: partyReference(message.author),
      payload: [{ contentString: message.body }],
      note: [
        {
          authorString: attribution(prepared.transcriber),
          time: at,
          text:
            `${TEXT_HEADER}, message ${index + 1} of ${count}. ` +
            `Conversation: ${conversationLine(prepared.conversation)}. ${transcribedLine(prepared)}`,
        },
      ],
    };
    return { resource: communication };
  });
  return {
    resourceType: 'Bundle',
    meta: { tag: [{ ...SECURE_MESSAGING_TAG }] },
    ...(recordIdentifier === null ? {} : { identifier: { ...recordIdentifier } }),
    type: 'collection',
    timestamp: at,
    entry: entries,
  };
}

/** Build the note for the selected messages, or throw a TranscriptionError saying what to fix. */
export function buildTranscriptionNote(input: TranscriptionInput): TranscriptionNote {
  checkTime(input.at, 'transcription');
  const conversationJid = oneLine(input.conversation.jid);
  const prepared: Prepared = {
    messages: prepareMessages(input.messages, input.conversation.id),
    conversation: {
      title: oneLine(input.conversation.title) || 'Untitled conversation',
      kind: input.conversation.kind,
      jid: conversationJid,
      uri: xmppUri(conversationJid, 'conversation'),
    },
    transcriber: party(input.transcriber.jid, input.transcriber.name, input.transcriber.role, 'transcriber'),
    at: input.at,
    nhsNumber: prepareNhsNumber(input.nhsNumber),
    recordReference: prepareRecordReference(input.recordReference),
  };
  const fhir = buildFhir(prepared);
  return { text: buildText(prepared), fhir, fhirJson: JSON.stringify(fhir, null, 2) };
}

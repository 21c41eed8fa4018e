import type { ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildTranscriptionNote,
  TranscriptionError,
  type TranscriptionErrorCode,
  type TranscriptionInput,
  type TranscriptionMessage,
} from '../../electron/core/governance/transcriptionNote.js';
import { createFhirR4Validators, emptyValuePaths } from '../fixtures/fhirR4.js';

let validateHl7Schema: ValidateFunction;
let validateFhir: ValidateFunction;

// Compiling the whole FHIR R4 schema is ~10 s of CPU on its own: a loaded CI machine needs more than 60 s.
beforeAll(() => {
  ({ validateHl7Schema, validateFhir } = createFhirR4Validators());
}, 180_000);

function expectValidFhir(resource: unknown): void {
  const valid = validateFhir(resource);
  // The first few errors make a failure readable; oneOf over every resource type produces many.
  expect(valid, JSON.stringify(validateFhir.errors?.slice(0, 5), null, 2)).toBe(true);
  expect(emptyValuePaths(resource)).toEqual([]);
}

const VALID_NHS = '9434765919';
const INVALID_NHS = '9434765918';
/** 1 July 2025 08:05 UTC = 09:05 BST. */
const SUMMER = Date.UTC(2025, 6, 1, 8, 5, 30);
/** 15 January 2025 09:05 UTC = 09:05 GMT. */
const WINTER = Date.UTC(2025, 0, 15, 9, 5, 10);

const conversation = { id: 7, jid: 'ward7-handover@conference.trust.nhs.uk', kind: 'room', title: 'Ward 7 handover' } as const;
const transcriber = { jid: 'chris.lee@trust.nhs.uk', name: 'Chris Lee', role: 'Ward Clerk' };

function message(overrides: Partial<TranscriptionMessage> = {}): TranscriptionMessage {
  return {
    id: 1,
    conversationId: conversation.id,
    senderJid: 'asha.patel@trust.nhs.uk',
    senderName: 'Dr Asha Patel',
    senderRole: 'Consultant',
    body: 'Please start IV fluids.\nReview at 12:00.',
    sentAt: SUMMER,
    ...overrides,
  };
}

function input(overrides: Partial<TranscriptionInput> = {}): TranscriptionInput {
  return { messages: [message()], conversation, transcriber, at: SUMMER + 25 * 60_000, ...overrides };
}

function refusal(build: () => unknown): TranscriptionError {
  try {
    build();
  } catch (error) {
    if (error instanceof TranscriptionError) return error;
    throw error;
  }
  throw new Error('expected a TranscriptionError');
}

function expectRefused(build: () => unknown, code: TranscriptionErrorCode): TranscriptionError {
  const error = refusal(build);
  expect(error.code).toBe(code);
  expect(error.name).toBe('TranscriptionError');
  return error;
}

describe('the validator itself', () => {
  it('rejects resources that break FHIR R4, so a passing note means something', () => {
    const good = buildTranscriptionNote(input({ nhsNumber: VALID_NHS })).fhir;
    expectValidFhir(good);
    const communication = good.entry?.[0]?.resource;
    expectValidFhir(communication);

    const broken: unknown[] = [
      { ...communication, status: 'done' },
      { ...communication, resourceType: undefined },
      (({ resourceType: _dropped, ...rest }) => rest)(communication ?? { resourceType: 'Communication' }),
      { ...communication, subject: 'Patient 9434765919' },
      { ...communication, payload: [{ content: 'not an R4 element' }] },
      { ...communication, sent: '1 July 2025 09:05' },
      { ...communication, madeUp: true },
      { ...good, type: 'pile' },
      { ...good, type: undefined },
      { ...good, entry: [{ resource: { ...communication, status: 'finished' } }] },
    ];
    for (const [index, resource] of broken.entries()) expect(validateFhir(resource), `broken resource ${index}`).toBe(false);
  });

  it('needs the R4 rules on top of the HL7 schema for objects, status and cardinality', () => {
    const communication = buildTranscriptionNote(input()).fhir.entry?.[0]?.resource;
    // The HL7 schema alone catches unknown elements and bad primitives...
    expect(validateHl7Schema(communication)).toBe(true);
    expect(validateHl7Schema({ ...communication, madeUp: true })).toBe(false);
    expect(validateHl7Schema({ ...communication, sent: 'yesterday' })).toBe(false);
    // ...but not a string for a Reference, nor a status outside EventStatus, nor a missing status.
    expect(validateHl7Schema({ ...communication, subject: 'Patient' })).toBe(true);
    expect(validateFhir({ ...communication, subject: 'Patient' })).toBe(false);
    expect(validateHl7Schema({ ...communication, status: 'done' })).toBe(true);
    expect(validateFhir({ ...communication, status: 'done' })).toBe(false);
    expect(validateFhir({ ...communication, status: undefined })).toBe(false);
    expect(validateFhir({ ...communication, payload: [{}] })).toBe(false);
    expect(validateFhir({ ...communication, note: [{ authorString: 'Chris Lee' }] })).toBe(false);
  });
});

describe('buildTranscriptionNote: text for the EPR', () => {
  it('attributes each message and the transcription, with London times and the zone spelled out', () => {
    const note = buildTranscriptionNote(input({ nhsNumber: VALID_NHS, recordReference: 'EPR-2025-000123' }));
    expect(note.text).toBe(
      [
        'Transcribed from Wardline secure messaging',
        'Conversation: Ward 7 handover (room, ward7-handover@conference.trust.nhs.uk)',
        'Messages: 1 from 1 author',
        '',
        '[01 Jul 2025 09:05 BST] Dr Asha Patel (Consultant, asha.patel@trust.nhs.uk):',
        '    Please start IV fluids.',
        '    Review at 12:00.',
        '',
        'Transcribed by Chris Lee (Ward Clerk, chris.lee@trust.nhs.uk) on 01 Jul 2025 09:30 BST.',
        'NHS number: 943 476 5919',
        'Record reference: EPR-2025-000123',
        '',
      ].join('\n'),
    );
  });

  it('lists several authors in the order the messages were sent, whatever the selection order', () => {
    const note = buildTranscriptionNote(
      input({
        messages: [
          message({ id: 3, senderJid: 'sam.jones@trust.nhs.uk', senderName: 'Sam Jones', senderRole: 'Staff Nurse', body: 'Fluids up.', sentAt: SUMMER + 120_000 }),
          message({ id: 1 }),
          message({ id: 2, senderJid: 'bed.manager@trust.nhs.uk', senderName: 'Priya Shah', senderRole: null, body: 'Bed 4 is free.', sentAt: SUMMER + 60_000 }),
        ],
      }),
    );
    const headers = note.text.split('\n').filter((line) => line.startsWith('['));
    expect(headers).toEqual([
      '[01 Jul 2025 09:05 BST] Dr Asha Patel (Consultant, asha.patel@trust.nhs.uk):',
      '[01 Jul 2025 09:06 BST] Priya Shah (role not recorded, bed.manager@trust.nhs.uk):',
      '[01 Jul 2025 09:07 BST] Sam Jones (Staff Nurse, sam.jones@trust.nhs.uk):',
    ]);
    expect(note.text).toContain('Messages: 3 from 3 authors');
  });

  it('labels GMT and BST, including the hour that happens twice in October', () => {
    const at = (ms: number): string =>
      buildTranscriptionNote(input({ messages: [message({ sentAt: ms })] })).text.split('\n')[4] ?? '';
    expect(at(WINTER)).toMatch(/^\[15 Jan 2025 09:05 GMT\] /);
    expect(at(SUMMER)).toMatch(/^\[01 Jul 2025 09:05 BST\] /);
    expect(at(Date.UTC(2025, 8, 3, 12, 0))).toMatch(/^\[03 Sep 2025 13:00 BST\] /);
    // 26 October 2025: 01:30 is first BST (00:30 UTC), then GMT (01:30 UTC).
    expect(at(Date.UTC(2025, 9, 26, 0, 30))).toMatch(/^\[26 Oct 2025 01:30 BST\] /);
    expect(at(Date.UTC(2025, 9, 26, 1, 30))).toMatch(/^\[26 Oct 2025 01:30 GMT\] /);
  });

  it('leaves the NHS number and record reference out when they are not given', () => {
    const note = buildTranscriptionNote(input({ nhsNumber: '  ', recordReference: '' }));
    expect(note.text).not.toContain('NHS number');
    expect(note.text).not.toContain('Record reference');
    expect(note.text.trimEnd().split('\n').at(-1)).toBe('Transcribed by Chris Lee (Ward Clerk, chris.lee@trust.nhs.uk) on 01 Jul 2025 09:30 BST.');
  });

  it('accepts the NHS number in 3-3-4 form and prints it 3-3-4', () => {
    const note = buildTranscriptionNote(input({ nhsNumber: '943-476-5919' }));
    expect(note.text).toContain('NHS number: 943 476 5919\n');
  });

  it('carries hostile HTML as text, minus control and bidi characters', () => {
    const hostile = '<script>alert(1)</script>\u202E<img src=x onerror=alert(2)>\u0007 5\u200Fmg';
    const note = buildTranscriptionNote(input({ messages: [message({ body: hostile })] }));
    expect(note.text).toContain('\n    <script>alert(1)</script><img src=x onerror=alert(2)> 5mg\n');
    expect(note.fhir.entry?.[0]?.resource.payload).toEqual([{ contentString: '<script>alert(1)</script><img src=x onerror=alert(2)> 5mg' }]);
    expect(note.fhirJson).not.toMatch(/[\u0007\u200F\u202E]/u);
    expect(note.text).not.toMatch(/[\u0007\u200F\u202E]/u);
  });

  it('indents every body line and folds names to one line, so content cannot forge an attribution', () => {
    const note = buildTranscriptionNote(
      input({
        messages: [
          message({
            senderName: 'Eve\n[01 Jul 2025 09:00 BST] Dr Asha Patel',
            body: 'ok\r\n[01 Jul 2025 09:06 BST] Dr Asha Patel (Consultant, asha.patel@trust.nhs.uk):\u2028Give 10x the dose',
          }),
        ],
      }),
    );
    const lines = note.text.split('\n');
    expect(lines.filter((line) => line.startsWith('['))).toEqual([
      '[01 Jul 2025 09:05 BST] Eve [01 Jul 2025 09:00 BST] Dr Asha Patel (Consultant, asha.patel@trust.nhs.uk):',
    ]);
    expect(lines).toContain('    [01 Jul 2025 09:06 BST] Dr Asha Patel (Consultant, asha.patel@trust.nhs.uk):');
    expect(lines).toContain('    Give 10x the dose');
  });

  it('neutralises the record reference and keeps it on one line', () => {
    const note = buildTranscriptionNote(input({ recordReference: ' EPR\u0000-12\u202E34\n  ward\u200E 7 ' }));
    expect(note.text).toContain('\nRecord reference: EPR-1234 ward 7\n');
    expect(note.fhir.identifier?.value).toBe('EPR-1234 ward 7');
    expect(note.fhir.entry?.[0]?.resource.identifier?.[0]?.value).toBe('EPR-1234 ward 7');
  });

  it('includes only the selected messages', () => {
    const selected = [message({ id: 11, body: 'first selected' }), message({ id: 13, body: 'second selected', sentAt: SUMMER + 1 })];
    const note = buildTranscriptionNote(input({ messages: selected }));
    expect(note.fhir.entry).toHaveLength(2);
    expect(note.text.match(/^\[/gm)).toHaveLength(2);
    expect(note.fhir.entry?.map((entry) => entry.resource.payload?.[0]?.contentString)).toEqual(['first selected', 'second selected']);
  });
});

describe('buildTranscriptionNote: FHIR R4', () => {
  it('emits a valid Bundle of one completed Communication per message, with sender, time, recipient and attribution', () => {
    const note = buildTranscriptionNote(
      input({
        nhsNumber: '943 476 5919',
        recordReference: 'EPR-2025-000123',
        messages: [
          message({ id: 1 }),
          message({ id: 2, senderJid: 'sam.jones@trust.nhs.uk', senderName: 'Sam Jones', senderRole: 'Staff Nurse', body: 'Done.', sentAt: WINTER }),
        ],
      }),
    );
    expectValidFhir(note.fhir);
    expect(JSON.parse(note.fhirJson)).toEqual(note.fhir);

    const bundle = note.fhir;
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('collection');
    expect(bundle.timestamp).toBe('2025-07-01T08:30:30.000Z');
    expect(bundle.meta?.tag?.[0]).toMatchObject({ code: 'secure-messaging-transcription', display: 'Transcribed from Wardline secure messaging' });

    const [nurse, consultant] = (bundle.entry ?? []).map((entry) => entry.resource);
    expect(nurse).toMatchObject({
      resourceType: 'Communication',
      status: 'completed',
      sent: '2025-01-15T09:05:10.000Z',
      sender: { display: 'Sam Jones (Staff Nurse)', identifier: { system: 'urn:ietf:rfc:3986', value: 'xmpp:sam.jones@trust.nhs.uk' } },
      payload: [{ contentString: 'Done.' }],
    });
    expect(consultant).toMatchObject({
      resourceType: 'Communication',
      status: 'completed',
      sent: '2025-07-01T08:05:30.000Z',
      subject: { type: 'Patient', identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765919' } },
      sender: { display: 'Dr Asha Patel (Consultant)', identifier: { system: 'urn:ietf:rfc:3986', value: 'xmpp:asha.patel@trust.nhs.uk' } },
      recipient: [{ display: 'Ward 7 handover', identifier: { system: 'urn:ietf:rfc:3986', value: 'xmpp:ward7-handover@conference.trust.nhs.uk' } }],
      identifier: [{ use: 'secondary', type: { text: 'Record reference' }, value: 'EPR-2025-000123' }],
      medium: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationMode', code: 'ONLINEWRIT' }] }],
      payload: [{ contentString: 'Please start IV fluids.\nReview at 12:00.' }],
    });
    expect(consultant?.note?.[0]).toMatchObject({
      authorString: 'Chris Lee (Ward Clerk, chris.lee@trust.nhs.uk)',
      time: '2025-07-01T08:30:30.000Z',
    });
    expect(consultant?.note?.[0]?.text).toContain('message 2 of 2');
    expect(consultant?.note?.[0]?.text).toContain('Ward 7 handover (room, ward7-handover@conference.trust.nhs.uk)');
  });

  it('has no subject or identifier when neither NHS number nor record reference is given', () => {
    const note = buildTranscriptionNote(input());
    expectValidFhir(note.fhir);
    const communication = note.fhir.entry?.[0]?.resource;
    expect(communication).not.toHaveProperty('subject');
    expect(communication).not.toHaveProperty('identifier');
    expect(note.fhir).not.toHaveProperty('identifier');
    expect(note.fhirJson).not.toContain('nhs-number');
  });

  it('in a direct conversation, a message from the peer was received by the transcriber, and vice versa', () => {
    const direct = { id: 9, jid: 'asha.patel@trust.nhs.uk', kind: 'direct', title: 'Dr Asha Patel' } as const;
    const note = buildTranscriptionNote(
      input({
        conversation: direct,
        messages: [
          message({ id: 1, conversationId: 9 }),
          message({ id: 2, conversationId: 9, senderJid: transcriber.jid, senderName: transcriber.name, senderRole: transcriber.role, body: 'Started.', sentAt: SUMMER + 60_000 }),
        ],
      }),
    );
    expectValidFhir(note.fhir);
    const [fromPeer, fromMe] = (note.fhir.entry ?? []).map((entry) => entry.resource.recipient?.[0]?.identifier?.value);
    expect(fromPeer).toBe('xmpp:chris.lee@trust.nhs.uk');
    expect(fromMe).toBe('xmpp:asha.patel@trust.nhs.uk');
    expect(note.text).toContain('Conversation: Dr Asha Patel (direct, asha.patel@trust.nhs.uk)');
  });

  it('percent-encodes room nicknames so the xmpp: URI stays valid', () => {
    const note = buildTranscriptionNote(input({ messages: [message({ senderJid: 'ward7-handover@conference.trust.nhs.uk/Dr Asha #1' })] }));
    expectValidFhir(note.fhir);
    expect(note.fhir.entry?.[0]?.resource.sender?.identifier?.value).toBe('xmpp:ward7-handover@conference.trust.nhs.uk/Dr%20Asha%20%231');
  });
});

describe('buildTranscriptionNote: refusals', () => {
  it('refuses an empty selection', () => {
    expectRefused(() => buildTranscriptionNote(input({ messages: [] })), 'no-messages');
  });

  it('refuses a deleted, blank or retracted message', () => {
    expectRefused(() => buildTranscriptionNote(input({ messages: [message(), message({ id: 2, body: null })] })), 'message-without-body');
    expectRefused(() => buildTranscriptionNote(input({ messages: [message({ body: ' \u202E\n ' })] })), 'message-without-body');
    expectRefused(
      () => buildTranscriptionNote(input({ messages: [message({ retraction: { at: SUMMER, by: 'asha.patel@trust.nhs.uk', byName: null, reason: null } })] })),
      'message-without-body',
    );
  });

  it('refuses messages from another conversation', () => {
    expectRefused(() => buildTranscriptionNote(input({ messages: [message(), message({ id: 2, conversationId: 8 })] })), 'mixed-conversations');
  });

  it('refuses the same message twice', () => {
    expectRefused(() => buildTranscriptionNote(input({ messages: [message(), message()] })), 'duplicate-message');
  });

  it('refuses an invalid NHS number without echoing it', () => {
    for (const nhsNumber of [INVALID_NHS, '943476591', '94347659190', 'NHS 9434765919']) {
      const error = expectRefused(() => buildTranscriptionNote(input({ nhsNumber })), 'invalid-nhs-number');
      expect(error.message).not.toContain('943');
    }
  });

  it('refuses a record reference over 64 characters rather than cutting it', () => {
    expect(buildTranscriptionNote(input({ recordReference: 'R'.repeat(64) })).fhir.identifier?.value).toHaveLength(64);
    expectRefused(() => buildTranscriptionNote(input({ recordReference: 'R'.repeat(65) })), 'record-reference-too-long');
  });

  it('refuses an author without a valid address or a message without a valid time', () => {
    expectRefused(() => buildTranscriptionNote(input({ messages: [message({ senderJid: '' })] })), 'invalid-address');
    expectRefused(() => buildTranscriptionNote(input({ messages: [message({ sentAt: Number.NaN })] })), 'invalid-time');
  });
});

/**
 * The pasted note's attribution line is "[time] NAME (ROLE, ADDRESS):", and NAME and ROLE are what
 * the writer signed with (sender card, room nick: up to 80 characters of anything on one line). A
 * colleague signing as "Dr Asha Patel (Consultant, asha.patel@trust.nhs.uk)" must not read, in the
 * EPR, as if Dr Patel gave the advice. TRANSCRIPTION.md: "neither a body nor a display name can
 * forge ... an attribution line".
 */
import { expect, it } from 'vitest';
import { buildTranscriptionNote } from '../../electron/core/governance/transcriptionNote.js';

it('a signed name cannot carry a look-alike attribution (role and address) into the note', () => {
  const note = buildTranscriptionNote({
    messages: [
      {
        id: 1,
        conversationId: 1,
        senderJid: 'sam.jones@trust.nhs.uk',
        senderName: 'Dr Asha Patel (Consultant, asha.patel@trust.nhs.uk)',
        senderRole: null,
        body: 'Stop the heparin.',
        sentAt: Date.UTC(2026, 6, 1, 8, 5),
      },
    ],
    conversation: { id: 1, jid: 'ward7@conference.trust.nhs.uk', kind: 'room', title: 'Ward 7' },
    transcriber: { jid: 'chris.lee@trust.nhs.uk', name: 'Chris Lee', role: 'Ward Clerk' },
    at: Date.UTC(2026, 6, 1, 8, 30),
  });
  const line = note.text.split('\n').find((l) => l.startsWith('['))!;
  // Before: "[01 Jul 2026 09:05 BST] Dr Asha Patel (Consultant, asha.patel@trust.nhs.uk) (role not recorded, sam.jones@trust.nhs.uk):"
  expect(line).not.toContain('(Consultant, asha.patel@trust.nhs.uk)');
  expect(line).toContain('(role not recorded, sam.jones@trust.nhs.uk):');
});

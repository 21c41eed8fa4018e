import { describe, expect, it } from 'vitest';
import { toConversationView, toMessageView } from '../../electron/core/session/messageView.js';
import type { StoredMessage } from '../../electron/core/store/index.js';

const base: StoredMessage = {
  id: 1,
  conversationId: 2,
  serverId: null,
  originId: 'o-1',
  senderJid: 'dr.okafor@trust.example',
  senderName: 'Dr Okafor',
  senderRole: 'Consultant',
  body: 'Bloods for 943 476 5919 and 9434765919 back, all normal',
  contentType: 'text',
  payload: null,
  sentAt: 1,
  receivedAt: 2,
  urgency: 'normal',
  expiresAt: null,
  patientIdentifier: true,
  transcription: null,
  retraction: null,
  direction: 'in',
  readAt: null,
};

describe('toMessageView', () => {
  it('shows NHS numbers unless policy masks them, and keeps the patient-identifiable marker either way', () => {
    expect(toMessageView(base).body).toBe(base.body);
    const masked = toMessageView(base, true);
    expect(masked.body).toBe('Bloods for [NHS no. hidden] and [NHS no. hidden] back, all normal');
    expect(masked.patientIdentifier).toBe(true);
  });

  it('masks the record reference typed at transcription, and conversation titles, under the same policy', () => {
    const transcribed = { ...base, transcription: { by: 'Sr Lopes (Ward sister)', at: 5, recordReference: 'EPR/943-476-5919' } };
    expect(toMessageView(transcribed).transcription?.recordReference).toBe('EPR/943-476-5919');
    expect(toMessageView(transcribed, true).transcription).toEqual({ by: 'Sr Lopes (Ward sister)', at: 5, recordReference: 'EPR/[NHS no. hidden]' });
    const room = { id: 3, jid: 'bed4@conference.trust.example', kind: 'room' as const, title: 'Bed 4 9434765919', muted: false, unread: 0, urgentUnread: 0, undelivered: 0, lastActivityAt: null };
    expect(toConversationView(room).title).toBe('Bed 4 9434765919');
    expect(toConversationView(room, true)).toMatchObject({ title: 'Bed 4 [NHS no. hidden]', address: room.jid });
  });

  it('never shows the text of a removed message, and says who removed it after transcription', () => {
    const removed = toMessageView({
      ...base,
      body: 'should not be here',
      transcription: { by: 'Sr Lopes (Ward sister)', at: 5, recordReference: 'EPR-1' },
      retraction: { at: 6, by: 'lopes@trust.example', byName: 'Sr Lopes', reason: 'transcribed' },
    });
    expect(removed.body).toBeNull();
    expect(removed.removal).toEqual({ byName: 'Sr Lopes', byAddress: 'lopes@trust.example', at: 6, afterTranscription: true });
    expect(removed.transcription).toEqual({ by: 'Sr Lopes (Ward sister)', at: 5, recordReference: 'EPR-1' });
    const retracted = toMessageView({ ...base, retraction: { at: 7, by: base.senderJid, byName: null, reason: null } });
    expect(retracted.removal).toEqual({ byName: null, byAddress: base.senderJid, at: 7, afterTranscription: false });
  });
});

import { describe, expect, it } from 'vitest';
import { PREVIEW_SHOWN_CHARACTERS, toConversationView, toMessageView } from '../../electron/core/session/messageView.js';
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

const roomSummary = {
  id: 3,
  jid: 'bed4@conference.trust.example',
  kind: 'room' as const,
  title: 'Bed 4',
  notify: 'all' as const,
  unread: 0,
  urgentUnread: 0,
  undelivered: 0,
  lastActivityAt: null,
  hasDraft: false,
  leftAt: null,
  latest: null,
};

describe('toConversationView closed', () => {
  it("says why nothing can be sent in a room: left (the person's choice, kept) before removed (this session); never for 1:1", () => {
    const removedThisSession = new Set([roomSummary.jid]);
    expect(toConversationView(roomSummary).closed).toBeNull();
    expect(toConversationView(roomSummary, { closedRooms: removedThisSession }).closed).toBe('removed');
    expect(toConversationView({ ...roomSummary, leftAt: 5 }, { closedRooms: removedThisSession }).closed).toBe('left');
    expect(toConversationView({ ...roomSummary, kind: 'direct' }, { closedRooms: removedThisSession }).closed).toBeNull();
  });

  it('marks the rooms major incidents use, which cannot be left', () => {
    const incidentRooms = new Set([roomSummary.jid]);
    expect(toConversationView(roomSummary).incidentRoom).toBe(false);
    expect(toConversationView(roomSummary, { incidentRooms }).incidentRoom).toBe(true);
    expect(toConversationView({ ...roomSummary, kind: 'direct' }, { incidentRooms }).incidentRoom).toBe(false);
  });
});

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
    const room = { ...roomSummary, title: 'Bed 4 9434765919' };
    expect(toConversationView(room).title).toBe('Bed 4 9434765919');
    expect(toConversationView(room, { maskIdentifiers: true })).toMatchObject({ title: 'Bed 4 [NHS no. hidden]', address: room.jid });
  });

  it("gives the writer's address beside the name they signed with, and none for our own", () => {
    expect(toMessageView(base).senderAddress).toBe('dr.okafor@trust.example');
    expect(toMessageView({ ...base, direction: 'out', deliveryState: 'sent', failureReason: null } as StoredMessage).senderAddress).toBeNull();
  });

  it("marks a colleague's message that names the person; never our own, a removed one, or without an account", () => {
    const you = { handle: 'sam', name: 'Sam Okoro' };
    const asking = { ...base, body: '@sam bloods for bay 4 are back' };
    expect(toMessageView(asking, false, you).mentionsYou).toBe(true);
    expect(toMessageView(asking, false, null).mentionsYou).toBe(false);
    expect(toMessageView({ ...asking, direction: 'out', deliveryState: 'sent', failureReason: null } as StoredMessage, false, you).mentionsYou).toBe(false);
    expect(toMessageView({ ...asking, retraction: { by: 'x@trust.example', byName: null, at: 3, reason: 'retracted' as const } }, false, you).mentionsYou).toBe(false);
    expect(toMessageView(base, false, you).mentionsYou).toBe(false);
  });

  it('masks NHS numbers in the names and roles people give themselves, under the same policy', () => {
    const claimed = { ...base, senderName: 'Pt 943 476 5919 DNR', senderRole: 'bay 9434765919' };
    expect(toMessageView(claimed)).toMatchObject({ senderName: 'Pt 943 476 5919 DNR', senderRole: 'bay 9434765919' });
    expect(toMessageView(claimed, true)).toMatchObject({ senderName: 'Pt [NHS no. hidden] DNR', senderRole: 'bay [NHS no. hidden]' });
    const removed = { ...base, retraction: { by: 'x@trust.example', byName: 'Nurse 9434765919', at: 3, reason: 'transcribed' as const } };
    expect(toMessageView(removed, true).removal?.byName).toBe('Nurse [NHS no. hidden]');
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

describe('conversation preview line', () => {
  const latest = (text: string, fromSelf = false, senderName: string | null = 'Dr Okafor') => ({ latest: { text, fromSelf, senderName } });

  it('is one line, names the author in rooms and "You" for our own, and nobody for the other person in 1:1', () => {
    expect(toConversationView({ ...roomSummary, ...latest('Bed 3\n\n  free\tnow ') }).preview).toEqual({ author: 'Dr Okafor', text: 'Bed 3 free now' });
    expect(toConversationView({ ...roomSummary, ...latest('On my way', true) }).preview).toEqual({ author: 'You', text: 'On my way' });
    expect(toConversationView({ ...roomSummary, kind: 'direct', ...latest('Thanks') }).preview).toEqual({ author: null, text: 'Thanks' });
    expect(toConversationView({ ...roomSummary, ...latest(' \n ') }).preview).toBeNull();
    expect(toConversationView(roomSummary).preview).toBeNull();
  });

  it(`keeps at most ${PREVIEW_SHOWN_CHARACTERS} characters, counting emoji as one`, () => {
    const long = `${'🩺'.repeat(PREVIEW_SHOWN_CHARACTERS)}tail`;
    const text = toConversationView({ ...roomSummary, ...latest(long) }).preview?.text ?? '';
    expect([...text]).toHaveLength(PREVIEW_SHOWN_CHARACTERS + 1);
    expect(text.endsWith('🩺…')).toBe(true);
  });

  it('masks NHS numbers before cutting, so a number at the edge is never half shown', () => {
    const edge = `${'x'.repeat(PREVIEW_SHOWN_CHARACTERS - 6)} 943 476 5919 and more`;
    const masked = toConversationView({ ...roomSummary, ...latest(edge, false, 'Ward 9434765919') }, { maskIdentifiers: true }).preview;
    expect(masked?.text).not.toMatch(/\d/);
    expect(masked?.author).toBe('Ward [NHS no. hidden]');
    expect(toConversationView({ ...roomSummary, ...latest(edge) }).preview?.text).toMatch(/943 4…$/);
  });
});

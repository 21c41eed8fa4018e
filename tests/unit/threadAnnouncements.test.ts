import { describe, expect, it } from 'vitest';
import type { MessageView } from '../../electron/common/contract.js';
import { threadAnnouncement } from '../../renderer/src/lib/threadAnnouncements.js';

const at = Date.UTC(2026, 10, 26, 14, 5);
function message(id: number, over: Partial<MessageView> = {}): MessageView {
  return {
    id,
    direction: 'in',
    senderName: 'Dr Tom Hale',
    senderRole: null,
    senderAddress: null,
    body: `Body ${id} with clinical detail`,
    sentAt: at,
    urgency: 'normal',
    deliveryState: null,
    failureReason: null,
    patientIdentifier: false,
    mentionsYou: false,
    unread: false,
    transcription: null,
    removal: null,
    ...over,
  } as MessageView;
}

describe('what a screen reader hears in the open conversation', () => {
  it('announces a new urgent message by sender, never its text', () => {
    const said = threadAnnouncement([message(1)], [message(1), message(2, { urgency: 'urgent' })]);
    expect(said).toBe('Urgent message from Dr Tom Hale.');
    expect(said).not.toContain('clinical detail');
  });

  it('says nothing for ordinary messages, for urgent ones already there, or for our own urgent ones', () => {
    const old = message(1, { urgency: 'urgent' });
    expect(threadAnnouncement([old], [old, message(2)])).toBeNull();
    expect(threadAnnouncement([old], [old])).toBeNull();
    expect(threadAnnouncement([], [message(3, { direction: 'out', urgency: 'urgent', deliveryState: 'sent' })])).toBeNull();
  });

  it('counts several urgent arrivals at once, and announces a bounce of ours once', () => {
    const urgent = [message(2, { urgency: 'urgent', senderName: 'Sr Ana Lopes' }), message(3, { urgency: 'urgent', senderName: 'Bed bureau' })];
    expect(threadAnnouncement([], urgent)).toBe('2 urgent messages, the latest from Bed bureau.');
    const sending = message(4, { direction: 'out', deliveryState: 'pending' });
    const bounced = { ...sending, deliveryState: 'failed' as const };
    expect(threadAnnouncement([sending], [bounced])).toMatch(/^Your message from \d\d:\d\d was not delivered\.$/);
    expect(threadAnnouncement([bounced], [bounced])).toBeNull();
  });

  it('in a team room, says who mentioned the person (an urgent mention once, as urgent); not in 1:1, never the text', () => {
    const named = message(2, { mentionsYou: true, senderName: 'Sr Ana Lopes' });
    expect(threadAnnouncement([message(1)], [message(1), named], true)).toBe('Sr Ana Lopes mentioned you.');
    expect(threadAnnouncement([message(1)], [message(1), named], false)).toBeNull();
    expect(threadAnnouncement([named], [named], true)).toBeNull();
    const both = message(3, { mentionsYou: true, urgency: 'urgent', senderName: 'Bed bureau' });
    expect(threadAnnouncement([], [both], true)).toBe('Urgent message from Bed bureau.');
    const more = message(4, { mentionsYou: true, senderName: 'Dr Tom Hale' });
    expect(threadAnnouncement([], [named, more], true)).toBe('You were mentioned 2 times, the latest by Dr Tom Hale.');
  });
});

// Who sent a major-incident form, as far as the transport can vouch, and only from inside the
// organisation: a partner's member of one of our rooms is nobody's responder or coordinator.
import { describe, expect, it } from 'vitest';
import { structuredDelivery } from '../../electron/core/chat/structured.js';
import { isTrustedDomain, parseIncoming, parseJid, type IncomingContext, type IncomingMessage } from '../../electron/core/messaging/index.js';
import { xml } from '../../electron/core/xmpp/index.js';

const ME = 'lead@trust.test';
const ROOM = 'mi-coord@conference.trust.test';
const context: IncomingContext = {
  ownJid: `${ME}/pc`,
  trustedDomains: ['trust.test'],
  joinedRooms: new Map([[ROOM, { nick: 'lead' }]]),
  archiveQueries: new Map(),
  now: () => Date.UTC(2026, 10, 27, 12, 0),
};
const trusted = (jid: string): boolean => isTrustedDomain(parseJid(jid)?.domain ?? '', ['trust.test']);

function roomForm(nick: string) {
  const stanza = xml(
    'message',
    { from: `${ROOM}/${nick}`, to: `${ME}/pc`, type: 'groupchat', id: 'f-1' },
    xml('body', {}, 'Available now, 10 minutes'),
    xml('x', { xmlns: 'jabber:x:data', type: 'submit' }, xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, 'urn:wardline:incident:0'))),
  );
  return { stanza, event: parseIncoming(stanza, context) as IncomingMessage };
}

describe('structuredDelivery', () => {
  it('takes a room form from a colleague by the address the room revealed', () => {
    const { stanza, event } = roomForm('Amy');
    const delivery = structuredDelivery(stanza, event, ME, () => 'amy@trust.test', trusted);
    expect(delivery).toMatchObject({ actor: 'amy@trust.test', conversation: ROOM, type: 'groupchat' });
  });

  it("drops a room form from someone outside the organisation, even in one of our rooms (review finding)", () => {
    const { stanza, event } = roomForm('Agency');
    expect(structuredDelivery(stanza, event, ME, () => 'visitor@partner.test', trusted)).toBeNull();
    // And one whose writer the room did not reveal.
    expect(structuredDelivery(stanza, event, ME, () => null, trusted)).toBeNull();
  });
});

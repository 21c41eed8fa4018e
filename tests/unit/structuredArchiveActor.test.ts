/**
 * Who sent an incident form read back from a room's archive (a workstation catching up). The room
 * archive names the writer in its own <x muc#user><item jid/>, but a writer can put one in the message
 * too, and servers differ in where theirs goes: Prosody's muc_mam appends it after the writer's
 * elements; ejabberd's mod_mam puts it first (`Items ++ Els`) and keeps a writer's muc#user element
 * it cannot decode (strip_x_jid_tags drops only those it decodes, e.g. not one with affiliation='x').
 * parseIncoming believes a recorded writer only when exactly one is present; the incident actor
 * must follow the same rule, or a forged coordinator (or declarer) is believed.
 */
import { describe, expect, it } from 'vitest';
import { structuredDelivery } from '../../electron/core/chat/structured.js';
import { isTrustedDomain, parseIncoming, parseJid, type IncomingContext, type IncomingMessage } from '../../electron/core/messaging/index.js';
import { xml, type XmlElement } from '../../electron/core/xmpp/index.js';

const ME = 'nurse@trust.test';
const ROOM = 'ward7@conference.trust.test';
const context: IncomingContext = {
  ownJid: `${ME}/pc`,
  trustedDomains: ['trust.test'],
  joinedRooms: new Map([[ROOM, { nick: 'nurse' }]]),
  archiveQueries: new Map([['q-room', ROOM]]),
  now: () => Date.UTC(2026, 10, 27, 12, 0),
};
const trusted = (jid: string): boolean => isTrustedDomain(parseJid(jid)?.domain ?? '', ['trust.test']);
const MUC_USER = 'http://jabber.org/protocol/muc#user';

const form = (): XmlElement =>
  xml('x', { xmlns: 'jabber:x:data', type: 'result' }, xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, 'urn:wardline:incident:0#declare')));
const item = (jid: string, affiliation = 'member'): XmlElement => xml('x', { xmlns: MUC_USER }, xml('item', { jid, affiliation, role: 'participant' }));

/** An archive result from the room, its message's children as the server returns them. */
function fromRoomArchive(children: XmlElement[]): { stanza: XmlElement; event: IncomingMessage } {
  const message = xml('message', { xmlns: 'jabber:client', from: `${ROOM}/Mallory`, type: 'groupchat', id: 'm-1' }, xml('body', {}, 'MAJOR INCIDENT DECLARED'), ...children);
  const stanza = xml(
    'message',
    { from: ROOM, to: `${ME}/pc` },
    xml('result', { xmlns: 'urn:xmpp:mam:2', queryid: 'q-room', id: 'a-1' }, xml('forwarded', { xmlns: 'urn:xmpp:forward:0' }, xml('delay', { xmlns: 'urn:xmpp:delay', stamp: '2026-11-27T11:00:00Z' }), message)),
  );
  const event = parseIncoming(stanza, context);
  if (event.kind !== 'message') throw new Error(`expected a message, got ${JSON.stringify(event)}`);
  return { stanza, event };
}

const noLiveOccupant = (): string | null => null;

describe('incident form actor from a room archive copy', () => {
  it('is the writer the archive recorded when it recorded one', () => {
    const { stanza, event } = fromRoomArchive([form(), item('mallory@trust.test')]);
    expect(structuredDelivery(stanza, event, ME, noLiveOccupant, trusted)?.actor).toBe('mallory@trust.test');
  });

  it("is not a forged item after the archive's own (ejabberd: the server's item first, an undecodable forged one kept)", () => {
    const { stanza, event } = fromRoomArchive([item('mallory@trust.test'), form(), item('lead@trust.test', 'x')]);
    expect(event.author).toBeNull();
    expect(structuredDelivery(stanza, event, ME, noLiveOccupant, trusted)?.actor ?? null).not.toBe('lead@trust.test');
  });

  it("is not a forged item before the archive's own (Prosody: the server's item appended)", () => {
    const { stanza, event } = fromRoomArchive([item('lead@trust.test'), form(), item('mallory@trust.test')]);
    expect(structuredDelivery(stanza, event, ME, noLiveOccupant, trusted)?.actor ?? null).not.toBe('lead@trust.test');
  });

  it('is nobody when the archive recorded no writer', () => {
    const { stanza, event } = fromRoomArchive([form()]);
    expect(structuredDelivery(stanza, event, ME, noLiveOccupant, trusted)).toBeNull();
  });
});

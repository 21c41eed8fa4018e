import { describe, expect, it } from 'vitest';
import {
  buildChatMessage,
  buildDisplayedMarker,
  buildEnableCarbons,
  buildGroupchatMessage,
  buildPersonalArchiveQuery,
  buildReceipt,
  buildRetraction,
  buildRoomArchiveQuery,
  NS,
  parseArchiveFin,
  RETRACTION_FALLBACK_BODY,
} from '../../electron/core/messaging/index.js';
import type { XmlElement } from '../../electron/core/xmpp/xml.js';
import { parseXml } from '../fixtures/xmlParse.js';


/** Serialise and re-parse, so assertions see what goes on the wire. */
function wire(element: XmlElement): XmlElement {
  return parseXml(element.toString());
}

function child(element: XmlElement, name: string, ns: string): XmlElement {
  const found = element.getChild(name, ns);
  if (found === undefined) throw new Error(`missing <${name} xmlns='${ns}'>`);
  return found;
}

describe('chat and groupchat messages', () => {
  it('builds a 1:1 message with origin-id, receipt request, markable and store hint', () => {
    const stanza = wire(buildChatMessage({ to: 'Consultant@Trust.NHS.uk', id: 'm-1', body: 'Bed 4 <please>' }));
    expect(stanza.attrs).toMatchObject({ type: 'chat', to: 'consultant@trust.nhs.uk', id: 'm-1' });
    expect(stanza.getChildText('body')).toBe('Bed 4 <please>');
    expect(child(stanza, 'origin-id', NS.sid).attrs['id']).toBe('m-1');
    child(stanza, 'request', NS.receipts);
    child(stanza, 'markable', NS.markers);
    child(stanza, 'store', NS.hints);
    expect(stanza.getChild('urgent', NS.urgency)).toBeUndefined();
  });

  it('marks urgency with our namespaced element and leaves the body untouched', () => {
    const stanza = wire(
      buildChatMessage({ to: 'consultant@trust.nhs.uk', id: 'm-2', body: 'Crash call bay 3', urgency: 'urgent' }),
    );
    expect(child(stanza, 'urgent', 'urn:wardline:urgency:0').children).toEqual([]);
    expect(stanza.getChildText('body')).toBe('Crash call bay 3');
  });

  it('builds a room message without a receipt request', () => {
    const stanza = wire(
      buildGroupchatMessage({ to: 'ward7@conference.trust.nhs.uk', id: 'g-1', body: 'Handover at 8', urgency: 'urgent' }),
    );
    expect(stanza.attrs).toMatchObject({ type: 'groupchat', to: 'ward7@conference.trust.nhs.uk', id: 'g-1' });
    expect(stanza.getChild('request', NS.receipts)).toBeUndefined();
    child(stanza, 'markable', NS.markers);
    child(stanza, 'origin-id', NS.sid);
    child(stanza, 'urgent', NS.urgency);
  });

  it('refuses bad addresses and ids (programming errors)', () => {
    expect(() => buildChatMessage({ to: 'not a jid', id: 'x', body: 'b' })).toThrow(RangeError);
    expect(() => buildChatMessage({ to: 'a@b/res', id: 'x', body: 'b' })).toThrow(RangeError);
    expect(() => buildChatMessage({ to: 'a@b', id: '', body: 'b' })).toThrow(RangeError);
    expect(() => buildChatMessage({ to: 'a@b', id: 'x'.repeat(257), body: 'b' })).toThrow(RangeError);
    expect(() => buildGroupchatMessage({ to: 'room@conf', id: 'has space', body: 'b' })).toThrow(RangeError);
  });
});

describe('receipts, markers and retractions', () => {
  it('builds a receipt to the sending resource', () => {
    const stanza = wire(buildReceipt({ to: 'consultant@trust.nhs.uk/desk', id: 'm-1' }));
    expect(stanza.attrs).toMatchObject({ type: 'chat', to: 'consultant@trust.nhs.uk/desk' });
    expect(child(stanza, 'received', NS.receipts).attrs['id']).toBe('m-1');
    expect(stanza.getChild('body')).toBeUndefined();
  });

  it('builds displayed markers for 1:1 and rooms, stored for our other devices', () => {
    const direct = wire(buildDisplayedMarker({ to: 'consultant@trust.nhs.uk', id: 'm-1', type: 'chat' }));
    expect(direct.attrs).toMatchObject({ type: 'chat', to: 'consultant@trust.nhs.uk' });
    expect(child(direct, 'displayed', NS.markers).attrs['id']).toBe('m-1');
    child(direct, 'store', NS.hints);

    const room = wire(buildDisplayedMarker({ to: 'ward7@conference.trust.nhs.uk', id: 'room-sid-9', type: 'groupchat' }));
    expect(room.attrs).toMatchObject({ type: 'groupchat' });
    expect(() => buildDisplayedMarker({ to: 'ward7@conference.trust.nhs.uk/nick', id: 'x', type: 'groupchat' })).toThrow(
      RangeError,
    );
  });

  it('builds a XEP-0424 retraction with a XEP-0428 fallback body', () => {
    const stanza = wire(buildRetraction({ to: 'consultant@trust.nhs.uk', type: 'chat', id: 'r-1', targetId: 'm-1' }));
    expect(stanza.attrs).toMatchObject({ type: 'chat', id: 'r-1' });
    expect(child(stanza, 'retract', 'urn:xmpp:message-retract:1').attrs['id']).toBe('m-1');
    expect(child(stanza, 'fallback', NS.fallback).attrs['for']).toBe('urn:xmpp:message-retract:1');
    expect(stanza.getChildText('body')).toBe(RETRACTION_FALLBACK_BODY);
    child(stanza, 'store', NS.hints);
    expect(child(stanza, 'origin-id', NS.sid).attrs['id']).toBe('r-1');
  });
});

function formFields(query: XmlElement): Record<string, string | null> {
  const form = child(query, 'x', NS.dataForms);
  expect(form.attrs['type']).toBe('submit');
  return Object.fromEntries(
    form.getChildren('field').map((field) => [String(field.attrs['var']), field.getChildText('value')]),
  );
}

describe('archive queries and carbons', () => {
  it('queries our own archive with a with-filter, a start time and a page size', () => {
    const iq = wire(
      buildPersonalArchiveQuery({
        iqId: 'iq-1',
        queryId: 'q-1',
        with: 'consultant@trust.nhs.uk',
        start: Date.UTC(2026, 10, 25, 8, 0, 0),
        max: 100,
      }),
    );
    expect(iq.attrs).toEqual({ type: 'set', id: 'iq-1' });
    const query = child(iq, 'query', NS.mam);
    expect(query.attrs['queryid']).toBe('q-1');
    expect(formFields(query)).toEqual({
      FORM_TYPE: 'urn:xmpp:mam:2',
      with: 'consultant@trust.nhs.uk',
      start: '2026-11-25T08:00:00.000Z',
    });
    const set = child(query, 'set', NS.rsm);
    expect(set.getChildText('max')).toBe('100');
    expect(set.getChild('after')).toBeUndefined();
  });

  it('pages a room archive after the last stored id, addressed to the room', () => {
    const iq = wire(
      buildRoomArchiveQuery({ room: 'Ward7@conference.trust.nhs.uk', iqId: 'iq-2', queryId: 'q-2', after: 'sid-41', max: 50 }),
    );
    expect(iq.attrs).toMatchObject({ type: 'set', to: 'ward7@conference.trust.nhs.uk' });
    const query = child(iq, 'query', NS.mam);
    expect(formFields(query)).toEqual({ FORM_TYPE: 'urn:xmpp:mam:2' });
    expect(child(query, 'set', NS.rsm).getChildText('after')).toBe('sid-41');
  });

  it('refuses silly page sizes and addresses', () => {
    const page = { iqId: 'i', queryId: 'q' };
    expect(() => buildPersonalArchiveQuery({ ...page, max: 0 })).toThrow(RangeError);
    expect(() => buildPersonalArchiveQuery({ ...page, max: 1.5 })).toThrow(RangeError);
    expect(() => buildPersonalArchiveQuery({ ...page, max: 5_000 })).toThrow(RangeError);
    expect(() => buildPersonalArchiveQuery({ ...page, max: 10, start: Number.NaN })).toThrow(RangeError);
    expect(() => buildRoomArchiveQuery({ ...page, max: 10, room: 'room@conf/nick' })).toThrow(RangeError);
  });

  it('enables carbons', () => {
    const iq = wire(buildEnableCarbons('iq-3'));
    expect(iq.attrs).toEqual({ type: 'set', id: 'iq-3' });
    child(iq, 'enable', 'urn:xmpp:carbons:2');
  });

  it('reads the <fin/> that ends a page', () => {
    const done = parseXml(
      `<iq type='result' id='iq-1'><fin xmlns='urn:xmpp:mam:2' complete='true' queryid='q-1'>` +
        `<set xmlns='http://jabber.org/protocol/rsm'><first>a</first><last>sid-99</last></set></fin></iq>`,
    );
    expect(parseArchiveFin(done)).toEqual({ kind: 'fin', complete: true, last: 'sid-99', queryId: 'q-1' });
    const more = parseXml(`<iq type='result' id='iq-1'><fin xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'/></fin></iq>`);
    expect(parseArchiveFin(more)).toEqual({ kind: 'fin', complete: false, last: null, queryId: null });
    expect(parseArchiveFin(parseXml(`<iq type='error' id='x'/>`))).toEqual({ kind: 'error' });
    expect(parseArchiveFin(parseXml(`<iq type='result' id='x'/>`))).toEqual({ kind: 'invalid' });
    expect(parseArchiveFin(parseXml(`<message/>`))).toEqual({ kind: 'invalid' });
  });
});

import { describe, expect, it } from 'vitest';
import {
  buildChatMessage,
  buildGroupchatMessage,
  buildRetraction,
  LIVE_DELAY_WINDOW_MS,
  parseIncoming,
  type IncomingContext,
  type IncomingEvent,
  type IncomingMessage,
} from '../../electron/core/messaging/index.js';
import { createXmlParser, xml, type XmlElement } from '../../electron/core/xmpp/xml.js';

const ME = 'clerk@trust.nhs.uk';
const ROOM = 'ward7@conference.trust.nhs.uk';
const PEER = 'consultant@trust.nhs.uk';
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

const context: IncomingContext = {
  ownJid: `${ME}/ward7-pc`,
  trustedDomains: ['trust.nhs.uk'],
  joinedRooms: new Map([[ROOM, { nick: 'Clerk' }]]),
  archiveQueries: new Map([
    ['q-own', ME],
    ['q-room', ROOM],
  ]),
  now: () => NOW,
};

/** Parse one stanza as @xmpp/xml's stream parser would; tolerate XML errors (returns what was built). */
function parseXml(text: string): XmlElement | undefined {
  const parser = createXmlParser();
  let root: XmlElement | undefined;
  parser.on('start', (element) => (root = element));
  parser.on('element', (element) => root?.append(element));
  parser.on('error', () => undefined);
  try {
    parser.write(text);
  } catch {
    // The tokenizer can throw on some garbage; the connection treats that as a stream error.
  }
  return root;
}

function parse(text: string, ctx: IncomingContext = context): IncomingEvent {
  const stanza = parseXml(text);
  if (stanza === undefined) throw new Error(`test XML did not parse: ${text}`);
  return parseIncoming(stanza, ctx);
}

function expectMessage(event: IncomingEvent): IncomingMessage {
  if (event.kind !== 'message') throw new Error(`expected a message, got ${JSON.stringify(event)}`);
  return event;
}

const chat = (inner: string, attrs = `from='${PEER}/desk' to='${ME}/ward7-pc' type='chat' id='m-1'`): string =>
  `<message xmlns='jabber:client' ${attrs}>${inner}</message>`;

describe('live 1:1 messages', () => {
  it('reads body, ids, receipt request, markable and urgency', () => {
    const event = expectMessage(
      parse(
        chat(
          `<body>Please review bed 4</body>` +
            `<origin-id xmlns='urn:xmpp:sid:0' id='o-1'/>` +
            `<stanza-id xmlns='urn:xmpp:sid:0' by='${ME}' id='sid-1'/>` +
            `<request xmlns='urn:xmpp:receipts'/><markable xmlns='urn:xmpp:chat-markers:0'/>` +
            `<urgent xmlns='urn:wardline:urgency:0'/>`,
        ),
      ),
    );
    expect(event).toEqual({
      kind: 'message',
      source: 'live',
      direction: 'in',
      type: 'chat',
      from: `${PEER}/desk`,
      to: `${ME}/ward7-pc`,
      conversation: PEER,
      author: null,
      nick: null,
      messageId: 'm-1',
      originId: 'o-1',
      stanzaId: 'sid-1',
      body: 'Please review bed 4',
      truncated: false,
      urgency: 'urgent',
      receiptRequested: true,
      markable: true,
      patientIdentifier: false,
      sentAt: NOW,
      datedLocally: true,
      untrusted: false,
      archiveQueryId: null,
    });
  });

  it('defaults to normal urgency, no receipt, not markable', () => {
    const event = expectMessage(parse(chat('<body>hi</body>')));
    expect(event).toMatchObject({ urgency: 'normal', receiptRequested: false, markable: false, originId: null, stanzaId: null });
  });

  it('ignores an urgency element in another namespace', () => {
    const event = expectMessage(parse(chat(`<body>hi</body><urgent xmlns='urn:example:other'/>`)));
    expect(event.urgency).toBe('normal');
  });

  it('treats a normal-type message with a body as chat', () => {
    const event = expectMessage(parse(chat('<body>hi</body>', `from='${PEER}/desk' to='${ME}'`)));
    expect(event.type).toBe('chat');
  });

  it('normalises JIDs and keys the conversation by the bare JID', () => {
    const event = expectMessage(parse(chat('<body>hi</body>', `from='Consultant@TRUST.nhs.uk/Desk' type='chat'`)));
    expect(event).toMatchObject({ from: 'consultant@trust.nhs.uk/Desk', conversation: PEER });
  });

  it('flags the patient identifier when the body carries an NHS number', () => {
    expect(expectMessage(parse(chat('<body>re 943 476 5919</body>'))).patientIdentifier).toBe(true);
  });

  it('flags an NHS number split by invisible characters, and shows it without them (review finding A)', () => {
    for (const hidden of ['\u200B', '\u2060', '\u2061', '\u2062', '\u2063', '\u2064', '\u00AD', '\u180E', '\uFEFF', '\u200D', '\u200C', '\u{E0020}', '\u{E0035}', '\u{E007F}']) {
      const event = expectMessage(parse(chat(`<body>re 943${hidden}476${hidden}5919</body>`)));
      expect(event.body, JSON.stringify(hidden)).toBe('re 9434765919');
      expect(event.patientIdentifier, JSON.stringify(hidden)).toBe(true);
    }
  });

  it('flags senders outside the organisation as untrusted, without dropping them', () => {
    const outsider = expectMessage(parse(chat('<body>hello</body>', `from='someone@example.org/x' to='${ME}' type='chat'`)));
    expect(outsider).toMatchObject({ untrusted: true, conversation: 'someone@example.org' });
    const lookalike = expectMessage(parse(chat('<body>hi</body>', `from='a@eviltrust.nhs.uk' type='chat'`)));
    expect(lookalike.untrusted).toBe(true);
    const subdomain = expectMessage(parse(chat('<body>hi</body>', `from='a@pharmacy.trust.nhs.uk' type='chat'`)));
    expect(subdomain.untrusted).toBe(false);
    // Our own domain is trusted even if the list forgets it.
    const own = expectMessage(parse(chat('<body>hi</body>'), { ...context, trustedDomains: [] }));
    expect(own.untrusted).toBe(false);
  });

  it('ignores messages addressed to someone else', () => {
    expect(parse(chat('<body>hi</body>', `from='${PEER}' to='other@trust.nhs.uk' type='chat'`))).toEqual({
      kind: 'ignored',
      reason: 'not-addressed-to-us',
    });
  });
});

describe('stanza-id trust', () => {
  it('trusts a 1:1 stanza-id only when stamped by our own bare JID', () => {
    const byPeer = expectMessage(parse(chat(`<body>x</body><stanza-id xmlns='urn:xmpp:sid:0' by='${PEER}' id='forged'/>`)));
    expect(byPeer.stanzaId).toBeNull();
    const byOurFullJid = expectMessage(
      parse(chat(`<body>x</body><stanza-id xmlns='urn:xmpp:sid:0' by='${ME}/ward7-pc' id='forged'/>`)),
    );
    expect(byOurFullJid.stanzaId).toBeNull();
    const byUs = expectMessage(
      parse(
        chat(
          `<body>x</body><stanza-id xmlns='urn:xmpp:sid:0' by='${PEER}' id='theirs'/>` +
            `<stanza-id xmlns='urn:xmpp:sid:0' by='CLERK@trust.nhs.uk' id='ours'/>`,
        ),
      ),
    );
    expect(byUs.stanzaId).toBe('ours');
  });

  it('trusts no stanza-id when two claim to be from the same archive', () => {
    const event = expectMessage(
      parse(
        chat(
          `<body>x</body><stanza-id xmlns='urn:xmpp:sid:0' by='${ME}' id='a'/>` +
            `<stanza-id xmlns='urn:xmpp:sid:0' by='${ME}' id='b'/>`,
        ),
      ),
    );
    expect(event.stanzaId).toBeNull();
  });

  it('ignores over-long or control-laden ids', () => {
    const event = expectMessage(
      parse(
        chat(
          `<body>x</body><origin-id xmlns='urn:xmpp:sid:0' id='${'o'.repeat(300)}'/>` +
            `<stanza-id xmlns='urn:xmpp:sid:0' by='${ME}' id='a&#x202E;b'/>`,
        ),
      ),
    );
    expect(event).toMatchObject({ originId: null, stanzaId: null });
  });
});

const groupchat = (inner: string, from = `${ROOM}/Dr Patel`): string =>
  `<message xmlns='jabber:client' from='${from}' to='${ME}/ward7-pc' type='groupchat' id='g-1'>${inner}</message>`;

describe('room messages', () => {
  it('keys the conversation by the room and trusts only the room-stamped stanza-id', () => {
    const event = expectMessage(
      parse(
        groupchat(
          `<body>Handover at 8</body>` +
            `<stanza-id xmlns='urn:xmpp:sid:0' by='${ME}' id='not-the-room'/>` +
            `<stanza-id xmlns='urn:xmpp:sid:0' by='${ROOM}' id='room-sid-1'/>`,
        ),
      ),
    );
    expect(event).toMatchObject({
      type: 'groupchat',
      direction: 'in',
      conversation: ROOM,
      from: `${ROOM}/Dr Patel`,
      nick: 'Dr Patel',
      stanzaId: 'room-sid-1',
      receiptRequested: false,
    });
    const onlyOurs = expectMessage(parse(groupchat(`<body>x</body><stanza-id xmlns='urn:xmpp:sid:0' by='${ME}' id='s'/>`)));
    expect(onlyOurs.stanzaId).toBeNull();
  });

  it('recognises our own reflected message by nickname, exactly (another occupant may be "clerk")', () => {
    expect(expectMessage(parse(groupchat('<body>mine</body>', `${ROOM}/Clerk`))).direction).toBe('out');
    expect(expectMessage(parse(groupchat('<body>not mine</body>', `${ROOM}/clerk`))).direction).toBe('in');
  });

  it('ignores rooms we have not joined, room subjects and room system messages', () => {
    expect(parse(groupchat('<body>x</body>', 'other@conference.trust.nhs.uk/nick'))).toEqual({
      kind: 'ignored',
      reason: 'unjoined-room',
    });
    expect(parse(groupchat('<subject>Ward 7</subject>'))).toEqual({ kind: 'ignored', reason: 'room-subject' });
    expect(parse(groupchat('<body>This room is now non-anonymous</body>', ROOM))).toEqual({
      kind: 'ignored',
      reason: 'room-system-message',
    });
  });

  it('ignores private messages from room occupants; a room invitation is never stored as a message, whatever its body', () => {
    expect(parse(chat('<body>psst</body>', `from='${ROOM}/Dr Patel' to='${ME}' type='chat'`))).toEqual({
      kind: 'ignored',
      reason: 'muc-private-message',
    });
    expect(
      parse(
        chat(
          `<body>join us</body><x xmlns='jabber:x:conference' jid='other@conference.trust.nhs.uk'/>`,
          `from='${PEER}/desk' to='${ME}'`,
        ),
      ),
    ).toMatchObject({ kind: 'invitation', room: 'other@conference.trust.nhs.uk', inviter: PEER });
  });
});

const carbon = (direction: 'sent' | 'received', inner: string, outerFrom: string | null = ME): string =>
  `<message xmlns='jabber:client' ${outerFrom === null ? '' : `from='${outerFrom}'`} to='${ME}/ward7-pc' type='chat'>` +
  `<${direction} xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>${inner}</forwarded></${direction}>` +
  `</message>`;

describe('carbons (XEP-0280)', () => {
  const sentInner = `<message xmlns='jabber:client' from='${ME}/ward-office' to='${PEER}' type='chat' id='m-9'><body>On my way</body><origin-id xmlns='urn:xmpp:sid:0' id='m-9'/></message>`;
  const receivedInner = `<message xmlns='jabber:client' from='${PEER}/desk' to='${ME}/ward-office' type='chat' id='m-8'><body>Thanks</body></message>`;

  it('accepts a sent carbon from our bare JID as our own outgoing message', () => {
    const event = expectMessage(parse(carbon('sent', sentInner)));
    expect(event).toMatchObject({
      source: 'carbon',
      direction: 'out',
      conversation: PEER,
      originId: 'm-9',
      body: 'On my way',
    });
  });

  it('accepts a received carbon from our bare JID as incoming', () => {
    const event = expectMessage(parse(carbon('received', receivedInner)));
    expect(event).toMatchObject({ source: 'carbon', direction: 'in', conversation: PEER, body: 'Thanks' });
  });

  it('rejects a spoofed carbon from anyone else', () => {
    expect(parse(carbon('received', receivedInner, `${PEER}/desk`))).toEqual({
      kind: 'rejected',
      reason: 'spoofed-carbon',
      from: `${PEER}/desk`,
    });
    expect(parse(carbon('sent', sentInner, PEER))).toMatchObject({ kind: 'rejected', reason: 'spoofed-carbon' });
  });

  it('rejects a carbon with no from, from our full JID, or from our server', () => {
    expect(parse(carbon('sent', sentInner, null))).toEqual({ kind: 'rejected', reason: 'spoofed-carbon', from: null });
    expect(parse(carbon('sent', sentInner, `${ME}/other-pc`))).toMatchObject({ kind: 'rejected', reason: 'spoofed-carbon' });
    expect(parse(carbon('sent', sentInner, 'trust.nhs.uk'))).toMatchObject({ kind: 'rejected', reason: 'spoofed-carbon' });
  });

  it('rejects a genuine carbon whose inner message does not involve us as claimed', () => {
    const forgedSent = `<message xmlns='jabber:client' from='${PEER}/desk' to='someone@trust.nhs.uk' type='chat'><body>x</body></message>`;
    expect(parse(carbon('sent', forgedSent))).toMatchObject({ kind: 'rejected', reason: 'inconsistent-carbon' });
    const forgedReceived = `<message xmlns='jabber:client' from='${PEER}/desk' to='someone@trust.nhs.uk' type='chat'><body>x</body></message>`;
    expect(parse(carbon('received', forgedReceived))).toMatchObject({ kind: 'rejected', reason: 'inconsistent-carbon' });
  });

  it('rejects nested and double wrappers', () => {
    const nested = carbon('received', receivedInner).replace(/^<message xmlns='jabber:client'[^>]*>/, `<message xmlns='jabber:client' from='${ME}' to='${ME}'>`);
    expect(parse(carbon('received', nested))).toMatchObject({ kind: 'rejected', reason: 'nested-forward' });
    const both =
      `<message xmlns='jabber:client' from='${ME}'>` +
      `<sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>${sentInner}</forwarded></sent>` +
      `<received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>${receivedInner}</forwarded></received></message>`;
    expect(parse(both)).toMatchObject({ kind: 'rejected', reason: 'nested-forward' });
  });

  it('reads sent-carbon receipts and markers as ours, and ignores groupchat carbons', () => {
    const marker = `<message xmlns='jabber:client' from='${ME}/ward-office' to='${PEER}' type='chat'><displayed xmlns='urn:xmpp:chat-markers:0' id='m-8'/></message>`;
    expect(parse(carbon('sent', marker))).toMatchObject({ kind: 'displayed', direction: 'out', conversation: PEER, id: 'm-8' });
    const roomMessage = `<message xmlns='jabber:client' from='${ROOM}/x' to='${ME}' type='groupchat'><body>x</body></message>`;
    expect(parse(carbon('received', roomMessage))).toEqual({ kind: 'ignored', reason: 'groupchat-carbon' });
  });

  it('ignores a carbon without a forwarded message', () => {
    expect(parse(`<message from='${ME}'><sent xmlns='urn:xmpp:carbons:2'/></message>`)).toEqual({
      kind: 'ignored',
      reason: 'malformed-forward',
    });
  });
});

const mamResult = (
  inner: string,
  { from = ME as string | null, queryId = 'q-own', id = 'arch-1', stamp = '2026-11-24T09:30:00Z' } = {},
): string =>
  `<message xmlns='jabber:client' ${from === null ? '' : `from='${from}'`} to='${ME}/ward7-pc'>` +
  `<result xmlns='urn:xmpp:mam:2' queryid='${queryId}' id='${id}'><forwarded xmlns='urn:xmpp:forward:0'>` +
  `<delay xmlns='urn:xmpp:delay' stamp='${stamp}'/>${inner}</forwarded></result></message>`;

describe('archive results (XEP-0313)', () => {
  const archived = `<message xmlns='jabber:client' from='${PEER}/desk' to='${ME}/ward7-pc' type='chat' id='m-5'><body>Earlier</body><stanza-id xmlns='urn:xmpp:sid:0' by='${ME}' id='ignored-in-favour-of-result-id'/></message>`;

  it('accepts a result from our own archive, using the result id and the archive stamp', () => {
    const event = expectMessage(parse(mamResult(archived)));
    expect(event).toMatchObject({
      source: 'archive',
      direction: 'in',
      conversation: PEER,
      stanzaId: 'arch-1',
      archiveQueryId: 'q-own',
      sentAt: Date.UTC(2026, 10, 24, 9, 30, 0),
      body: 'Earlier',
    });
  });

  it('accepts our own archive with no from, and our sent messages as outgoing', () => {
    expect(expectMessage(parse(mamResult(archived, { from: null }))).stanzaId).toBe('arch-1');
    const ours = `<message xmlns='jabber:client' from='${ME}/other' to='${PEER}' type='chat'><body>Mine</body></message>`;
    expect(expectMessage(parse(mamResult(ours)))).toMatchObject({ direction: 'out', conversation: PEER });
  });

  it('rejects a result from another JID', () => {
    expect(parse(mamResult(archived, { from: `${PEER}` }))).toEqual({ kind: 'rejected', reason: 'spoofed-mam', from: PEER });
    expect(parse(mamResult(archived, { from: `${ME}/ward7-pc` }))).toMatchObject({ kind: 'rejected', reason: 'spoofed-mam' });
    expect(parse(mamResult(archived, { from: ROOM }))).toMatchObject({ kind: 'rejected', reason: 'spoofed-mam' });
  });

  it('rejects a result with a wrong or missing queryid', () => {
    expect(parse(mamResult(archived, { queryId: 'q-guessed' }))).toMatchObject({ kind: 'rejected', reason: 'spoofed-mam' });
    const noQueryId = mamResult(archived).replace(" queryid='q-own'", '');
    expect(parse(noQueryId)).toMatchObject({ kind: 'rejected', reason: 'spoofed-mam' });
    // A query id for the room's archive does not make our archive's results acceptable, or vice versa.
    expect(parse(mamResult(archived, { queryId: 'q-room' }))).toMatchObject({ kind: 'rejected', reason: 'spoofed-mam' });
  });

  it('accepts a room archive result from the room, and rejects what does not belong in it', () => {
    const roomMessage = `<message xmlns='jabber:client' from='${ROOM}/Dr Patel' type='groupchat'><body>Earlier in the room</body></message>`;
    const event = expectMessage(parse(mamResult(roomMessage, { from: ROOM, queryId: 'q-room', id: 'room-arch-7' })));
    expect(event).toMatchObject({ type: 'groupchat', conversation: ROOM, stanzaId: 'room-arch-7', source: 'archive' });

    expect(parse(mamResult(roomMessage, { from: null, queryId: 'q-room' }))).toMatchObject({
      kind: 'rejected',
      reason: 'spoofed-mam',
    });
    const otherRoom = `<message xmlns='jabber:client' from='other@conference.trust.nhs.uk/x' type='groupchat'><body>x</body></message>`;
    expect(parse(mamResult(otherRoom, { from: ROOM, queryId: 'q-room' }))).toMatchObject({
      kind: 'rejected',
      reason: 'inconsistent-archive',
    });
    expect(parse(mamResult(archived, { from: ROOM, queryId: 'q-room' }))).toMatchObject({
      kind: 'rejected',
      reason: 'inconsistent-archive',
    });
  });

  // Whoever held our nick while we were away: the room archived their real address with it.
  it("credits a room archive copy by the real address the room archived, not the nick", () => {
    const byAddress = (jid: string, nick = 'Clerk'): string =>
      `<message xmlns='jabber:client' from='${ROOM}/${nick}' type='groupchat'><body>Stop the heparin</body>` +
      `<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant' jid='${jid}'/></x></message>`;
    const fromRoom = { from: ROOM, queryId: 'q-room' };
    expect(expectMessage(parse(mamResult(byAddress('mallory@trust.nhs.uk/pc'), fromRoom))).direction).toBe('in');
    expect(expectMessage(parse(mamResult(byAddress(`${ME}/other-pc`), fromRoom))).direction).toBe('out');
    // Our address under another nick (we renamed) is still ours.
    expect(expectMessage(parse(mamResult(byAddress(ME, 'Ward clerk'), fromRoom))).direction).toBe('out');
    // The room appends its own item but leaves one the occupant wrote: two items are never believed,
    // even under our nick.
    const forgedItem = `<x xmlns='http://jabber.org/protocol/muc#user'><item jid='${ME}'/></x>`;
    const forged = byAddress('mallory@trust.nhs.uk').replace('<body>', `${forgedItem}<body>`);
    expect(expectMessage(parse(mamResult(forged, fromRoom))).direction).toBe('in');
    // A room that hides addresses archives none: the nick is all there is.
    const hidden = `<message xmlns='jabber:client' from='${ROOM}/Clerk' type='groupchat'><body>x</body></message>`;
    expect(expectMessage(parse(mamResult(hidden, fromRoom))).direction).toBe('out');
    // Live, the room guarantees the nick: nobody else holds ours while we are in.
    expect(expectMessage(parse(groupchat('<body>mine</body>', `${ROOM}/Clerk`))).direction).toBe('out');
  });

  // A partner organisation's room (joined and accepted) archives whatever address its server chooses.
  it("believes another organisation's room archive only about that organisation's own people", () => {
    const PARTNER = 'lounge@muc.partner.test';
    const ctx: IncomingContext = { ...context, joinedRooms: new Map([[PARTNER, { nick: 'Clerk' }]]), archiveQueries: new Map([['q-partner', PARTNER]]) };
    const byAddress = (jid: string, nick: string): string =>
      `<message xmlns='jabber:client' from='${PARTNER}/${nick}' type='groupchat'><body>Stop the heparin</body>` +
      `<x xmlns='http://jabber.org/protocol/muc#user'><item jid='${jid}'/></x></message>`;
    const fromPartner = { from: PARTNER, queryId: 'q-partner' };
    // Claimed to be our consultant: not credited to them; the nick is all there is.
    expect(expectMessage(parse(mamResult(byAddress(PEER, 'Dr B'), fromPartner), ctx))).toMatchObject({ direction: 'in', author: null, nick: 'Dr B' });
    expect(expectMessage(parse(mamResult(byAddress('x@elsewhere.test', 'Third'), fromPartner), ctx)).author).toBeNull();
    expect(expectMessage(parse(mamResult(byAddress('nurse@partner.test', 'Nurse'), fromPartner), ctx)).author).toBe('nurse@partner.test');
    // Our own messages there are still recognised as ours, by our nick.
    expect(expectMessage(parse(mamResult(byAddress(ME, 'Clerk'), fromPartner), ctx)).direction).toBe('out');
  });

  it("ignores a room occupant's private message, also from the personal archive before any room is joined", () => {
    const privateMessage = `<message xmlns='jabber:client' from='ward9@conference.trust.nhs.uk/mallory' to='${ME}' type='chat'><body>Signed, Dr Jane Smith</body><x xmlns='http://jabber.org/protocol/muc#user'/></message>`;
    expect(parse(mamResult(privateMessage))).toEqual({ kind: 'ignored', reason: 'muc-private-message' });
    expect(parse(privateMessage)).toEqual({ kind: 'ignored', reason: 'muc-private-message' });
  });

  it('ignores archived messages that are not ours, and results without an id', () => {
    const stranger = `<message xmlns='jabber:client' from='a@trust.nhs.uk' to='b@trust.nhs.uk' type='chat'><body>x</body></message>`;
    expect(parse(mamResult(stranger))).toEqual({ kind: 'ignored', reason: 'not-our-conversation' });
    expect(parse(mamResult(archived).replace(" id='arch-1'", ''))).toEqual({ kind: 'ignored', reason: 'malformed-forward' });
  });
});

// A refusal that reached our full JID while we were offline: Prosody keeps it in our archive.
describe('archived bounces', () => {
  const refusal = (attrs: string): string =>
    `<message xmlns='jabber:client' type='error' ${attrs}><body>Please review bed 4</body>` +
    `<error type='cancel'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`;
  const fromPeer = refusal(`from='${PEER}/desk' to='${ME}/ward7-pc' id='wl-1'`);

  it('reads one from our own archive as a bounce of our message (never its echoed text)', () => {
    const event = parse(mamResult(fromPeer));
    expect(event).toMatchObject({ kind: 'bounce', source: 'archive', conversation: PEER, from: `${PEER}/desk`, archiveQueryId: 'q-own' });
    if (event.kind !== 'bounce') throw new Error('expected a bounce');
    expect(event.bounce).toMatchObject({ id: 'wl-1', errorType: 'cancel', condition: 'not-acceptable' });
    expect(event.bounce.from.full).toBe(`${PEER}/desk`);
    expect(JSON.stringify(event)).not.toContain('bed 4');
  });

  it('keeps the archive rules: only for our query, from our archive, and addressed to us', () => {
    expect(parse(mamResult(fromPeer, { queryId: 'q-guessed' }))).toMatchObject({ kind: 'rejected', reason: 'spoofed-mam' });
    expect(parse(mamResult(fromPeer, { from: PEER }))).toMatchObject({ kind: 'rejected', reason: 'spoofed-mam' });
    // A room's archive keeps no refusals of our 1:1 messages.
    expect(parse(mamResult(fromPeer, { from: ROOM, queryId: 'q-room' }))).toEqual({ kind: 'ignored', reason: 'error-stanza' });
    // One we sent (or one between others) says nothing about our messages.
    expect(parse(mamResult(refusal(`from='${ME}/ward7-pc' to='${PEER}/desk' id='wl-1'`)))).toEqual({ kind: 'ignored', reason: 'error-stanza' });
    expect(parse(mamResult(refusal(`from='${PEER}/desk' id='wl-1'`)))).toEqual({ kind: 'ignored', reason: 'error-stanza' });
    // Without an id there is no message to fail.
    expect(parse(mamResult(refusal(`from='${PEER}/desk' to='${ME}/ward7-pc'`)))).toEqual({ kind: 'ignored', reason: 'error-stanza' });
  });

  it('still ignores error stanzas inside carbons', () => {
    const carbon = `<message xmlns='jabber:client' from='${ME}' to='${ME}/ward7-pc'><received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>${fromPeer}</forwarded></received></message>`;
    expect(parse(carbon)).toEqual({ kind: 'ignored', reason: 'error-stanza' });
  });
});

describe('sent time (XEP-0203)', () => {
  const delayed = (from: string, stamp: string): string =>
    chat(`<body>x</body><delay xmlns='urn:xmpp:delay' from='${from}' stamp='${stamp}'/>`);

  it('uses a recent stamp from our own server (a stream resumed after a drop)', () => {
    expect(expectMessage(parse(delayed('trust.nhs.uk', '2026-11-25T11:50:00.250Z'))).sentAt).toBe(NOW - 599_750);
    expect(expectMessage(parse(delayed('trust.nhs.uk', '2026-11-25T12:50:00+01:00'))).sentAt).toBe(NOW - 600_000);
  });

  // The server passes a sender's own <delay from='our domain'> (or the room's, in any letter
  // case) through: honoured without a bound it would file the message years back, in the thread
  // and in the record, or past retention where it is never stored at all.
  it(`a live stamp older than ${LIVE_DELAY_WINDOW_MS / 60_000} minutes gives way to the arrival time, whoever it names`, () => {
    expect(expectMessage(parse(delayed('trust.nhs.uk', '2001-01-01T00:00:00Z'))).sentAt).toBe(NOW);
    expect(expectMessage(parse(delayed('trust.nhs.uk', '2026-11-25T11:00:00Z'))).sentAt).toBe(NOW);
    const roomDelay = (from: string): string => groupchat(`<body>x</body><delay xmlns='urn:xmpp:delay' from='${from}' stamp='2001-01-01T00:00:00Z'/>`);
    expect(expectMessage(parse(roomDelay(ROOM))).sentAt).toBe(NOW);
    expect(expectMessage(parse(roomDelay(ROOM.toUpperCase()))).sentAt).toBe(NOW);
    // The archive's own stamp is still believed: that is when the server stored it.
    expect(expectMessage(parse(mamResult(`<message xmlns='jabber:client' from='${PEER}/desk' to='${ME}' type='chat'><body>x</body></message>`, { stamp: '2026-01-01T00:00:00Z' }))).sentAt).toBe(
      Date.UTC(2026, 0, 1),
    );
  });

  it('ignores a stamp the sender set, which could backdate a message', () => {
    expect(expectMessage(parse(delayed(PEER, '2020-01-01T00:00:00Z'))).sentAt).toBe(NOW);
    expect(expectMessage(parse(chat(`<body>x</body><delay xmlns='urn:xmpp:delay' stamp='2020-01-01T00:00:00Z'/>`))).sentAt).toBe(NOW);
  });

  it('falls back to now for impossible or garbled stamps, and clamps small clock skew', () => {
    expect(expectMessage(parse(delayed('trust.nhs.uk', '2099-01-01T00:00:00Z'))).sentAt).toBe(NOW);
    expect(expectMessage(parse(delayed('trust.nhs.uk', '1970-01-01T00:00:00Z'))).sentAt).toBe(NOW);
    expect(expectMessage(parse(delayed('trust.nhs.uk', 'yesterday'))).sentAt).toBe(NOW);
    expect(expectMessage(parse(delayed('trust.nhs.uk', '2026-11-25T12:02:00Z'))).sentAt).toBe(NOW);
  });

  it('uses a recent room stamp', () => {
    const event = expectMessage(
      parse(groupchat(`<body>x</body><delay xmlns='urn:xmpp:delay' from='${ROOM}' stamp='2026-11-25T11:55:00Z'/>`)),
    );
    expect(event.sentAt).toBe(NOW - 5 * 60_000);
  });

  // Dated by our own clock, which may have been set back: the store files it no earlier than the
  // conversation's newest message. Trusted stamps are the server's time and are filed as they are.
  it('says which messages it dated by our own clock', () => {
    expect(expectMessage(parse(chat('<body>x</body>'))).datedLocally).toBe(true);
    expect(expectMessage(parse(delayed(PEER, '2026-11-25T11:55:00Z'))).datedLocally).toBe(true);
    expect(expectMessage(parse(delayed('trust.nhs.uk', '2001-01-01T00:00:00Z'))).datedLocally).toBe(true);
    expect(expectMessage(parse(delayed('trust.nhs.uk', '2099-01-01T00:00:00Z'))).datedLocally).toBe(true);
    expect(expectMessage(parse(delayed('trust.nhs.uk', '2026-11-25T11:50:00Z'))).datedLocally).toBe(false);
    const archived = `<message xmlns='jabber:client' from='${PEER}/desk' to='${ME}' type='chat'><body>x</body></message>`;
    expect(expectMessage(parse(mamResult(archived, { stamp: '2026-01-01T00:00:00Z' }))).datedLocally).toBe(false);
  });
});

describe('receipts, markers, retractions', () => {
  it('reads a delivery receipt and a displayed marker', () => {
    expect(parse(chat(`<received xmlns='urn:xmpp:receipts' id='m-1'/>`))).toEqual({
      kind: 'receipt',
      source: 'live',
      direction: 'in',
      type: 'chat',
      from: `${PEER}/desk`,
      conversation: PEER,
      author: null,
      id: 'm-1',
    });
    expect(parse(chat(`<displayed xmlns='urn:xmpp:chat-markers:0' id='m-1'/>`))).toMatchObject({
      kind: 'displayed',
      conversation: PEER,
      id: 'm-1',
    });
    expect(parse(groupchat(`<displayed xmlns='urn:xmpp:chat-markers:0' id='room-sid-1'/>`))).toMatchObject({
      kind: 'displayed',
      type: 'groupchat',
      conversation: ROOM,
    });
    expect(parse(chat(`<received xmlns='urn:xmpp:receipts'/>`))).toEqual({ kind: 'ignored', reason: 'malformed-id' });
  });

  it('reads a retraction (not its fallback body) as a retraction', () => {
    const stanza = buildRetraction({ to: ME, type: 'chat', id: 'r-1', targetId: 'm-1' });
    stanza.attrs['from'] = `${PEER}/desk`;
    expect(parseIncoming(stanza, context)).toEqual({
      kind: 'retraction',
      source: 'live',
      direction: 'in',
      type: 'chat',
      from: `${PEER}/desk`,
      conversation: PEER,
      author: null,
      targetId: 'm-1',
      transcribedBy: null,
    });
  });

  it('reads a removal after transcription, with the remover\'s name made safe for one line', () => {
    const at = Date.UTC(2026, 10, 25, 9, 30);
    const stanza = buildRetraction({ to: ME, type: 'chat', id: 'r-2', targetId: 'm-2', transcribed: { byName: 'Dr Asha\u202E Patel\n(Cons)', at } });
    expect(stanza.getChildText('body')).toBe('This message was removed after transcription into the patient record by Dr Asha\u202E Patel\n(Cons).');
    stanza.attrs['from'] = `${PEER}/desk`;
    expect(parseIncoming(stanza, context)).toMatchObject({ kind: 'retraction', targetId: 'm-2', transcribedBy: 'Dr Asha Patel (Cons)' });
  });
});

describe('round trip with our own builders', () => {
  it('a message we build parses back with urgency, ids and markers intact', () => {
    const stanza = buildChatMessage({ to: ME, id: 'o-77', body: 'Urgent: bay 3', urgency: 'urgent' });
    stanza.attrs['from'] = `${PEER}/desk`;
    expect(expectMessage(parseIncoming(stanza, context))).toMatchObject({
      messageId: 'o-77',
      originId: 'o-77',
      urgency: 'urgent',
      receiptRequested: true,
      markable: true,
      body: 'Urgent: bay 3',
    });
    const room = buildGroupchatMessage({ to: ROOM, id: 'o-78', body: 'hi' });
    room.attrs['from'] = `${ROOM}/Clerk`;
    expect(expectMessage(parseIncoming(room, context))).toMatchObject({ direction: 'out', originId: 'o-78' });
  });
});

describe('hostile bodies', () => {
  it('neutralises bidi overrides and C1 controls in received bodies', () => {
    // XML itself forbids C0 controls (the parser refuses them); C1 controls are legal XML.
    const event = expectMessage(parse(chat('<body>Give &#x202E;05&#x202C; mg&#x9B;&#x85;now</body>')));
    expect(event.body).toBe('Give 05 mg\nnow');
  });

  it('removes C0 controls from stanzas built in memory', () => {
    const stanza = xml('message', { from: `${PEER}/desk`, type: 'chat' }, xml('body', {}, 'a\u0000b\u0007c\u001bd'));
    expect(expectMessage(parseIncoming(stanza, context)).body).toBe('abcd');
  });

  it('keeps script as literal text', () => {
    const event = expectMessage(parse(chat('<body>&lt;script&gt;alert(1)&lt;/script&gt;</body>')));
    expect(event.body).toBe('<script>alert(1)</script>');
  });

  it('truncates a 12,000-character body with a marker', () => {
    const event = expectMessage(parse(chat(`<body>${'y'.repeat(12_000)}</body>`)));
    expect(event.truncated).toBe(true);
    expect(event.body.endsWith('… [message truncated by Wardline: 2,000 characters removed]')).toBe(true);
  });

  it('honours a policy body limit', () => {
    const event = expectMessage(parse(chat('<body>abcdef</body>'), { ...context, bodyLimit: 3 }));
    expect(event).toMatchObject({ truncated: true });
    expect(event.body.startsWith('abc…')).toBe(true);
  });

  it('uses the unlabelled body when several are present, and ignores markup inside it', () => {
    const event = expectMessage(
      parse(chat(`<body xml:lang='fr'>Bonjour</body><body>Hello <b>there</b>friend</body>`)),
    );
    expect(event.body).toBe('Hello friend');
  });

  it('ignores a body that is empty once neutralised', () => {
    expect(parse(chat('<body>&#x202E;&#x200F;  </body>'))).toEqual({ kind: 'ignored', reason: 'empty-body' });
  });

  it('an empty unlabelled body does not hide the text of a labelled one, nor a receipt beside it (review finding)', () => {
    expect(expectMessage(parse(chat(`<body/><body xml:lang='en'>Bed 5 ready</body>`))).body).toBe('Bed 5 ready');
    expect(parse(chat(`<body/><received xmlns='urn:xmpp:receipts' id='wl-1'/>`))).toMatchObject({ kind: 'receipt', id: 'wl-1' });
  });
});

describe('ignored stanzas', () => {
  it.each([
    ['an error stanza', chat('<error type="cancel"/>', `from='${PEER}' type='error'`), 'error-stanza'],
    ['a headline', chat('<body>news</body>', `from='trust.nhs.uk' type='headline'`), 'headline'],
    ['a normal message without body', chat('<x xmlns="urn:example"/>', `from='${PEER}'`), 'no-content'],
    ['chat states only', chat(`<composing xmlns='http://jabber.org/protocol/chatstates'/>`), 'chat-state'],
    ['an unknown type', chat('<body>x</body>', `from='${PEER}' type='weird'`), 'unsupported-type'],
    ['a missing from', chat('<body>x</body>', `to='${ME}' type='chat'`), 'missing-from'],
    ['an invalid from', chat('<body>x</body>', `from='a@@b' type='chat'`), 'invalid-jid'],
    ['an invalid to', chat('<body>x</body>', `from='${PEER}' to='@' type='chat'`), 'invalid-jid'],
    ['not a message', `<presence from='${PEER}'/>`, 'not-a-message'],
    ['a message in another namespace', `<message xmlns='urn:evil' from='${PEER}'><body>x</body></message>`, 'not-a-message'],
  ])('ignores %s', (_label, text, reason) => {
    expect(parse(text)).toEqual({ kind: 'ignored', reason });
  });

  it('ignores unknown payloads next to a body', () => {
    const event = expectMessage(parse(chat(`<body>x</body><foo xmlns='urn:unknown'><bar/></foo>`)));
    expect(event.body).toBe('x');
  });
});

describe('malformed input never throws', () => {
  const fragments = [
    `<message/>`,
    `<message from=''/>`,
    `<message from='${PEER}' type='chat'><body>unclosed</message>`,
    `<message from='${PEER}' type='chat'><body><body><body>deep</body></body></body></message>`,
    `<message from='${ME}'><sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'><message/></forwarded></sent></message>`,
    `<message from='${ME}'><received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>text only</forwarded></received></message>`,
    `<message><result xmlns='urn:xmpp:mam:2' queryid='q-own' id='x'><forwarded xmlns='urn:xmpp:forward:0'><message><message/></message></forwarded></result></message>`,
    `<message from='${PEER}' __proto__='x' constructor='y' type='chat'><body>x</body></message>`,
    `<p:message xmlns:p='jabber:client' from='${PEER}' type='chat'><p:body>prefixed</p:body></p:message>`,
    `<message from='${PEER}' type='chat'><retract xmlns='urn:xmpp:message-retract:1'/></message>`,
    `<message from='${ME}' type='chat'><sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'><message from='${ME}' type='chat'><body>no to</body></message></forwarded></sent></message>`,
    `<message from='${PEER}' type='chat'><body>&#0;&#xD800;</body></message>`,
    `<message from='${PEER}' type='groupchat'>`,
  ];

  fragments.push(`<message from='${PEER}/${'r'.repeat(5000)}' type='chat'><body>x</body></message>`);

  it.each(fragments.map((text, index) => [index, text] as const))('fragment %i', (_index, text) => {
    const stanza = parseXml(text);
    if (stanza === undefined) return;
    const event = parseIncoming(stanza, context);
    expect(['message', 'receipt', 'displayed', 'retraction', 'ignored', 'rejected']).toContain(event.kind);
  });

  it('survives random trees built from real vocabulary (seeded)', () => {
    let state = 42;
    const random = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const names = ['message', 'body', 'sent', 'received', 'forwarded', 'result', 'stanza-id', 'origin-id', 'delay', 'retract', 'displayed', 'x', 'subject'];
    const namespaces = [undefined, 'jabber:client', 'urn:xmpp:carbons:2', 'urn:xmpp:forward:0', 'urn:xmpp:mam:2', 'urn:xmpp:sid:0', 'urn:xmpp:delay', 'urn:xmpp:receipts', 'urn:xmpp:chat-markers:0', 'urn:xmpp:message-retract:1'];
    const values = [ME, `${ME}/r`, PEER, ROOM, `${ROOM}/Clerk`, '', '@', 'q-own', 'q-room', 'chat', 'groupchat', 'error', '2026-11-25T10:00:00Z', 'x'.repeat(300)];
    const attrNames = ['from', 'to', 'type', 'id', 'by', 'queryid', 'stamp', 'xmlns'];
    const build = (depth: number): XmlElement => {
      const attrs: Record<string, string | undefined> = {};
      for (let i = 0; i < 3; i += 1) if (random() < 0.5) attrs[pick(attrNames)] = pick(values);
      const ns = pick(namespaces);
      if (ns !== undefined) attrs['xmlns'] = ns;
      const children: (XmlElement | string)[] = [];
      if (depth < 5) for (let i = Math.floor(random() * 4); i > 0; i -= 1) children.push(random() < 0.2 ? 'text\u202E' : build(depth + 1));
      return xml(depth === 0 ? 'message' : pick(names), attrs, ...children);
    };
    const kinds = new Set<string>();
    for (let i = 0; i < 3_000; i += 1) kinds.add(parseIncoming(build(0), context).kind);
    expect([...kinds].every((kind) => ['message', 'receipt', 'displayed', 'retraction', 'ignored', 'rejected'].includes(kind))).toBe(true);
  });

  it('throws only for an invalid context (a programming error)', () => {
    const stanza = parseXml(chat('<body>x</body>'));
    if (stanza === undefined) throw new Error('unreachable');
    expect(() => parseIncoming(stanza, { ...context, ownJid: 'not a jid' })).toThrow(RangeError);
  });
});

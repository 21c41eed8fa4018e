// Team-room invitations: what Wardline sends when it adds someone to a room (an address, nothing a
// person wrote), which invitations it believes (only the organisation's people, to the
// organisation's rooms), and when it acts on one (members-only rooms, never one the person left
// since, never an old archived one on a workstation that already knew the person's rooms).
import { describe, expect, it } from 'vitest';
import { MAX_WAITING_INVITATIONS, MAX_WAITING_PER_INVITER, RoomInvitations, type RoomInfo } from '../../electron/core/chat/roomInvitations.js';
import { buildDirectInvitation, parseIncoming, type IncomingContext, type IncomingEvent, type IncomingInvitation } from '../../electron/core/messaging/index.js';
import type { TeamRoom } from '../../electron/core/store/index.js';
import { createXmlParser, type XmlElement } from '../../electron/core/xmpp/xml.js';

const ME = 'consultant@trust.nhs.uk';
const CLERK = 'clerk@trust.nhs.uk';
const ROOM = 'ward7@conference.trust.nhs.uk';
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

const context: IncomingContext = {
  ownJid: `${ME}/ward7-pc`,
  trustedDomains: ['trust.nhs.uk', 'partner.nhs.uk'],
  joinedRooms: new Map(),
  archiveQueries: new Map([['q-own', ME]]),
  now: () => NOW,
};

function parseXml(text: string): XmlElement {
  const parser = createXmlParser();
  let root: XmlElement | undefined;
  parser.on('start', (element) => (root = element));
  parser.on('element', (element) => root?.append(element));
  parser.write(text);
  if (root === undefined) throw new Error(`test XML did not parse: ${text}`);
  return root;
}

const parse = (text: string): IncomingEvent => parseIncoming(parseXml(text), context);
const message = (inner: string, attrs = `from='${CLERK}/desk' to='${ME}'`): string => `<message xmlns='jabber:client' ${attrs}>${inner}</message>`;
const direct = (jid: string): string => `<x xmlns='jabber:x:conference' jid='${jid}'/>`;

describe('the invitation Wardline sends', () => {
  it('names the room and nothing else (no reason, no room name, no body, no password), and asks to be archived for someone signed out', () => {
    const stanza = buildDirectInvitation({ to: ME, room: ROOM, id: 'wl-invite-1' });
    expect(stanza.toString()).toBe(`<message to="${ME}" id="wl-invite-1"><x xmlns="jabber:x:conference" jid="${ROOM}"/><store xmlns="urn:xmpp:hints"/></message>`);
  });

  it('is read back by a Wardline as an invitation from its sender to that room', () => {
    const sent = buildDirectInvitation({ to: ME, room: ROOM, id: 'wl-invite-1' });
    sent.attrs['from'] = `${CLERK}/desk`;
    sent.attrs['xmlns'] = 'jabber:client';
    expect(parse(sent.toString())).toEqual({
      kind: 'invitation',
      source: 'live',
      direction: 'in',
      type: 'chat',
      from: `${CLERK}/desk`,
      conversation: CLERK,
      author: null,
      room: ROOM,
      inviter: CLERK,
      sentAt: NOW,
    });
  });
});

describe('invitations received', () => {
  it('reads a mediated invitation (from the room, naming the inviter) as Prosody relays it, body and all', () => {
    const relayed = message(
      `<x xmlns='http://jabber.org/protocol/muc#user'><invite from='${CLERK}/desk'><reason>about bed 4</reason></invite></x>` +
        `${direct(ROOM)}<body>${CLERK} invited you to the room ${ROOM}</body>`,
      `from='${ROOM}' to='${ME}'`,
    );
    expect(parse(relayed)).toMatchObject({ kind: 'invitation', room: ROOM, inviter: CLERK, conversation: ROOM });
  });

  it('refuses, as security events naming only the sender, invitations from outside the organisation or to a room outside it', () => {
    expect(parse(message(direct(ROOM), `from='someone@elsewhere.example/x' to='${ME}'`))).toEqual({
      kind: 'rejected',
      reason: 'untrusted-invitation',
      from: 'someone@elsewhere.example/x',
    });
    expect(parse(message(direct('spam@conference.elsewhere.example')))).toMatchObject({ kind: 'rejected', reason: 'untrusted-invitation' });
    // A look-alike domain is not a subdomain.
    expect(parse(message(direct('ward7@conference.trust.nhs.uk.evil.example')))).toMatchObject({ kind: 'rejected', reason: 'untrusted-invitation' });
    // A mediated invitation from an outside room, naming one of ours as the inviter.
    expect(parse(message(`<x xmlns='http://jabber.org/protocol/muc#user'><invite from='${CLERK}'/></x>`, `from='room@conference.elsewhere.example' to='${ME}'`))).toMatchObject({
      kind: 'rejected',
      reason: 'untrusted-invitation',
    });
    // An allowed partner domain counts as the organisation's.
    expect(parse(message(direct('theatre@conference.partner.nhs.uk')))).toMatchObject({ kind: 'invitation', room: 'theatre@conference.partner.nhs.uk' });
  });

  it('ignores malformed ones: no address, not a room address, two rooms, a wrong namespace, huge attributes', () => {
    const malformed = { kind: 'ignored', reason: 'malformed-invitation' };
    expect(parse(message(`<x xmlns='jabber:x:conference'/>`))).toEqual(malformed);
    expect(parse(message(direct('')))).toEqual(malformed);
    expect(parse(message(direct(`${ROOM}/Dr Patel`)))).toEqual(malformed);
    expect(parse(message(direct('conference.trust.nhs.uk')))).toEqual(malformed);
    expect(parse(message(direct('bad room@conference.trust.nhs.uk')))).toEqual(malformed);
    expect(parse(message(direct(ROOM) + direct('other@conference.trust.nhs.uk')))).toEqual(malformed);
    expect(parse(message(direct(`${'a'.repeat(100_000)}@conference.trust.nhs.uk`)))).toEqual(malformed);
    // Mediated: from a room occupant rather than the room, or with no inviter, or naming another room beside it.
    expect(parse(message(`<x xmlns='http://jabber.org/protocol/muc#user'><invite from='${CLERK}'/></x>`, `from='${ROOM}/Clerk' to='${ME}'`))).toEqual(malformed);
    expect(parse(message(`<x xmlns='http://jabber.org/protocol/muc#user'><invite/></x>`, `from='${ROOM}' to='${ME}'`))).toEqual(malformed);
    expect(
      parse(message(`<x xmlns='http://jabber.org/protocol/muc#user'><invite from='${CLERK}'/></x>${direct('other@conference.trust.nhs.uk')}`, `from='${ROOM}' to='${ME}'`)),
    ).toEqual(malformed);
    // Another namespace is no invitation at all: an ordinary (empty) message.
    expect(parse(message(`<x xmlns='jabber:x:conferencex' jid='${ROOM}'/>`))).toEqual({ kind: 'ignored', reason: 'no-content' });
  });

  it('ignores our own invitations (a sent carbon) and spoofed carbons of one', () => {
    const sentCarbon = (outerFrom: string): string =>
      `<message xmlns='jabber:client' from='${outerFrom}' to='${ME}/ward7-pc'><sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>` +
      message(direct(ROOM), `from='${ME}/office' to='${CLERK}'`) +
      `</forwarded></sent></message>`;
    expect(parse(sentCarbon(ME))).toEqual({ kind: 'ignored', reason: 'room-invite' });
    expect(parse(sentCarbon(CLERK))).toMatchObject({ kind: 'rejected', reason: 'spoofed-carbon' });
  });

  it('dates an archived invitation by the archive, so it can be compared with when the person left', () => {
    const archived =
      `<message xmlns='jabber:client' to='${ME}/ward7-pc'><result xmlns='urn:xmpp:mam:2' queryid='q-own' id='a-1'><forwarded xmlns='urn:xmpp:forward:0'>` +
      `<delay xmlns='urn:xmpp:delay' stamp='2026-11-24T09:30:00Z'/>${message(direct(ROOM))}</forwarded></result></message>`;
    expect(parse(archived)).toMatchObject({ kind: 'invitation', source: 'archive', room: ROOM, sentAt: Date.UTC(2026, 10, 24, 9, 30) });
  });
});

function acting(options: { rooms?: TeamRoom[]; info?: RoomInfo | null; since?: string | null; inRoom?: boolean } = {}) {
  const settings = new Map<string, string>();
  if (options.since !== undefined && options.since !== null) settings.set('rooms.invitationsSince', options.since);
  const joined: { room: string; name: string }[] = [];
  const lines: string[] = [];
  const invitations = new RoomInvitations({
    store: {
      getSetting: async (key) => settings.get(key) ?? null,
      setSetting: async (key, value) => void settings.set(key, value),
      teamRooms: async () => options.rooms ?? [],
    },
    setUpFinished: () => true,
    inRoom: () => options.inRoom ?? false,
    describe: async () => (options.info === undefined ? { membersOnly: true, name: 'Ward 7 nursing' } : options.info),
    join: async (room, name) => void joined.push({ room, name }),
    log: (line) => lines.push(line),
  });
  const receive = async (invitation: Partial<IncomingInvitation> = {}): Promise<void> => {
    invitations.received({ kind: 'invitation', source: 'live', direction: 'in', type: 'chat', from: `${CLERK}/desk`, conversation: CLERK, author: null, room: ROOM, inviter: CLERK, sentAt: NOW, ...invitation });
    await invitations.idle();
  };
  return { invitations, receive, joined, lines, settings };
}

describe('acting on an invitation', () => {
  it('joins a members-only room under the name the room gives itself, and logs who invited whom to where, nothing else', async () => {
    const h = acting();
    await h.receive();
    expect(h.joined).toEqual([{ room: ROOM, name: 'Ward 7 nursing' }]);
    expect(h.lines).toEqual([`chat invitation room=${ROOM} from=${CLERK} source=live outcome=joined`]);
  });

  it('never joins an open room (an insider cannot pull people into one), nor one that does not exist', async () => {
    const open = acting({ info: { membersOnly: false, name: 'Coffee' } });
    await open.receive();
    const missing = acting({ info: null });
    await missing.receive();
    expect([...open.joined, ...missing.joined]).toEqual([]);
    expect(open.lines[0]).toMatch(/outcome=open-room$/);
    expect(missing.lines[0]).toMatch(/outcome=no-such-room$/);
  });

  it('a room that will not let the person in (not a member after all) is logged with the server’s reason', async () => {
    const lines: string[] = [];
    const invitations = new RoomInvitations({
      store: { getSetting: async () => '0', setSetting: async () => undefined, teamRooms: async () => [] },
      setUpFinished: () => true,
      inRoom: () => false,
      describe: async () => ({ membersOnly: true, name: null }),
      join: async () => {
        throw Object.assign(new Error('This room lets in only its members'), { condition: 'registration-required' });
      },
      log: (line) => lines.push(line),
    });
    invitations.received({ kind: 'invitation', source: 'live', direction: 'in', type: 'chat', from: CLERK, conversation: CLERK, author: null, room: ROOM, inviter: CLERK, sentAt: NOW });
    await invitations.idle();
    expect(lines).toEqual([`chat invitation-failed room=${ROOM} from=${CLERK} error=registration-required`]);
  });

  it('lets at most 100 rooms’ invitations wait at once, and at most half of them one inviter’s: a flood from one account is cut, said once naming it, and a colleague’s invitation still counts', async () => {
    const lines: string[] = [];
    const described: string[] = [];
    let setUp = false;
    const invitations = new RoomInvitations({
      store: { getSetting: async () => '0', setSetting: async () => undefined, teamRooms: async () => [] },
      setUpFinished: () => setUp,
      inRoom: () => false,
      describe: async (room) => (described.push(room), null),
      join: async () => undefined,
      log: (line) => lines.push(line),
    });
    const invite = (i: number, inviter = CLERK): void =>
      invitations.received({ kind: 'invitation', source: 'archive', direction: 'in', type: 'chat', from: inviter, conversation: inviter, author: null, room: `r${i}@conference.trust.nhs.uk`, inviter, sentAt: NOW });
    // Arriving while the set-up runs: they wait.
    for (let i = 0; i < 5_000; i += 1) invite(i);
    // A newer invitation to a room already waiting still replaces it (not counted twice).
    invite(7);
    // A colleague's real one, after the flood.
    invite(6_000, 'sister@trust.nhs.uk');
    setUp = true;
    await invitations.setUpFinished();
    expect(described).toHaveLength(MAX_WAITING_PER_INVITER + 1);
    expect(described).toContain('r6000@conference.trust.nhs.uk');
    expect(lines.filter((line) => line.startsWith('chat invitations-dropped'))).toEqual([`chat invitations-dropped waiting=${MAX_WAITING_PER_INVITER} from-inviter=${MAX_WAITING_PER_INVITER} from=${CLERK}`]);
    // Many accounts at once: the total is still capped.
    setUp = false;
    described.length = 0;
    for (let i = 0; i < 5_000; i += 1) invite(10_000 + i, `p${i}@trust.nhs.uk`);
    setUp = true;
    await invitations.setUpFinished();
    expect(described).toHaveLength(MAX_WAITING_INVITATIONS);
    invitations.sessionStarted();
    invite(9_999);
    await invitations.idle();
    expect(described.at(-1)).toBe('r9999@conference.trust.nhs.uk');
  });

  it('changes nothing for a room already joined (a carbon, the archive copy of a live one)', async () => {
    const h = acting({ inRoom: true });
    await h.receive({ source: 'carbon' });
    expect(h.joined).toEqual([]);
    expect(h.lines[0]).toMatch(/outcome=already-in$/);
  });

  it('does not bring back a room the person left after the invitation, however often it is replayed; a newer invitation does', async () => {
    const left: TeamRoom = { conversationId: 4, jid: ROOM, left: true, leftAt: NOW };
    const h = acting({ rooms: [left], since: '0' });
    await h.receive({ source: 'archive', sentAt: NOW - 60_000 });
    await h.receive({ source: 'live', sentAt: NOW });
    expect(h.joined).toEqual([]);
    expect(h.lines.every((line) => line.endsWith('outcome=left-since'))).toBe(true);
    await h.receive({ source: 'live', sentAt: NOW + 1 });
    expect(h.joined).toHaveLength(1);
  });

  it('ignores archived invitations from before the profile first signed in, when the person already had a room list', async () => {
    const h = acting();
    await h.invitations.signedIn(NOW, true);
    await h.receive({ source: 'archive', sentAt: NOW - 1 });
    expect(h.joined).toEqual([]);
    expect(h.lines[0]).toMatch(/outcome=before-this-workstation$/);
    // Later sign-ins keep the first one's time; an invitation archived since then counts.
    await h.invitations.signedIn(NOW + 10_000, true);
    await h.receive({ source: 'archive', sentAt: NOW + 5_000 });
    expect(h.joined).toHaveLength(1);
  });

  it('a new starter (no room list at all at first sign-in) gets rooms they were added to before it', async () => {
    const h = acting();
    await h.invitations.signedIn(NOW, false);
    await h.receive({ source: 'archive', sentAt: NOW - 86_400_000 });
    expect(h.joined).toHaveLength(1);
  });

  it('counts no archived invitation before the first sign-in has recorded its time', async () => {
    const h = acting();
    await h.receive({ source: 'archive', sentAt: NOW });
    expect(h.joined).toEqual([]);
  });

  it('waits for the session to finish setting up, then acts on the newest invitation per room once', async () => {
    let ready = false;
    const joined: string[] = [];
    const invitations = new RoomInvitations({
      store: { getSetting: async () => '0', setSetting: async () => undefined, teamRooms: async () => [] },
      setUpFinished: () => ready,
      inRoom: (room) => joined.includes(room),
      describe: async () => ({ membersOnly: true, name: null }),
      join: async (room) => void joined.push(room),
      log: () => undefined,
    });
    const invite = { kind: 'invitation', source: 'archive', direction: 'in', type: 'chat', from: CLERK, conversation: CLERK, author: null, room: ROOM, inviter: CLERK } as const;
    invitations.received({ ...invite, sentAt: NOW });
    invitations.received({ ...invite, sentAt: NOW + 1 });
    await invitations.idle();
    expect(joined).toEqual([]);
    ready = true;
    await invitations.setUpFinished();
    expect(joined).toEqual([ROOM]);
  });
});

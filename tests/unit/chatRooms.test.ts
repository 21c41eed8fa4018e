// Rooms against servers that differ (found by tests/integration/ejabberd.test.ts): the room
// configuration uses the archiving field the server's form offers, and a bookmark publish whose
// options are refused falls back to configuring the PEP node, never to a node readable by others.
import { describe, expect, it } from 'vitest';
import { Rooms } from '../../electron/core/chat/rooms.js';
import { xml, XmppError, type XmlElement } from '../../electron/core/xmpp/index.js';

const ROOM = 'ward7@conference.trust.test';
const MUC_USER = 'http://jabber.org/protocol/muc#user';

type Answer = XmlElement | XmppError;

/** Rooms over a scripted server: each iq gets the next answer; every request is recorded. */
function harness(answers: Answer[]) {
  const iqs: XmlElement[] = [];
  const sent: XmlElement[] = [];
  const logs: string[] = [];
  const rooms = new Rooms({
    iq: async (request) => {
      iqs.push(request);
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`unexpected iq: ${request.toString()}`);
      if (answer instanceof XmppError) throw answer;
      return answer;
    },
    send: async (stanza) => {
      sent.push(stanza);
    },
    log: (line) => logs.push(line),
    nick: 'alice',
    trustedDomains: ['trust.test'],
  });
  return { rooms, iqs, sent, logs };
}

const result = (): XmlElement => xml('iq', { type: 'result' });
const iqError = (condition: string): XmppError => new XmppError('iq', `The iq failed: ${condition}`, { condition });

/** The field vars and values of the first data form under `element`, in order. */
function formOf(element: XmlElement | undefined): [string, string][] {
  const x = element?.getChildren('x').find((child) => child.attrs['xmlns'] === 'jabber:x:data');
  return (x?.getChildren('field') ?? []).map((field) => [String(field.attrs['var']), field.getChildText('value') ?? '']);
}

function roomConfigForm(...vars: string[]): XmlElement {
  return xml(
    'iq',
    { type: 'result' },
    xml('query', { xmlns: 'http://jabber.org/protocol/muc#owner' }, xml('x', { xmlns: 'jabber:x:data', type: 'form' }, ...vars.map((v) => xml('field', { var: v })))),
  );
}

/** Joins ROOM as its creator: answers the join presence with status 110 + 201 (room created). */
async function createRoom(h: ReturnType<typeof harness>): Promise<void> {
  const joined = h.rooms.join(ROOM, 'Ward 7 nursing');
  await new Promise((resolve) => setImmediate(resolve));
  expect(h.sent[0]?.attrs['to']).toBe(`${ROOM}/alice`);
  h.rooms.handlePresence(
    xml('presence', { from: `${ROOM}/alice` }, xml('x', { xmlns: MUC_USER }, xml('item', { affiliation: 'owner', role: 'moderator' }), xml('status', { code: '110' }), xml('status', { code: '201' }))),
  );
  await expect(joined).resolves.toEqual({ created: true });
}

describe('Rooms: configuring a new room', () => {
  const common = ['FORM_TYPE', 'muc#roomconfig_roomname', 'muc#roomconfig_membersonly', 'muc#roomconfig_moderatedroom', 'muc#roomconfig_persistentroom', 'muc#roomconfig_whois', 'muc#roomconfig_publicroom'];

  it.each([
    ['Prosody', 'muc#roomconfig_enablearchiving'],
    ['ejabberd', 'mam'],
  ])('uses the archiving field %s offers (%s), and nothing the form lacks', async (_server, archiving) => {
    const h = harness([roomConfigForm(...common, archiving), result()]);
    await createRoom(h);
    expect(h.iqs[0]?.attrs['type']).toBe('get');
    const submitted = formOf(h.iqs[1]?.getChild('query', 'http://jabber.org/protocol/muc#owner'));
    expect(submitted.map(([key]) => key).sort()).toEqual([...common, archiving].sort());
    expect(submitted).toContainEqual([archiving, '1']);
    expect(submitted).toContainEqual(['muc#roomconfig_membersonly', '1']);
    expect(h.logs).toEqual([]);
  });

  it('without an archiving field in the form, still configures the room members-only, and says archiving could not be set', async () => {
    const h = harness([roomConfigForm(...common), result()]);
    await createRoom(h);
    const submitted = formOf(h.iqs[1]?.getChild('query', 'http://jabber.org/protocol/muc#owner'));
    expect(submitted.map(([key]) => key).sort()).toEqual([...common].sort());
    expect(h.logs).toEqual([`chat room-archiving-unconfigurable room=${ROOM}`]);
  });
});

describe('Rooms: bookmarks (XEP-0402)', () => {
  const full = [
    ['FORM_TYPE', 'http://jabber.org/protocol/pubsub#publish-options'],
    ['pubsub#persist_items', 'true'],
    ['pubsub#max_items', 'max'],
    ['pubsub#send_last_published_item', 'never'],
    ['pubsub#access_model', 'whitelist'],
  ];
  const nodeConfig = [['FORM_TYPE', 'http://jabber.org/protocol/pubsub#node_config'], ...full.slice(1)];
  const publishOptions = (iq: XmlElement | undefined) => formOf(iq?.getChild('pubsub')?.getChild('publish-options'));

  it('publishes once with the XEP-0402 options when the server takes them', async () => {
    const h = harness([result()]);
    await h.rooms.bookmark(ROOM, 'Ward 7 nursing');
    expect(h.iqs).toHaveLength(1);
    expect(publishOptions(h.iqs[0])).toEqual(full);
    expect(h.rooms.bookmarks.get(ROOM)).toEqual({ room: ROOM, name: 'Ward 7 nursing', nick: 'alice' });
  });

  it('options refused and no node yet (ejabberd 23.01): creates the node configured, then publishes private and persistent', async () => {
    const h = harness([iqError('resource-constraint'), iqError('item-not-found'), result(), result()]);
    await h.rooms.bookmark(ROOM, 'Ward 7 nursing');
    expect(h.iqs).toHaveLength(4);
    // 2: owner configure of the existing node; 3: create + configure in one request.
    expect(h.iqs[1]?.getChild('pubsub', 'http://jabber.org/protocol/pubsub#owner')?.getChild('configure')?.attrs['node']).toBe('urn:xmpp:bookmarks:1');
    const create = h.iqs[2]?.getChild('pubsub', 'http://jabber.org/protocol/pubsub');
    expect(create?.getChild('create')?.attrs['node']).toBe('urn:xmpp:bookmarks:1');
    expect(formOf(create?.getChild('configure'))).toEqual(nodeConfig);
    // The publish still insists on a private, persistent node (preconditions every server knows).
    expect(publishOptions(h.iqs[3])).toEqual([full[0], ['pubsub#persist_items', 'true'], ['pubsub#access_model', 'whitelist']]);
    expect(h.iqs[3]?.getChild('pubsub')?.getChild('publish')?.getChild('item')?.attrs['id']).toBe(ROOM);
    expect(h.rooms.bookmarks.has(ROOM)).toBe(true);
    expect(h.logs).toEqual(['chat bookmarks-configuring-node condition=resource-constraint']);
  });

  it('node configured otherwise (precondition-not-met): reconfigures it, then publishes', async () => {
    const h = harness([iqError('precondition-not-met'), result(), result()]);
    await h.rooms.bookmark(ROOM, 'Ward 7 nursing');
    expect(formOf(h.iqs[1]?.getChild('pubsub', 'http://jabber.org/protocol/pubsub#owner')?.getChild('configure'))).toEqual(nodeConfig);
    expect(h.iqs).toHaveLength(3);
    expect(h.rooms.bookmarks.has(ROOM)).toBe(true);
  });

  it('a failure that is not the server refusing the request (timeout) is not retried, and nothing is remembered', async () => {
    const h = harness([new XmppError('timeout', 'no answer')]);
    await expect(h.rooms.bookmark(ROOM, 'Ward 7 nursing')).rejects.toMatchObject({ kind: 'timeout' });
    expect(h.iqs).toHaveLength(1);
    expect(h.rooms.bookmarks.has(ROOM)).toBe(false);
  });

  it('if the node cannot be configured, the bookmark fails rather than publishing without preconditions', async () => {
    const h = harness([iqError('resource-constraint'), iqError('forbidden')]);
    await expect(h.rooms.bookmark(ROOM, 'Ward 7 nursing')).rejects.toMatchObject({ condition: 'forbidden' });
    expect(h.iqs).toHaveLength(2);
    expect(h.rooms.bookmarks.has(ROOM)).toBe(false);
  });
});

describe('adding members', () => {
  // Prosody 0.12 applies only the first item of a muc#admin request (and answers success).
  it('asks once per person, each person once, and carries on past a refusal, which it reports', async () => {
    const h = harness([result(), iqError('not-allowed'), result()]);
    const { added, refused } = await h.rooms.addMembers(ROOM, ['b@trust.test', 'c@trust.test', 'b@trust.test', 'd@trust.test']);
    expect(added).toEqual(['b@trust.test', 'd@trust.test']);
    expect(String(refused)).toMatch(/not-allowed/);
    const asked = h.iqs.map((iq) => iq.getChild('query')?.getChildren('item').map((item) => item.attrs['jid']));
    expect(asked).toEqual([['b@trust.test'], ['c@trust.test'], ['d@trust.test']]);
  });
});

describe('what a room says about itself (before an invitation is acted on)', () => {
  const info = (name: string | null, ...features: string[]): XmlElement =>
    xml(
      'iq',
      { type: 'result' },
      xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }, xml('identity', { category: 'conference', type: 'text', ...(name === null ? {} : { name }) }), ...features.map((v) => xml('feature', { var: v }))),
    );

  it('whether only members may enter, and its name as one safe line of at most 80 characters', async () => {
    expect(await harness([info('Ward 7 nursing', 'muc_membersonly', 'muc_persistent')]).rooms.describe(ROOM)).toEqual({ membersOnly: true, name: 'Ward 7 nursing' });
    expect(await harness([info(null, 'muc_open')]).rooms.describe(ROOM)).toEqual({ membersOnly: false, name: null });
    const { name } = (await harness([info(`Ward\u202e 7\n${'x'.repeat(500)}`, 'muc_membersonly')]).rooms.describe(ROOM)) ?? {};
    expect(name).not.toMatch(/[\u202e\n]/);
    expect(Array.from(name ?? '').length).toBeLessThanOrEqual(80);
  });

  it('no such room (or a closed one) is null; no answer is an error, not "no room"', async () => {
    expect(await harness([iqError('item-not-found')]).rooms.describe(ROOM)).toBeNull();
    expect(await harness([iqError('gone')]).rooms.describe(ROOM)).toBeNull();
    await expect(harness([new XmppError('timeout', 'No answer')]).rooms.describe(ROOM)).rejects.toMatchObject({ kind: 'timeout' });
  });
});

describe('room lists (who can read a room)', () => {
  const MUC_ADMIN = 'http://jabber.org/protocol/muc#admin';
  const list = (...jids: string[]): XmlElement => xml('iq', { type: 'result' }, xml('query', { xmlns: MUC_ADMIN }, ...jids.map((jid) => xml('item', { jid }))));
  const info = (...features: string[]): XmlElement =>
    xml('iq', { type: 'result' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }, ...features.map((v) => xml('feature', { var: v }))));

  it('leaves out a list the room will not show (an admin asking for owners), and says whether only members may enter', async () => {
    // Answers in request order: disco#info, then owner, admin, member lists.
    const { rooms } = harness([info('muc_persistent'), iqError('forbidden'), list('lead@trust.test'), list('amy@trust.test/desk', 'lead@trust.test')]);
    expect(await rooms.members(ROOM)).toEqual({
      membersOnly: false,
      members: [
        { jid: 'lead@trust.test', affiliation: 'admin' },
        { jid: 'amy@trust.test', affiliation: 'member' },
      ],
    });
  });

  it('refuses in words when every list is refused, or when the server does not answer, and logs the condition without content', async () => {
    const refused = harness([info('muc_membersonly'), iqError('forbidden'), iqError('forbidden'), iqError('forbidden')]);
    await expect(refused.rooms.members(ROOM)).rejects.toThrow('This room does not show its members to you.');
    expect(refused.logs).toHaveLength(1);
    expect(refused.logs[0]).toMatch(/^chat room-members-failed room=\S+ condition=forbidden$/);
    const silent = harness([info('muc_membersonly'), list('a@trust.test'), new XmppError('timeout', 'no answer'), list()]);
    await expect(silent.rooms.members(ROOM)).rejects.toThrow('The server did not answer. Try again once messaging is connected.');
  });

  it('says why a removal was refused, in words for a refusal and with the condition otherwise', async () => {
    await expect(harness([iqError('not-allowed')]).rooms.removeMember(ROOM, 'lead@trust.test')).rejects.toThrow(
      "Only the room's owners and admins can remove people, and an admin can remove members only.",
    );
    await expect(harness([iqError('conflict')]).rooms.removeMember(ROOM, 'me@trust.test')).rejects.toThrow('The server refused this (conflict).');
  });
});


describe('leaving a room', () => {
  const selfPresence = (type?: 'unavailable') =>
    xml('presence', { from: `${ROOM}/alice`, ...(type ? { type } : {}) }, xml('x', { xmlns: MUC_USER }, xml('item', { affiliation: 'member', role: type ? 'none' : 'participant' }), xml('status', { code: '110' })));

  it('goes out of the room, retracts its bookmark, and takes the goodbye for a leave, not a removal', async () => {
    const closed: string[] = [];
    const h = harness([result()]);
    const rooms = new Rooms({ iq: async (r) => (h.iqs.push(r), result()), send: async (s) => void h.sent.push(s), log: (l) => h.logs.push(l), nick: 'alice', trustedDomains: ['trust.test'], closed: (room) => closed.push(room) });
    const joining = rooms.join(ROOM, 'Ward 7');
    await new Promise((resolve) => setImmediate(resolve));
    rooms.handlePresence(selfPresence());
    await joining;
    await rooms.leave(ROOM);
    expect(rooms.joined.has(ROOM)).toBe(false);
    expect(h.sent.at(-1)?.attrs).toMatchObject({ to: `${ROOM}/alice`, type: 'unavailable' });
    const retract = h.iqs.at(-1)?.getChild('pubsub')?.getChild('retract');
    expect(retract?.attrs).toMatchObject({ node: 'urn:xmpp:bookmarks:1', notify: 'true' });
    expect(retract?.getChild('item')?.attrs['id']).toBe(ROOM);
    expect(rooms.handlePresence(selfPresence('unavailable'))).toBe(true);
    expect(closed).toEqual([]);
    expect(rooms.closed.has(ROOM)).toBe(false);
    expect(h.logs).toContain(`chat room-left room=${ROOM} reason=left`);
  });

  it('a join still on its way fails rather than putting the person back in the room they left (review finding)', async () => {
    const h = harness([result()]);
    const joining = h.rooms.join(ROOM, 'Ward 7');
    await new Promise((resolve) => setImmediate(resolve));
    await h.rooms.leave(ROOM);
    await expect(joining).rejects.toMatchObject({ name: 'RoomJoinError', condition: 'left' });
    expect(h.sent.at(-1)?.attrs).toMatchObject({ to: `${ROOM}/alice`, type: 'unavailable' });
    // The room's late answer to the join does not count as being in it.
    h.rooms.handlePresence(selfPresence());
    expect(h.rooms.joined.has(ROOM)).toBe(false);
  });

  it('reads the bookmark list afresh (another workstation may have removed one), and says when there is none', async () => {
    const item = (id: string) => xml('item', { id }, xml('conference', { xmlns: 'urn:xmpp:bookmarks:1', name: id }));
    const items = (...ids: string[]) => xml('items', { node: 'urn:xmpp:bookmarks:1' }, ...ids.map(item));
    const list = (...ids: string[]) => xml('iq', { type: 'result' }, xml('pubsub', { xmlns: 'http://jabber.org/protocol/pubsub' }, items(...ids)));
    const h = harness([list(ROOM, 'theatres@conference.trust.test'), list('theatres@conference.trust.test'), iqError('item-not-found')]);
    expect((await h.rooms.loadBookmarks())?.map((b) => b.room)).toEqual([ROOM, 'theatres@conference.trust.test']);
    expect((await h.rooms.loadBookmarks())?.map((b) => b.room)).toEqual(['theatres@conference.trust.test']);
    expect([...h.rooms.bookmarks.keys()]).toEqual(['theatres@conference.trust.test']);
    expect(await h.rooms.loadBookmarks()).toBeNull();
    expect(h.rooms.bookmarks.size).toBe(0);
  });
});

describe('who a room may say its occupants are', () => {
  const occupant = (room: string, nick: string, real: string): XmlElement =>
    xml('presence', { from: `${room}/${nick}` }, xml('x', { xmlns: MUC_USER }, xml('item', { jid: `${real}/pc`, affiliation: 'member', role: 'participant' })));

  async function joined(room: string) {
    const h = harness([]);
    const joining = h.rooms.join(room, 'A room');
    await new Promise((resolve) => setImmediate(resolve));
    h.rooms.handlePresence(xml('presence', { from: `${room}/alice` }, xml('x', { xmlns: MUC_USER }, xml('item', { jid: 'alice@trust.test/pc' }), xml('status', { code: '110' }))));
    await joining;
    return h.rooms;
  }

  it('believes our own rooms about anyone, and a partner room only about its own organisation', async () => {
    const ours = await joined(ROOM);
    ours.handlePresence(occupant(ROOM, 'Dr B', 'consultant@trust.test'));
    ours.handlePresence(occupant(ROOM, 'Visitor', 'visitor@partner.test'));
    expect([ours.realJid(ROOM, 'Dr B'), ours.realJid(ROOM, 'Visitor')]).toEqual(['consultant@trust.test', 'visitor@partner.test']);

    const PARTNER = 'lounge@muc.partner.test';
    const theirs = await joined(PARTNER);
    // Their server says "Dr B" is our consultant: not believed, so never stored or noted as theirs.
    theirs.handlePresence(occupant(PARTNER, 'Dr B', 'consultant@trust.test'));
    theirs.handlePresence(occupant(PARTNER, 'Third', 'someone@elsewhere.test'));
    theirs.handlePresence(occupant(PARTNER, 'Their nurse', 'nurse@partner.test'));
    expect([theirs.realJid(PARTNER, 'Dr B'), theirs.realJid(PARTNER, 'Third'), theirs.realJid(PARTNER, 'Their nurse')]).toEqual([null, null, 'nurse@partner.test']);
  });
});

describe('joining only a room that exists (following another workstation, kept rooms)', () => {
  it('"no such room" is for good; no answer is a join that may pass later (review finding)', async () => {
    const missing = harness([iqError('item-not-found')]);
    await expect(missing.rooms.join(ROOM, 'Ward 7', { existingOnly: true })).rejects.toMatchObject({ condition: 'item-not-found', refusedForGood: true });
    const slow = harness([new XmppError('timeout', 'No answer.')]);
    await expect(slow.rooms.join(ROOM, 'Ward 7', { existingOnly: true })).rejects.toMatchObject({ condition: 'timeout', refusedForGood: false });
    const busy = harness([iqError('service-unavailable')]);
    await expect(busy.rooms.join(ROOM, 'Ward 7', { existingOnly: true })).rejects.toMatchObject({ condition: 'service-unavailable', refusedForGood: false });
  });
});


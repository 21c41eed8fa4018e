// "Add people" in a team room (real Prosody, real Wardlines): the person added is told, and the
// room appears in their conversation list, whether they are signed in or not; invitations from
// outside the organisation, to an open room, or replayed after the person left are not acted on.
// The tests depend on each other, in order: run the whole file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDirectInvitation } from '../../electron/core/messaging/index.js';
import { xml, type XmlElement, type XmppConnection } from '../../electron/core/xmpp/index.js';
import { type ProsodyServer, startProsody } from '../fixtures/prosody.js';
import { bodies, cleanUpStores, connectBareClient, conversationOf, users, waitFor, waitReady, WorkstationPool, type Workstation } from './chatHarness.js';

const MUC = 'http://jabber.org/protocol/muc';
let server: ProsodyServer;
const pool = new WorkstationPool();
const bare: XmppConnection[] = [];
let alice: Workstation;
let bob: Workstation;
let ward7: string;
let theatres: string;
/** Bob's second workstation, opened late. */
let fresh: Workstation;

beforeAll(async () => {
  server = await startProsody({ otherDomains: ['partner.test'], users: [...users, { username: 'visitor', password: 'visitor-password', domain: 'partner.test' }] });
  alice = await pool.open(server, 'alice');
  bob = await pool.open(server, 'bob');
  ward7 = `ward7-${Date.now()}@${server.mucDomain}`;
  theatres = `theatres-${Date.now()}@${server.mucDomain}`;
});

afterAll(async () => {
  await Promise.all(bare.map((c) => c.close().catch(() => undefined)));
  await pool.closeAll();
  await server?.stop();
  cleanUpStores();
});

async function bareClient(user: string, options: { domain?: string; password?: string } = {}): Promise<{ client: XmppConnection; seen: string[]; stanzas: XmlElement[] }> {
  const client = await connectBareClient(server, user, options);
  bare.push(client);
  const seen: string[] = [];
  const stanzas: XmlElement[] = [];
  client.on('stanza', (stanza) => {
    stanzas.push(stanza);
    seen.push(stanza.toString());
  });
  // Presence, so that messages to the bare address reach this client live.
  await client.send(xml('presence'));
  return { client, seen, stanzas };
}

const invitationLine = (w: Workstation, room: string, from = 0): string | undefined => w.logs.slice(from).find((line) => line.startsWith(`chat invitation room=${room} `));

describe('adding people to a team room', () => {
  it('puts the room in the list of a colleague who is signed in, under its name, and they get the next message', async () => {
    // Where a short room name typed in New is made: the server's own room service, found by disco.
    expect(await alice.chat.roomService()).toEqual({ kind: 'found', service: server.mucDomain });
    const aliceRoom = await alice.chat.joinRoom(ward7, 'Ward 7 nursing');
    await alice.chat.addRoomMembers(ward7, [bob.jid]);

    const listed = await waitFor('the room in bob’s list', async () => (await bob.store.listConversations()).find((c) => c.jid === ward7));
    expect(listed).toMatchObject({ kind: 'room', title: 'Ward 7 nursing', leftAt: null });
    // Logged once the join has finished (the room is listed as it ends).
    expect(await waitFor('the invitation logged', () => invitationLine(bob, ward7))).toBe(`chat invitation room=${ward7} from=${alice.jid} source=live outcome=joined`);
    // Bookmarked: every workstation of bob's follows, and a restart rejoins it.
    await expect(bob.chat.directory()).resolves.toContainEqual(expect.objectContaining({ jid: ward7, kind: 'room' }));

    await waitFor('bob in the room', () => (bob.chat.roomPresent(ward7).length > 0 ? true : undefined));
    await alice.chat.send({ conversationId: aliceRoom, body: '@bob can you review bed 4 before the ward round?', urgent: false });
    await waitFor('bob has it', async () => ((await bodies(bob.store, ward7)).includes('@bob can you review bed 4 before the ward round?') ? true : undefined));
  });

  it('sends an invitation that names the room and nothing else', async () => {
    const carol = await bareClient('carol');
    await alice.chat.addRoomMembers(ward7, [`carol@${server.domain}`]);
    const invitation = await waitFor('carol’s invitation', () => carol.stanzas.find((stanza) => stanza.getChild('x', 'jabber:x:conference') !== undefined));
    expect(invitation.attrs['from']).toMatch(new RegExp(`^${alice.jid}/`));
    // The room's address and nothing else: no body, no reason, no room name, no password. (A hint
    // to archive it; the stanza-id is carol's server's archive stamp.)
    expect(invitation.getChildElements().map((child) => `${child.getNS()} ${child.getName()}`)).toEqual(['jabber:x:conference x', 'urn:xmpp:hints store', 'urn:xmpp:sid:0 stanza-id']);
    const x = invitation.getChild('x', 'jabber:x:conference');
    expect(x?.attrs).toEqual({ xmlns: 'jabber:x:conference', jid: ward7 });
    expect(x?.children).toEqual([]);
    expect(invitation.toString()).not.toContain('Ward 7 nursing');
  });

  it('reaches a colleague who was signed out when they were added, with what was said meanwhile', async () => {
    await bob.goOffline();
    const aliceRoom = await alice.chat.joinRoom(theatres, 'Theatres list');
    await alice.chat.addRoomMembers(theatres, [bob.jid]);
    await alice.chat.send({ conversationId: aliceRoom, body: 'List starts at 08:30 tomorrow', urgent: false });
    await waitFor('alice’s message sent', async () => ((await bodies(alice.store, theatres)).includes('List starts at 08:30 tomorrow') ? true : undefined));

    const mark = bob.logs.length;
    await bob.comeOnline();
    await waitReady(bob, mark);
    await waitFor('the room in bob’s list', async () => ((await conversationOf(bob.store, theatres)) !== undefined ? true : undefined));
    expect(await waitFor('the invitation logged', () => invitationLine(bob, theatres, mark))).toMatch(/source=archive outcome=joined$/);
    await waitFor('the message from while he was away', async () => ((await bodies(bob.store, theatres)).includes('List starts at 08:30 tomorrow') ? true : undefined));
  });

  it('ignores an invitation from outside the organisation, and one into an open room; a room that will not have him lists nothing', async () => {
    // A members-only room bob is a member of, without telling him (membership set by hand).
    const handover = `handover-${Date.now()}@${server.mucDomain}`;
    await alice.chat.joinRoom(handover, 'Night handover');
    const alicesOtherClient = await bareClient('alice');
    await alicesOtherClient.client.iq(xml('iq', { type: 'set', to: handover }, xml('query', { xmlns: `${MUC}#admin` }, xml('item', { affiliation: 'member', jid: bob.jid }))));

    const mark = bob.logs.length;
    const visitor = await bareClient('visitor', { domain: 'partner.test', password: 'visitor-password' });
    await visitor.client.send(buildDirectInvitation({ to: bob.jid, room: handover, id: 'outside-1' }));
    await waitFor('the outsider’s invitation refused', () => (bob.logs.slice(mark).includes('chat rejected reason=untrusted-invitation from=visitor@partner.test') ? true : undefined));

    // An insider's open room: created by a plain client with the server's defaults (not members-only).
    const coffee = `coffee-${Date.now()}@${server.mucDomain}`;
    const mallory = await bareClient('mallory');
    await mallory.client.send(xml('presence', { to: `${coffee}/mallory` }, xml('x', { xmlns: MUC })));
    await waitFor('mallory in her room', () => (mallory.seen.some((line) => line.includes('<presence') && line.includes('code="110"')) ? true : undefined));
    await mallory.client.iq(xml('iq', { type: 'set', to: coffee }, xml('query', { xmlns: `${MUC}#owner` }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' }))));
    await mallory.client.send(buildDirectInvitation({ to: bob.jid, room: coffee, id: 'open-1' }));
    await waitFor('the open room declined', () => (invitationLine(bob, coffee, mark)?.endsWith('outcome=open-room') === true ? true : undefined));

    // The same room bob was refused an invitation to from outside comes in from a colleague: the
    // domain check was what kept him out, not his membership.
    expect(await conversationOf(bob.store, handover)).toBeUndefined();
    expect(await conversationOf(bob.store, coffee)).toBeUndefined();
    await alicesOtherClient.client.send(buildDirectInvitation({ to: bob.jid, room: handover, id: 'inside-1' }));
    await waitFor('the colleague’s invitation taken', async () => ((await conversationOf(bob.store, handover)) !== undefined ? true : undefined));
    expect(bob.chat.roomPresent(coffee)).toEqual([]);

    // An invitation from a colleague into a members-only room bob is not a member of: the room
    // refuses him, and nothing is listed.
    const board = `board-${Date.now()}@${server.mucDomain}`;
    await alice.chat.joinRoom(board, 'Bed board');
    await alicesOtherClient.client.send(buildDirectInvitation({ to: bob.jid, room: board, id: 'not-a-member-1' }));
    await waitFor('the room refused him', () => (bob.logs.includes(`chat invitation-failed room=${board} from=${alice.jid} error=registration-required`) ? true : undefined));
    expect(await conversationOf(bob.store, board)).toBeUndefined();
  });

  it('a room bob left does not come back from invitations replayed on a new workstation; the rooms he is in do', async () => {
    await bob.chat.leaveRoom(ward7);
    await waitFor('the leave told to the server', () => (bob.logs.some((line) => line === `chat room-left room=${ward7} reason=left`) ? true : undefined));

    // A new workstation: its first archive catch-up replays every invitation of the last 30 days.
    fresh = await pool.open(server, 'bob', { resource: 'theatre-desk' });
    await waitFor('the replayed invitation weighed', () => invitationLine(fresh, ward7));
    expect(invitationLine(fresh, ward7)).toMatch(/source=archive outcome=before-this-workstation$/);
    await waitFor('the rooms he is in', async () => ((await conversationOf(fresh.store, theatres)) !== undefined ? true : undefined));
    expect(await conversationOf(fresh.store, ward7)).toBeUndefined();
    // And nothing brought it back on the first workstation either.
    expect((await bob.store.listConversations()).find((c) => c.jid === ward7)?.leftAt).not.toBeNull();
    expect((await bob.chat.directory()).some((entry) => entry.jid === ward7)).toBe(false);
  });

  it('adding him again brings the room back everywhere', async () => {
    const mark = bob.logs.length;
    await alice.chat.addRoomMembers(ward7, [bob.jid]);
    await waitFor('joined again', () => (invitationLine(bob, ward7, mark)?.endsWith('outcome=joined') === true ? true : undefined));
    expect((await bob.store.listConversations()).find((c) => c.jid === ward7)?.leftAt).toBeNull();
    // The other workstation: from the invitation (a carbon, or its own copy) or the bookmark, whichever is first.
    await waitFor('on the new workstation too', async () => ((await conversationOf(fresh.store, ward7)) !== undefined ? true : undefined));
    await waitFor('in the room there', () => (fresh.chat.roomPresent(ward7).length > 0 ? true : undefined));
  });
});

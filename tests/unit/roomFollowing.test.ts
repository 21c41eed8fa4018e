// Following the person's room list across their workstations: what we advertise so the server
// pushes bookmark changes (entity caps), which pushes we believe (only our own account's), and
// what a change does here (join, leave for the session, or nothing).
import { describe, expect, it } from 'vitest';
import { bookmarkOf, readBookmarkEvent } from '../../electron/core/chat/bookmarkEvents.js';
import { capsElement, capsVer, discoInfoAnswer, WARDLINE_FEATURES, WARDLINE_IDENTITY } from '../../electron/core/chat/entityCaps.js';
import { RoomFollowing, type RoomFollowingDeps } from '../../electron/core/chat/roomFollowing.js';
import { xml, type XmlElement } from '../../electron/core/xmpp/index.js';

const OWN = 'sam@hospital.test';
const ROOM = 'ward7@conference.hospital.test';
const EVENT = 'http://jabber.org/protocol/pubsub#event';
const BOOKMARKS = 'urn:xmpp:bookmarks:1';

function bookmarksEvent(from: string | undefined, ...children: XmlElement[]): XmlElement {
  return xml('message', { from, to: `${OWN}/desk`, type: 'headline' }, xml('event', { xmlns: EVENT }, xml('items', { node: BOOKMARKS }, ...children)));
}

const published = (room: string, name?: string): XmlElement => xml('item', { id: room }, xml('conference', { xmlns: BOOKMARKS, name, autojoin: 'true' }));

describe('entity capabilities (XEP-0115)', () => {
  it('computes the verification string as XEP-0115 §5.2 does', () => {
    const features = ['http://jabber.org/protocol/muc', 'http://jabber.org/protocol/disco#info', 'http://jabber.org/protocol/caps', 'http://jabber.org/protocol/disco#items'];
    expect(capsVer({ category: 'client', type: 'pc', name: 'Exodus 0.9.1' }, features)).toBe('QgayPKawpkPSDYmwT/WM94uAlu0=');
  });

  it('advertises bookmark notifications, and the presence hash matches the disco answer behind it', () => {
    const c = capsElement();
    expect(WARDLINE_FEATURES).toContain('urn:xmpp:bookmarks:1+notify');
    expect(c.attrs['ver']).toBe(capsVer(WARDLINE_IDENTITY, WARDLINE_FEATURES));
    const answer = discoInfoAnswer(xml('iq', { type: 'get', id: 'disco', from: OWN }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info', node: `${c.attrs['node']}#${c.attrs['ver']}` })))!;
    expect(answer.attrs).toMatchObject({ type: 'result', id: 'disco', to: OWN });
    const query = answer.getChild('query', 'http://jabber.org/protocol/disco#info')!;
    expect(query.attrs['node']).toBe(`${c.attrs['node']}#${c.attrs['ver']}`);
    expect(query.getChildren('feature').map((f) => f.attrs['var'])).toEqual([...WARDLINE_FEATURES]);
    // No version or operating system for anyone to fingerprint.
    expect(query.getChildren('identity').map((i) => i.attrs)).toEqual([{ category: 'client', type: 'pc', name: 'Wardline' }]);
  });

  it('answers item-not-found for another node, and leaves what is not a disco#info get to the caller', () => {
    const other = discoInfoAnswer(xml('iq', { type: 'get', id: '1', from: OWN }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info', node: 'urn:wardline:client#old' })))!;
    expect(other.attrs['type']).toBe('error');
    expect(other.getChild('error')?.getChild('item-not-found')).toBeDefined();
    expect(discoInfoAnswer(xml('iq', { type: 'set', id: '2' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })))).toBeNull();
    expect(discoInfoAnswer(xml('iq', { type: 'get', id: '3' }, xml('query', { xmlns: 'jabber:iq:version' })))).toBeNull();
  });
});

describe('bookmark events (XEP-0402 §4)', () => {
  it('reads published and retracted rooms from our own account, by bare or absent sender', () => {
    expect(readBookmarkEvent(bookmarksEvent(OWN, published(ROOM, 'Ward 7'), xml('retract', { id: 'old@conference.hospital.test' })), OWN)).toEqual({
      kind: 'changes',
      changes: [
        { kind: 'added', room: ROOM, name: 'Ward 7' },
        { kind: 'removed', room: 'old@conference.hospital.test' },
      ],
    });
    expect(readBookmarkEvent(bookmarksEvent(undefined, published('Ward7@Conference.Hospital.test.')), OWN)).toEqual({
      kind: 'changes',
      changes: [{ kind: 'added', room: ROOM, name: ROOM }],
    });
  });

  it('refuses a bookmark event from anyone else, even from one of our own resources', () => {
    expect(readBookmarkEvent(bookmarksEvent('mallory@hospital.test', xml('retract', { id: ROOM })), OWN)).toEqual({ kind: 'foreign', from: 'mallory@hospital.test' });
    expect(readBookmarkEvent(bookmarksEvent(`${OWN}/other`, xml('retract', { id: ROOM })), OWN)).toEqual({ kind: 'foreign', from: OWN });
    expect(readBookmarkEvent(bookmarksEvent('hospital.test', xml('retract', { id: ROOM })), OWN).kind).toBe('foreign');
  });

  it('skips items without a room or a conference, and passes on what is not a bookmarks event', () => {
    expect(readBookmarkEvent(bookmarksEvent(OWN, xml('item', { id: ROOM }), xml('retract', {}), xml('item', { id: 'a b@c' }, xml('conference', { xmlns: BOOKMARKS }))), OWN)).toEqual({
      kind: 'changes',
      changes: [],
    });
    const otherNode = xml('message', { from: OWN }, xml('event', { xmlns: EVENT }, xml('items', { node: 'urn:xmpp:avatar:metadata' })));
    expect(readBookmarkEvent(otherNode, OWN)).toEqual({ kind: 'none' });
    expect(readBookmarkEvent(xml('message', { from: OWN }, xml('body', {}, 'hello')), OWN)).toEqual({ kind: 'none' });
    expect(bookmarkOf(published(ROOM, '  '))).toEqual({ room: ROOM, name: ROOM });
  });
});

function follower(state: { finished: boolean; inRoom?: Set<string>; leftHere?: Set<string>; kept?: Set<string> }) {
  const calls: string[] = [];
  const logs: string[] = [];
  let releaseJoin: (() => void) | null = null;
  const deps: RoomFollowingDeps = {
    setUpFinished: () => state.finished,
    inRoom: (room) => state.inRoom?.has(room) ?? false,
    leftHere: (room) => state.leftHere?.has(room) ?? false,
    keep: async (room) => state.kept?.has(room) ?? false,
    join: async (room, name) => {
      calls.push(`join ${room} ${name}`);
      if (room.startsWith('slow')) await new Promise<void>((resolve) => (releaseJoin = resolve));
      if (room.startsWith('refusing')) throw new Error('refused');
    },
    leave: async (room) => {
      calls.push(`leave ${room}`);
      return true;
    },
    log: (line) => logs.push(line),
  };
  return { following: new RoomFollowing(deps), calls, logs, release: () => releaseJoin?.() };
}

describe('RoomFollowing', () => {
  it('joins a room joined elsewhere, and leaves for the session a room left elsewhere', async () => {
    const f = follower({ finished: true });
    f.following.changed([{ kind: 'added', room: ROOM, name: 'Ward 7' }, { kind: 'removed', room: 'old@rooms.test' }]);
    await f.following.setUpFinished();
    expect(f.calls).toEqual([`join ${ROOM} Ward 7`, 'leave old@rooms.test']);
    expect(f.logs).toEqual([`chat room-joined-elsewhere room=${ROOM}`, 'chat room-left-elsewhere room=old@rooms.test']);
  });

  it('does nothing on the echo of our own join or leave, and never leaves a room a major incident uses', async () => {
    const f = follower({ finished: true, inRoom: new Set([ROOM]), leftHere: new Set(['left@rooms.test']), kept: new Set(['incident@rooms.test']) });
    f.following.changed([
      { kind: 'added', room: ROOM, name: 'Ward 7' },
      { kind: 'removed', room: 'left@rooms.test' },
      { kind: 'removed', room: 'incident@rooms.test' },
    ]);
    await f.following.setUpFinished();
    expect(f.calls).toEqual([]);
    expect(f.logs).toEqual(['chat room-kept room=incident@rooms.test reason=incident']);
  });

  it('keeps changes during set-up for its end, the last per room only, and drops them for a fresh session', async () => {
    const state = { finished: false };
    const f = follower(state);
    f.following.changed([{ kind: 'added', room: ROOM, name: 'Ward 7' }]);
    f.following.changed([{ kind: 'removed', room: ROOM }, { kind: 'added', room: 'b@rooms.test', name: 'B' }]);
    await Promise.resolve();
    expect(f.calls).toEqual([]);
    state.finished = true;
    await f.following.setUpFinished();
    expect(f.calls).toEqual([`leave ${ROOM}`, 'join b@rooms.test B']);

    const g = follower({ finished: false });
    g.following.changed([{ kind: 'added', room: ROOM, name: 'Ward 7' }]);
    g.following.sessionStarted();
    await g.following.setUpFinished();
    expect(g.calls).toEqual([]);
  });

  it('applies one change at a time, and a failed join does not stop the next', async () => {
    const f = follower({ finished: true });
    f.following.changed([{ kind: 'added', room: 'slow@rooms.test', name: 'Slow' }]);
    f.following.changed([{ kind: 'added', room: 'refusing@rooms.test', name: 'R' }, { kind: 'removed', room: 'c@rooms.test' }]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(f.calls).toEqual(['join slow@rooms.test Slow']);
    f.release();
    await f.following.setUpFinished();
    expect(f.calls).toEqual(['join slow@rooms.test Slow', 'join refusing@rooms.test R', 'leave c@rooms.test']);
    expect(f.logs).toContain('chat room-follow-failed room=refusing@rooms.test error=Error');
  });
});

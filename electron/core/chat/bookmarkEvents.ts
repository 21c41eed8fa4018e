/**
 * Changes to our own room list pushed by the server (XEP-0402 §4 over XEP-0163 PEP): a bookmark
 * published (a room joined at one of the person's workstations or clients) or retracted (a room
 * left there). Only our own account's PEP service may tell us this: anyone can send us a stanza
 * that looks like a pubsub event, and believing one would take the person out of a room.
 */
import { bareJidOf } from '../messaging/index.js';
import type { XmlElement } from '../xmpp/index.js';

const PUBSUB_EVENT = 'http://jabber.org/protocol/pubsub#event';
const BOOKMARKS = 'urn:xmpp:bookmarks:1';

export type BookmarkChange = { kind: 'added'; room: string; name: string } | { kind: 'removed'; room: string };

export type BookmarkEvent =
  /** Not a bookmarks event: the stanza goes on to the message parser. */
  | { kind: 'none' }
  /** A bookmarks event from anyone but our own account: dropped and logged, never applied. */
  | { kind: 'foreign'; from: string | null }
  | { kind: 'changes'; changes: BookmarkChange[] };

/** Reads a <message/>; `ownBare` is our normalised bare JID. */
export function readBookmarkEvent(stanza: XmlElement, ownBare: string): BookmarkEvent {
  const items = stanza.getChild('event', PUBSUB_EVENT)?.getChildren('items').find((child) => child.attrs['node'] === BOOKMARKS);
  if (items === undefined) return { kind: 'none' };
  const from = stanza.attrs['from'];
  // No 'from' is our own account speaking (RFC 6120 §8.1.2.1); a full JID, even ours, is not the PEP service.
  if (from !== undefined && (from.includes('/') || bareJidOf(from) !== ownBare)) return { kind: 'foreign', from: bareJidOf(from) };
  const changes: BookmarkChange[] = [];
  for (const child of items.getChildElements()) {
    if (child.getName() === 'retract') {
      const room = bareJidOf(child.attrs['id']);
      if (room !== null) changes.push({ kind: 'removed', room });
    } else if (child.getName() === 'item') {
      const bookmark = bookmarkOf(child);
      if (bookmark !== null) changes.push({ kind: 'added', ...bookmark });
    }
  }
  return { kind: 'changes', changes };
}

/** One bookmark item (XEP-0402 §3: the room's JID is the item id); its name falls back to the JID. */
export function bookmarkOf(item: XmlElement): { room: string; name: string } | null {
  const room = bareJidOf(item.attrs['id']);
  const conference = item.getChild('conference', BOOKMARKS);
  if (room === null || conference === undefined) return null;
  const name = conference.attrs['name'];
  return { room, name: typeof name === 'string' && name.trim() !== '' ? name : room };
}

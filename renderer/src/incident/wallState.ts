/**
 * What the control-room wall may claim. "No major incident declared" only when this screen is
 * connected and main read the board and found none; whenever the feed is broken (signed out,
 * offline, reconnecting, a read failed) the wall says so and keeps the last board it had, marked
 * as not live. A control room must never be told "no incident" because the feed broke.
 */
import type { ConnectionView, DisplayViewModel } from '../../../electron/common/contract.js';

/** What the wall has read so far (kept across reads, so a broken feed keeps the last board). */
export interface WallFeed {
  /** The last board main returned; kept when the feed breaks. */
  board: DisplayViewModel | null;
  /** When main last answered a read. */
  readAt: number | null;
  /** When main last answered a read while this screen was connected: the board was live then. */
  liveAt: number | null;
  /** The last read made while connected found no incident declared. */
  noIncident: boolean;
  /** The latest read failed (cleared by the next successful one). */
  failure: { at: number; message: string } | null;
}

export const EMPTY_FEED: WallFeed = { board: null, readAt: null, liveAt: null, noIncident: false, failure: null };

export type WallRead = { ok: true; value: DisplayViewModel | null } | { ok: false; message: string };

/** The feed after one 'display:view' read, made while the connection was `connection`. */
export function afterRead(feed: WallFeed, read: WallRead, connection: ConnectionView, now: number): WallFeed {
  if (!read.ok) return { ...feed, failure: { at: now, message: read.message } };
  // Live only once this screen holds everything the server does: a board read mid-catch-up may
  // lack the declaration itself.
  const live = connection.kind === 'online' && connection.history === 'complete';
  if (read.value !== null) {
    return { board: read.value, readAt: now, liveAt: live ? now : feed.liveAt, noIncident: false, failure: null };
  }
  // Main answers null both for "none declared" and when it has no incident service at all
  // (signed out, not set up): only a connected screen may take it as "none declared".
  if (live) return { board: null, readAt: now, liveAt: now, noIncident: true, failure: null };
  return { ...feed, readAt: now, failure: null };
}

export type WallState =
  /** Nothing known yet (first read or first connection still under way): no claim either way. */
  | { kind: 'starting'; text: string }
  | { kind: 'no-incident' }
  | { kind: 'live'; board: DisplayViewModel }
  | {
      kind: 'unavailable';
      /** Since when the board has not been updating; null: never was live on this screen. */
      since: number | null;
      reason: string;
      /** The account was signed out: offer to sign the display in again. */
      signIn: boolean;
      /** The last board read, shown marked as not live; null: none to show. */
      board: DisplayViewModel | null;
    };

/** Reads are every 15 s: no answer from main for this long while connected means the board is not updating. */
export const READ_OVERDUE_MS = 60_000;

export function wallState(feed: WallFeed, connection: ConnectionView, now: number): WallState {
  const board = feed.board;
  switch (connection.kind) {
    case 'revoked':
      return { kind: 'unavailable', since: connection.at, reason: `${connection.reason} This display has been signed out.`, signIn: true, board };
    case 'not-configured':
      return { kind: 'unavailable', since: feed.liveAt, reason: 'This display is not signed in to a messaging account.', signIn: true, board };
    case 'offline':
      return {
        kind: 'unavailable',
        since: connection.since,
        // The reason already says why and whether Wardline keeps trying (connectionReason.ts in main).
        reason: `No connection to the messaging server. ${connection.reason}`,
        // Stopped for good (login refused, signed in elsewhere, server missing a feature): someone must sign it in again.
        signIn: connection.retryAt === null,
        board,
      };
    case 'connecting':
      if (feed.liveAt === null && board === null) return { kind: 'starting', text: 'Connecting to the messaging server…' };
      return { kind: 'unavailable', since: feed.liveAt, reason: 'Reconnecting to the messaging server…', signIn: false, board };
    case 'online':
      if (connection.history === 'catching-up') {
        if (feed.liveAt === null && board === null) return { kind: 'starting', text: 'Catching up with the messaging server…' };
        return { kind: 'unavailable', since: feed.liveAt, reason: 'Catching up with the messaging server…', signIn: false, board };
      }
      if (connection.history === 'incomplete') {
        return { kind: 'unavailable', since: feed.liveAt, reason: 'Some incident messages could not be fetched. Retrying automatically.', signIn: false, board };
      }
      if (feed.failure !== null) {
        return { kind: 'unavailable', since: feed.liveAt, reason: `The board could not be read. ${feed.failure.message}`, signIn: false, board };
      }
      if (feed.readAt !== null && now - feed.readAt > READ_OVERDUE_MS) {
        return { kind: 'unavailable', since: feed.liveAt, reason: 'Wardline has not answered a read of the board for over a minute.', signIn: false, board };
      }
      // The last read was made before this screen was caught up: wait for the read that follows.
      if (feed.readAt !== null && feed.liveAt !== feed.readAt) {
        return board === null ? { kind: 'starting', text: 'Reading the board…' } : { kind: 'unavailable', since: feed.liveAt, reason: 'Reading the board…', signIn: false, board };
      }
      if (board !== null) return { kind: 'live', board };
      return feed.noIncident ? { kind: 'no-incident' } : { kind: 'starting', text: 'Starting…' };
  }
}

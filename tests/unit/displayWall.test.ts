import { describe, expect, it } from 'vitest';
import type { ConnectionView, DisplayViewModel } from '../../electron/common/contract.js';
import { reasonForPeople } from '../../electron/core/chat/connectionReason.js';
import { afterRead, EMPTY_FEED, READ_OVERDUE_MS, wallState, type WallFeed } from '../../renderer/src/incident/wallState.js';

const T0 = Date.UTC(2026, 10, 25, 13, 0);
const MIN = 60_000;
const online: ConnectionView = { kind: 'online', since: T0 - 60 * MIN, history: 'complete' };
const catchingUp: ConnectionView = { kind: 'online', since: T0 + 5 * MIN, history: 'catching-up' };
const incomplete: ConnectionView = { kind: 'online', since: T0 + 5 * MIN, history: 'incomplete' };
const connecting: ConnectionView = { kind: 'connecting', attempt: 1 };
// Reasons as main words them (connectionReason.ts), so the wall's own sentence is checked around the real thing.
const dropped = reasonForPeople({ kind: 'network', message: 'The server closed the connection.' }, true);
const offline: ConnectionView = { kind: 'offline', since: T0 + 5 * MIN, reason: dropped, retryAt: T0 + 6 * MIN };
const revoked: ConnectionView = { kind: 'revoked', at: T0 + 7 * MIN, reason: 'The server no longer accepts this messaging account.' };

const board: DisplayViewModel = {
  title: 'Tram collision',
  exercise: false,
  banner: null,
  incidentName: 'Tram collision',
  declaredAt: T0 - 30 * MIN,
  elapsedMs: 30 * MIN,
  elapsedText: '30 min',
  closed: false,
  locations: [{ location: 'ED resus', needed: 2, assigned: 1, arrived: 0, outstanding: 1 }],
  enRoute: [],
  announcements: [],
};

/** A wall that has shown a live board since T0. */
const liveFeed: WallFeed = afterRead(EMPTY_FEED, { ok: true, value: board }, online, T0);

describe('control-room wall state (never "no incident" when the feed is broken)', () => {
  it('says "no incident declared" only when connected and main found none', () => {
    const none = afterRead(EMPTY_FEED, { ok: true, value: null }, online, T0);
    expect(wallState(none, online, T0)).toEqual({ kind: 'no-incident' });
    expect(wallState(liveFeed, online, T0)).toEqual({ kind: 'live', board });
  });

  it('a revoked display: main answers null, the wall keeps the last board, marked, and offers sign-in', () => {
    // What the old screen took as "No major incident declared.".
    const after = afterRead(liveFeed, { ok: true, value: null }, revoked, T0 + 8 * MIN);
    expect(after.board).toBe(board);
    expect(wallState(after, revoked, T0 + 8 * MIN)).toEqual({
      kind: 'unavailable',
      since: revoked.at,
      reason: 'The server no longer accepts this messaging account. This display has been signed out.',
      signIn: true,
      board,
    });
  });

  it('a revoked display that never had a board does not claim there is no incident', () => {
    const after = afterRead(EMPTY_FEED, { ok: true, value: null }, revoked, T0);
    expect(wallState(after, revoked, T0)).toMatchObject({ kind: 'unavailable', signIn: true, board: null });
  });

  it('offline: not updating since the connection dropped, with the reason, last board kept', () => {
    const after = afterRead(liveFeed, { ok: true, value: null }, offline, T0 + 6 * MIN);
    expect(wallState(after, offline, T0 + 6 * MIN)).toEqual({
      kind: 'unavailable',
      since: offline.since,
      // Says once that Wardline keeps trying (the wall used to add 'Retrying automatically.' too).
      reason:
        'No connection to the messaging server. The network or the messaging server cut the connection. ' +
        "Wardline keeps trying by itself; if this lasts more than a few minutes, check this computer's network cable or Wi-Fi, or call the IT service desk.",
      signIn: false,
      board,
    });
  });

  it('offline for good (login refused, no retry): says so and offers signing the display in again', () => {
    const wrongPassword = reasonForPeople({ kind: 'auth', message: 'Login refused: wrong username or password.', condition: 'not-authorized' }, false);
    const refused: ConnectionView = { kind: 'offline', since: T0 + 5 * MIN, reason: wrongPassword, retryAt: null };
    const after = afterRead(liveFeed, { ok: true, value: null }, refused, T0 + 6 * MIN);
    expect(wallState(after, refused, T0 + 6 * MIN)).toEqual({
      kind: 'unavailable',
      since: refused.since,
      reason:
        'No connection to the messaging server. The server refused this messaging address or password. ' +
        'Wardline will not try again by itself: check them and sign in again, or call the IT service desk.',
      signIn: true,
      board,
    });
  });

  it('a failed read while connected: not updating since the last good read, last board kept', () => {
    const after = afterRead(liveFeed, { ok: false, message: 'Wardline hit an internal error. Please try again.' }, online, T0 + 2 * MIN);
    expect(wallState(after, online, T0 + 2 * MIN)).toEqual({
      kind: 'unavailable',
      since: T0,
      reason: 'The board could not be read. Wardline hit an internal error. Please try again.',
      signIn: false,
      board,
    });
    // The next good read makes it live again.
    expect(wallState(afterRead(after, { ok: true, value: board }, online, T0 + 3 * MIN), online, T0 + 3 * MIN)).toEqual({ kind: 'live', board });
  });

  it('a failed first read never shows "no incident"', () => {
    const after = afterRead(EMPTY_FEED, { ok: false, message: 'Wardline did not answer.' }, online, T0);
    expect(wallState(after, online, T0)).toMatchObject({ kind: 'unavailable', since: null, board: null });
  });

  it('no answer from main for over a minute while connected: not updating', () => {
    expect(wallState(liveFeed, online, T0 + READ_OVERDUE_MS)).toEqual({ kind: 'live', board });
    expect(wallState(liveFeed, online, T0 + READ_OVERDUE_MS + 1)).toMatchObject({ kind: 'unavailable', since: T0, board });
  });

  it('reconnecting keeps the last board marked; first start-up makes no claim either way', () => {
    expect(wallState(liveFeed, connecting, T0 + MIN)).toMatchObject({ kind: 'unavailable', since: T0, reason: 'Reconnecting to the messaging server…', board });
    const firstRead = afterRead(EMPTY_FEED, { ok: true, value: null }, connecting, T0);
    expect(firstRead.noIncident).toBe(false);
    expect(wallState(firstRead, connecting, T0)).toEqual({ kind: 'starting', text: 'Connecting to the messaging server…' });
    // Once connected, a null read is known to mean none declared.
    expect(wallState(firstRead, online, T0)).toMatchObject({ kind: 'starting' });
    expect(wallState(afterRead(firstRead, { ok: true, value: null }, online, T0 + 1), online, T0 + 1)).toEqual({ kind: 'no-incident' });
  });

  it('connected but still catching up (the declaration may not be fetched yet): no claim, last board marked', () => {
    // A display's first set-up: main answers null because the room's archive is not in yet.
    const first = afterRead(EMPTY_FEED, { ok: true, value: null }, catchingUp, T0);
    expect(first.noIncident).toBe(false);
    expect(wallState(first, catchingUp, T0)).toEqual({ kind: 'starting', text: 'Catching up with the messaging server…' });
    // A fresh session after a drop: the last live board stays, marked as not updating.
    const after = afterRead(liveFeed, { ok: true, value: null }, catchingUp, T0 + 6 * MIN);
    expect(wallState(after, catchingUp, T0 + 6 * MIN)).toEqual({ kind: 'unavailable', since: T0, reason: 'Catching up with the messaging server…', signIn: false, board });
    // Caught up: until the read that follows answers, the board read mid-catch-up is not live.
    expect(wallState(after, online, T0 + 6 * MIN)).toMatchObject({ kind: 'unavailable', reason: 'Reading the board…', board });
    expect(wallState(first, online, T0)).toEqual({ kind: 'starting', text: 'Reading the board…' });
    expect(wallState(afterRead(first, { ok: true, value: null }, online, T0 + 1), online, T0 + 1)).toEqual({ kind: 'no-incident' });
  });

  it('connected with history that could not be fetched: not live, says it is retrying', () => {
    const after = afterRead(liveFeed, { ok: true, value: board }, incomplete, T0 + 6 * MIN);
    expect(after.liveAt).toBe(T0);
    expect(wallState(after, incomplete, T0 + 6 * MIN)).toEqual({
      kind: 'unavailable',
      since: T0,
      reason: 'Some incident messages could not be fetched. Retrying automatically.',
      signIn: false,
      board,
    });
    expect(wallState(afterRead(EMPTY_FEED, { ok: true, value: null }, incomplete, T0), incomplete, T0)).toMatchObject({ kind: 'unavailable', board: null });
  });
});

import { describe, expect, it } from 'vitest';
import type { ConnectionView } from '../../electron/common/contract.js';
import { nextOutage } from '../../renderer/src/lib/outageNote.js';

const offline = (reason: string, retryAt: number | null = 2_000): ConnectionView => ({ kind: 'offline', since: 1_000, reason, retryAt });
const DOWN = 'The messaging server is not accepting connections: it may be down or restarting.';

describe('the workstation outage note', () => {
  it('appears while Wardline retries, and keeps the same note through each reconnect attempt', () => {
    const first = nextOutage(null, offline(DOWN));
    expect(first).toEqual({ since: 1_000, reason: DOWN });
    const attempting = nextOutage(first, { kind: 'connecting', attempt: 2 });
    expect(attempting).toBe(first);
    // The same outage again: the very same note, so nothing on screen changes or is spoken again.
    expect(nextOutage(attempting, offline(DOWN, 9_000))).toBe(first);
  });

  it('follows a changed reason', () => {
    const first = nextOutage(null, offline(DOWN));
    expect(nextOutage(first, offline('The messaging server took too long to answer.'))).toEqual({ since: 1_000, reason: 'The messaging server took too long to answer.' });
  });

  it('goes once messaging is back, or when sign-in is needed (that alert says why itself)', () => {
    const first = nextOutage(null, offline(DOWN));
    expect(nextOutage(first, { kind: 'online', since: 5_000, history: 'catching-up' })).toBeNull();
    expect(nextOutage(first, offline('The server refused this messaging address or password.', null))).toBeNull();
    expect(nextOutage(first, { kind: 'revoked', at: 5_000, reason: 'Signed out.' })).toBeNull();
    expect(nextOutage(first, { kind: 'not-configured' })).toBeNull();
  });

  it('says nothing for a first connection that is still under way', () => {
    expect(nextOutage(null, { kind: 'connecting', attempt: 1 })).toBeNull();
  });
});

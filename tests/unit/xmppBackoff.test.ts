// The reconnect schedule: exponential, capped, full jitter, driven by an injected random source.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from '../../electron/core/xmpp/backoff.js';
import { connectXmpp, type XmppConnectionState } from '../../electron/core/xmpp/index.js';

/** A loopback port with nothing listening: every connect is refused at once. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('reconnect backoff', () => {
  it('doubles the ceiling per failure up to the cap, and draws uniformly below it', () => {
    const policy = { baseMs: 1_000, capMs: 30_000 };
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 20].map((failures) => backoffDelay(failures, policy, () => 0.999_999));
    expect(ceilings).toEqual([999, 1_999, 3_999, 7_999, 15_999, 29_999, 29_999, 29_999]);
    expect([1, 2, 3, 4, 5, 6].map((failures) => backoffDelay(failures, policy, () => 0.5))).toEqual([500, 1_000, 2_000, 4_000, 8_000, 15_000]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
  });

  it('waits nothing before the first attempt and never overflows on a long outage', () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0.7)).toBe(0);
    expect(backoffDelay(10_000, DEFAULT_BACKOFF, () => 0.5)).toBe(30_000);
  });

  it('clamps a misbehaving random source into [0, cap]', () => {
    expect(backoffDelay(2, DEFAULT_BACKOFF, () => 7)).toBe(2_000);
    expect(backoffDelay(2, DEFAULT_BACKOFF, () => -1)).toBe(0);
  });

  it('spreads a fleet of clients over the window instead of synchronising them', () => {
    let seed = 42;
    const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const delays = Array.from({ length: 1_000 }, () => backoffDelay(4, DEFAULT_BACKOFF, random));
    expect(Math.min(...delays)).toBeLessThan(500);
    expect(Math.max(...delays)).toBeGreaterThan(7_500);
    expect(new Set(delays).size).toBeGreaterThan(900);
  });
});

describe('reconnect loop', () => {
  it('waits the jittered schedule between refused attempts, keeps the outage start, and stops on close()', async () => {
    const waits: number[] = [];
    const states: XmppConnectionState[] = [];
    const logs: { event: string; details: Record<string, unknown> | undefined }[] = [];
    const connection = connectXmpp({
      log: (event, details) => logs.push({ event, details }),
      jid: 'alice@wardline.test',
      password: 'x',
      host: '127.0.0.1',
      port: await refusedPort(),
      backoff: { baseMs: 1_000, capMs: 5_000 },
      random: () => 0.5,
      // Record the wait, then let the next attempt run at once.
      timers: { setTimeout: (callback, ms) => (waits.push(ms), setImmediate(callback)), clearTimeout: (handle) => clearImmediate(handle as NodeJS.Immediate) },
    });
    connection.on('state', (state) => states.push(state));
    while (waits.length < 6) await new Promise((resolve) => setTimeout(resolve, 5));
    await connection.close();

    expect(waits.slice(0, 6)).toEqual([500, 1_000, 2_000, 2_500, 2_500, 2_500]);
    const offline = states.filter((state) => state.kind === 'offline' && state.retryAt !== null);
    expect(offline[0]).toMatchObject({ reason: { kind: 'network', code: 'ECONNREFUSED' } });
    // People are shown plain words (chat/connectionReason.ts): the technical kind and code are for IT, in the log.
    expect(logs.find((line) => line.event === 'login-failed')?.details).toEqual({ kind: 'network', code: 'ECONNREFUSED', attempt: 1 });
    expect(new Set(offline.map((state) => (state.kind === 'offline' ? state.since : 0))).size).toBe(1);
    expect(states.filter((state) => state.kind === 'connecting').map((state) => (state.kind === 'connecting' ? state.attempt : 0)).slice(0, 3)).toEqual([2, 3, 4]);
    expect(connection.state()).toMatchObject({ kind: 'offline', retryAt: null, reason: { kind: 'closed' } });
  });
});

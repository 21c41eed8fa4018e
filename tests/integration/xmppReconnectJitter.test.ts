// After a session that had been up STABLE_SESSION_MS, a drop reconnects soon but with jitter: a
// server restart (<system-shutdown/>) or a cluster node failure drops every client at the same
// instant, and they must not all come back in the same millisecond (the thundering herd
// backoff.ts's full jitter exists to prevent).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectXmpp, type XmppConnection } from '../../electron/core/xmpp/index.js';
import { STABLE_SESSION_MS } from '../../electron/core/xmpp/xmppConnection.js';
import { startScriptedXmppServer } from '../fixtures/scriptedXmppServer.js';
import { createTestCertificates, type TestCertificates } from '../fixtures/testCa.js';

const DOMAIN = 'wardline.test';
let dir: string;
let certs: TestCertificates;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wardline-herd-'));
  certs = await createTestCertificates(dir, [DOMAIN]);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('reconnect after a server restart drops every long-lived session at once', () => {
  it('spreads the first reconnect of a fleet over a jittered window instead of all at once', async () => {
    let clock = 1_000_000;
    const live: TLSSocket[] = [];
    const server = await startScriptedXmppServer({
      domain: DOMAIN,
      certs,
      password: 'secret',
      hooks: { afterEnabled: (socket) => live.push(socket) },
    });
    cleanups.push(() => server.close());
    const fleet = 5;
    const waits: number[][] = [];
    const connections: XmppConnection[] = [];
    for (let i = 0; i < fleet; i += 1) {
      const mine: number[] = [];
      waits.push(mine);
      const connection = connectXmpp({
        jid: `alice@${DOMAIN}`,
        password: 'secret',
        host: '127.0.0.1',
        port: server.port,
        adminCa: { paths: [certs.caCertPath] },
        resource: `ward-pc-${i}`,
        sessionClock: () => clock,
        random: () => (i + 0.5) / fleet, // each client draws differently, as Math.random would
        timers: { setTimeout: (callback, ms) => (mine.push(ms), setImmediate(callback)), clearTimeout: (h) => clearImmediate(h as NodeJS.Immediate) },
      });
      cleanups.push(() => connection.close());
      connections.push(connection);
    }
    await expect.poll(() => connections.every((c) => c.state().kind === 'online'), { timeout: 10_000 }).toBe(true);
    clock += STABLE_SESSION_MS; // every session has been up for ten seconds
    const before = server.connections;
    for (const socket of live.splice(0)) {
      socket.write(`<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`);
    }
    await expect.poll(() => server.connections, { timeout: 10_000 }).toBe(before + fleet);
    // Each drew its own wait (before, waits was [[], [], [], [], []]: all five reconnected at once).
    expect(waits.map((w) => w.length)).toEqual(Array(fleet).fill(1));
    expect(new Set(waits.map((w) => w[0])).size).toBe(fleet);
  });
});

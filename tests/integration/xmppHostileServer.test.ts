// Servers that misbehave in ways Prosody never will: a "server" (or a network in between) that
// strips STARTTLS or forges errors before TLS, one that sends malformed XML inside TLS, one silent
// mid-handshake, one for an internationalised domain. These are small real servers on
// loopback with a certificate from the throwaway CA, so the client's real TLS path runs end to end.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, createServer as createTlsServer, TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectXmpp, xml, XmppError, type XmppConnection, type XmppConnectionState } from '../../electron/core/xmpp/index.js';
import { STABLE_SESSION_MS } from '../../electron/core/xmpp/xmppConnection.js';
import { startScriptedXmppServer, type ScriptedServer, type ScriptedServerHooks } from '../fixtures/scriptedXmppServer.js';
import { createTestCertificates, type TestCertificates } from '../fixtures/testCa.js';

const DOMAIN = 'wardline.test';
const HEADER = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='hostile' from='${DOMAIN}' version='1.0'>`;

let dir: string;
let certs: TestCertificates;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wardline-hostile-'));
  certs = await createTestCertificates(dir, [DOMAIN]);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Hostile {
  port: number;
  /** Everything each client connection sent, decrypted where TLS was used. */
  received: string[];
}

/** A TCP server answering each stream header with `onHeader` (stage 0, 1, … per connection), and <starttls/> with TLS. */
async function hostileServer(onHeader: (socket: Socket | TLSSocket, stage: number) => void): Promise<Hostile> {
  const received: string[] = [];
  const context = createSecureContext({ key: await readFile(certs.keyPath), cert: await readFile(certs.certPath) });
  const sockets = new Set<Socket>();
  const server: Server = createServer((tcp) => {
    sockets.add(tcp);
    tcp.on('error', () => undefined);
    const index = received.push('') - 1;
    let stage = 0;
    const listen = (socket: Socket | TLSSocket): void => {
      socket.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        received[index] += text;
        if (text.includes('<stream:stream')) onHeader(socket, stage++);
        if (text.includes('<starttls')) {
          socket.write(`<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`);
          void upgrade();
        }
      });
    };
    const upgrade = (): Promise<TLSSocket> => {
      tcp.removeAllListeners('data');
      const secure = new TLSSocket(tcp, { isServer: true, secureContext: context });
      secure.on('error', () => undefined);
      listen(secure);
      return new Promise((resolve) => secure.once('secure', () => resolve(secure)));
    };
    listen(tcp);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: address.port, received };
}

function connectTo(port: number, extra: Partial<Parameters<typeof connectXmpp>[0]> = {}): XmppConnection {
  const connection = connectXmpp({
    jid: `alice@${DOMAIN}`,
    password: 'secret',
    host: '127.0.0.1',
    port,
    adminCa: { paths: [certs.caCertPath] },
    loginTimeoutMs: 5_000,
    ...extra,
  });
  cleanups.push(() => connection.close());
  return connection;
}

function firstOffline(connection: XmppConnection): Promise<Extract<XmppConnectionState, { kind: 'offline' }>> {
  return new Promise((resolve) => {
    const off = connection.on('state', (state) => {
      if (state.kind !== 'offline') return;
      off();
      resolve(state);
    });
  });
}

describe('XMPP connection against hostile servers', () => {
  it('refuses a server that does not offer STARTTLS, and never sends credentials in the clear', async () => {
    const server = await hostileServer((socket) => {
      socket.write(
        `${HEADER}<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism>` +
          `<mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>`,
      );
    });
    const connection = connectTo(server.port);

    const offline = await firstOffline(connection);

    expect(offline.reason).toMatchObject({ kind: 'tls', condition: 'starttls-not-offered' });
    expect(server.received.join('')).not.toMatch(/<auth|secret/);
  });

  it('ends the stream with not-well-formed on malformed XML inside TLS, then reconnects, without crashing', async () => {
    const server = await hostileServer((socket, stage) => {
      if (stage === 0) {
        socket.write(`${HEADER}<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>`);
      } else {
        socket.write(`${HEADER}<message><body>unterminated</message>`);
      }
    });
    const retries: (() => void)[] = [];
    const connection = connectTo(server.port, { timers: { setTimeout: (callback) => retries.push(callback), clearTimeout: () => undefined } });

    const offline = await firstOffline(connection);

    expect(offline.reason).toMatchObject({ kind: 'protocol' });
    expect(offline.retryAt).not.toBeNull();
    // The stream error is written as the stream ends; the server reads it when it arrives.
    await expect.poll(() => server.received[0], { timeout: 10_000 }).toContain('<not-well-formed');
    // It tries again (the backoff wait is ours to release), as it would after any broken stream.
    const again = firstOffline(connection);
    retries.shift()?.();
    await again;
    expect(server.received).toHaveLength(2);
  });

  it('direct TLS: verifies the certificate, names xmpp-client in ALPN, and declines PLAIN by default (nothing in Wardline sets allowPlain)', async () => {
    const alpn: (string | false | null)[] = [];
    const received: string[] = [];
    const server = createTlsServer({ key: await readFile(certs.keyPath), cert: await readFile(certs.certPath), ALPNProtocols: ['xmpp-client'] }, (socket) => {
      alpn.push(socket.alpnProtocol);
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk.toString('utf8'));
        if (chunk.toString('utf8').includes('<stream:stream')) {
          socket.write(`${HEADER}<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>`);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');

    const connection = connectTo(address.port, { tls: 'direct' });
    const offline = await firstOffline(connection);

    expect(alpn).toEqual(['xmpp-client']);
    expect(offline.reason).toMatchObject({ kind: 'unsupported', condition: 'no-acceptable-mechanism' });
    expect(offline.reason.message).toContain('PLAIN');
    expect(offline.retryAt).toBeNull();
    expect(received.join('')).not.toMatch(/<auth|secret/);
  });
});

describe('XMPP connection against a server that misbehaves after sign-in (review findings)', () => {
  const start = async (hooks: ScriptedServerHooks): Promise<ScriptedServer> => {
    const server = await startScriptedXmppServer({ domain: DOMAIN, certs, password: 'secret', hooks });
    cleanups.push(() => server.close());
    return server;
  };

  it('does not reconnect in a tight loop to a server that ends every new session at once: the wait grows, and says so', async () => {
    const server = await start({
      afterEnabled: (socket) => socket.write(`<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`),
    });
    const states: XmppConnectionState[] = [];
    const connection = connectTo(server.port, { backoff: { baseMs: 400, capMs: 4_000 }, random: () => 1 });
    connection.on('state', (state) => states.push(state));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // Waits of 400, 800, 1,600 ms: four sessions in three seconds (it was about sixty).
    expect(server.connections).toBeGreaterThanOrEqual(2);
    expect(server.connections).toBeLessThanOrEqual(5);
    const waits = states.flatMap((state) => (state.kind === 'offline' && state.retryAt !== null ? [state.retryAt] : []));
    expect(waits.length).toBeGreaterThanOrEqual(1);
  });

  it('after a <resumed/> that acknowledges stanzas never sent, starts a fresh session and hands the unacknowledged stanza back', async () => {
    const server = await start({
      // The first session drops shortly after it starts, while our message is unacknowledged.
      afterEnabled: (socket, index) => {
        if (index === 0) setTimeout(() => socket.destroy(), 150);
      },
      onResume: (socket, previd) => socket.write(`<resumed xmlns='urn:xmpp:sm:3' previd='${previd}' h='99'/>`),
    });
    const connection = connectTo(server.port, { backoff: { baseMs: 50, capMs: 200 } });
    await new Promise<void>((resolve) => {
      const off = connection.on('state', (state) => state.kind === 'online' && (off(), resolve()));
    });
    const sent = connection.send(xml('message', { to: `bob@${DOMAIN}`, type: 'chat', id: 'm1' }, xml('body', {}, 'Bed 4 needs a porter')));
    const outcome = await sent.then(() => 'acknowledged', (error: unknown) => (error instanceof XmppError ? error.kind : String(error)));
    expect(outcome).toBe('not-acked'); // handed back, for the outbox to resend with the same id
    expect(server.received[1]).toContain('<resume ');
    expect(server.received[2]).toContain('<enable ');
    expect(server.received[2]).not.toContain('<resume ');
    expect(server.connections).toBe(3);
  });

  it('rejects an iq at once on a closed connection, instead of waiting out its timeout', async () => {
    const server = await start({});
    const connection = connectTo(server.port);
    await new Promise<void>((resolve) => {
      const off = connection.on('state', (state) => state.kind === 'online' && (off(), resolve()));
    });
    await connection.close();
    const started = Date.now();
    const error = await connection.iq(xml('iq', { type: 'get' }, xml('ping', { xmlns: 'urn:xmpp:ping' })), 3_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(XmppError);
    expect((error as XmppError).kind).toBe('closed');
    // Well short of the 3 s timeout asked for: it did not wait for an answer that cannot come.
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('XMPP connection after a session that was working', () => {
  it('reconnects at once, without a backoff wait, when a session that lasted a while drops, and resumes it', async () => {
    let clock = 1_000_000;
    const server = await startScriptedXmppServer({
      domain: DOMAIN,
      certs,
      password: 'secret',
      hooks: {
        onResume: (socket, previd) => socket.write(`<resumed xmlns='urn:xmpp:sm:3' previd='${previd}' h='0'/>`),
      },
    });
    cleanups.push(() => server.close());
    const waits: number[] = [];
    const sockets: { destroy(): void }[] = [];
    const connection = connectTo(server.port, {
      sessionClock: () => clock,
      timers: { setTimeout: (callback, ms) => (waits.push(ms), setImmediate(callback)), clearTimeout: (handle) => clearImmediate(handle as NodeJS.Immediate) },
      onSocket: (socket) => sockets.push(socket),
    });
    const resumed = new Promise<void>((resolve) => connection.on('resumed', () => resolve()));
    await new Promise<void>((resolve) => {
      const off = connection.on('state', (state) => state.kind === 'online' && (off(), resolve()));
    });
    clock += STABLE_SESSION_MS; // the session has been up for ten seconds
    sockets[0]?.destroy();
    await resumed;
    // One short jittered wait (within the first backoff step), so a fleet dropped together spreads out.
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeLessThan(1_000);
    expect(server.connections).toBe(2);
    expect(server.received[1]).toContain('<resume ');
  });
});

describe('before TLS nothing the peer says is trusted', () => {
  it('keeps retrying after a plaintext <stream:error><conflict/> (forgeable by anyone on the path)', async () => {
    // A plaintext "server" (an attacker in the path before STARTTLS).
    const attacker = await hostileServer((socket) =>
      socket.write(`${HEADER}<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`),
    );
    // Backoff waits released at once, so "does it try again" is seen without waiting.
    const connection = connectTo(attacker.port, { timers: { setTimeout: (callback) => setImmediate(callback), clearTimeout: () => undefined } });
    const offline = await firstOffline(connection);
    // Not "signed in from another place" (kind stream, condition conflict, never retried): people
    // would be told to sign in again, and the workstation would stay offline for good.
    expect(offline.retryAt).not.toBeNull();
    expect(offline.reason.condition).not.toBe('conflict');
    await expect.poll(() => attacker.received.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
  });

  it('a server that goes silent during the TLS handshake is a timeout, not a certificate or security fault', async () => {
    let connections = 0;
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      connections += 1;
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        if (text.includes('<stream:stream')) {
          socket.write(`${HEADER}<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>`);
        } else if (text.includes('<starttls')) {
          socket.write(`<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`); // then never answers the ClientHello
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const connection = connectTo(address.port, { loginTimeoutMs: 800 });
    const offline = await firstOffline(connection);
    expect(connections).toBe(1);
    // Not kind 'tls' ("the connection closed during the TLS handshake"), which people are shown as
    // "A secure connection ... could not be set up ... this could be an attack".
    expect(offline.reason.kind).toBe('timeout');
  });

  it('an admin CA bundle that cannot be read (a hung network share) does not leave it "connecting" for ever: the login timeout covers it', async () => {
    // A FIFO with no writer blocks a read the way a path on an unreachable SMB/NFS share does.
    const fifo = join(dir, 'hung-share-ca.pem');
    execFileSync('mkfifo', [fifo]);
    cleanups.push(async () => {
      // Unblock the read still parked in the thread pool, so the worker can exit.
      execFileSync('sh', ['-c', `echo > '${fifo}'`]);
    });
    const connection = connectXmpp({
      jid: `alice@${DOMAIN}`,
      password: 'secret',
      host: '127.0.0.1',
      port: 9, // never reached
      adminCa: { paths: [fifo] },
      loginTimeoutMs: 500,
    });
    cleanups.push(() => connection.close());
    const states: string[] = [];
    connection.on('state', (state) => states.push(state.kind === 'offline' ? `offline:${state.reason.kind}` : state.kind));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // Not left at { kind: 'connecting', attempt: 1 } past the 500 ms login timeout, for ever.
    expect(states[0]).toBe('offline:timeout');
  });

  it('connects to an internationalised domain: the certificate names its A-label (xn--), and SNI must too', async () => {
    const idnCerts = await createTestCertificates(await mkdtemp(join(dir, 'idn-')), ['xn--caf-dma.test']);
    const context = createSecureContext({ key: await readFile(idnCerts.keyPath), cert: await readFile(idnCerts.certPath) });
    let handshakes = 0;
    const sockets = new Set<Socket>();
    const header = HEADER.replace(`from='${DOMAIN}'`, "from='café.test'");
    const server: Server = createServer((tcp) => {
      sockets.add(tcp);
      tcp.on('error', () => undefined);
      tcp.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        if (text.includes('<stream:stream')) tcp.write(`${header}<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>`);
        if (!text.includes('<starttls')) return;
        tcp.write(`<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`);
        tcp.removeAllListeners('data');
        const secure = new TLSSocket(tcp, { isServer: true, secureContext: context });
        secure.on('error', () => undefined);
        secure.on('data', (inner: Buffer) => {
          if (!inner.toString('utf8').includes('<stream:stream')) return;
          handshakes += 1;
          secure.write(`${header}<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>X-NONE</mechanism></mechanisms></stream:features>`);
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const connection = connectXmpp({
      jid: 'alice@café.test',
      password: 'secret',
      host: '127.0.0.1',
      port: address.port,
      adminCa: { paths: [idnCerts.caCertPath] },
      loginTimeoutMs: 5_000,
    });
    cleanups.push(() => connection.close());
    const offline = await firstOffline(connection);
    // Past TLS (not ERR_TLS_CERT_ALTNAME_INVALID, "Host: café.test. is not in the cert's altnames:
    // DNS:xn--caf-dma.test"): the login stops only at the mechanism this test server offers.
    expect(offline.reason).toMatchObject({ kind: 'unsupported', condition: 'no-acceptable-mechanism' });
    expect(handshakes).toBe(1);
  });
});

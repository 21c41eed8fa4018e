// Login at its edges: anything said before TLS is unauthenticated (an on-path attacker can write
// it), so it never ends the connection for good; a silent TLS handshake is a timeout, not an
// attack; an unreadable admin CA bundle is covered by the login timeout; internationalised domains.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { createSecureContext, TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectXmpp, type XmppConnection, type XmppConnectionState } from '../../electron/core/xmpp/index.js';
import { createTestCertificates, type TestCertificates } from '../fixtures/testCa.js';

const DOMAIN = 'wardline.test';
const HEADER = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='mitm' from='${DOMAIN}' version='1.0'>`;

let dir: string;
let certs: TestCertificates;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wardline-login-edges-'));
  certs = await createTestCertificates(dir, [DOMAIN]);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A plaintext "server" (an attacker in the path before STARTTLS) answering each stream header with `reply`. */
async function plaintextAttacker(reply: string): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      if (chunk.toString('utf8').includes('<stream:stream')) socket.write(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: address.port, connections: () => connections };
}

function connectTo(port: number, extra: Partial<Parameters<typeof connectXmpp>[0]> = {}): XmppConnection {
  const connection = connectXmpp({
    jid: `alice@${DOMAIN}`,
    password: 'secret',
    host: '127.0.0.1',
    port,
    adminCa: { paths: [certs.caCertPath] },
    loginTimeoutMs: 5_000,
    // Backoff waits released at once, so "does it try again" is seen without waiting.
    timers: { setTimeout: (callback) => setImmediate(callback), clearTimeout: () => undefined },
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

describe('before TLS nothing the peer says is trusted', () => {
  it('keeps retrying after a plaintext <stream:error><conflict/> (forgeable by anyone on the path)', async () => {
    const attacker = await plaintextAttacker(
      `${HEADER}<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`,
    );
    const connection = connectTo(attacker.port);
    const offline = await firstOffline(connection);
    // Fails today: retryAt is null (the client never reconnects), and the reason is
    // { kind: 'stream', condition: 'conflict' }, which people are shown as "This messaging account
    // was signed in from another place, which took over from this computer".
    expect(offline.retryAt).not.toBeNull();
    expect(offline.reason.condition).not.toBe('conflict');
    await expect.poll(() => attacker.connections(), { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
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
    // Fails today: { kind: 'tls', message: '... the connection closed during the TLS handshake' }, which
    // people are shown as "A secure connection ... could not be set up ... this could be an attack".
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
    // Fails today: [] — it stays { kind: 'connecting', attempt: 1 } past the 500 ms login timeout, for ever.
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
    // Fails today: { kind: 'tls', code: 'ERR_TLS_CERT_ALTNAME_INVALID' } ("Host: café.test. is not in the
    // cert's altnames: DNS:xn--caf-dma.test"): a valid certificate refused, so the account can never connect.
    expect(offline.reason).toMatchObject({ kind: 'unsupported', condition: 'no-acceptable-mechanism' });
    expect(handshakes).toBe(1);
  });
});

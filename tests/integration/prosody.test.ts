// Proves the Prosody fixture is a real server: it starts on loopback, a registered user logs in over
// STARTTLS with the certificate verified against the throwaway CA, wrong credentials and an
// untrusted CA are refused, and stop() leaves no process and no listener behind.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canConnect, type ProsodyServer, startProsody } from '../fixtures/prosody.js';
import { type LoginProbeRequest, runLoginProbe } from '../fixtures/xmppLoginProbe.js';

const alice = { username: 'alice', password: 'correct horse battery staple' };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Prosody test fixture', () => {
  let server: ProsodyServer;
  let login: LoginProbeRequest;

  beforeAll(async () => {
    server = await startProsody({ users: [alice] });
    login = { service: `xmpp://${server.host}:${server.c2sPort}`, domain: server.domain, ...alice };
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('logs a registered user in over STARTTLS, verifying the certificate against the test CA', async () => {
    const result = await runLoginProbe(login, server.caCertPath);

    expect(result, JSON.stringify(result)).toMatchObject({ ok: true, jid: expect.stringMatching(/^alice@wardline\.test\/.+/) });
    if (!result.ok) return;
    expect(result.tls.authorized).toBe(true);
    expect(result.tls.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(result.tls.peerSubjectAltName).toContain('DNS:wardline.test');
    expect(result.noDelay).toBe(true);
  });

  it('refuses a wrong password', async () => {
    const result = await runLoginProbe({ ...login, password: 'wrong password' }, server.caCertPath);

    expect(result, JSON.stringify(result)).toMatchObject({ ok: false, error: { condition: 'not-authorized' } });
  });

  it('refuses to log in when the throwaway CA is not trusted', async () => {
    const result = await runLoginProbe(login);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    // Node's verification error for a certificate whose issuer is unknown.
    expect(result.error.code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT/);
  });

  it('creates accounts while running', async () => {
    await server.register('bob', 'another secret');

    const result = await runLoginProbe({ ...login, username: 'bob', password: 'another secret' }, server.caCertPath);
    expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
  });

  it('stops cleanly: process gone, port closed, temp dir removed', async () => {
    const { pid, c2sPort, dir } = server;
    expect(isAlive(pid)).toBe(true);

    await server.stop();

    expect(isAlive(pid)).toBe(false);
    expect(await canConnect(c2sPort)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });
});

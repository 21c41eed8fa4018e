// The XML stream layer against hostile or broken server bytes, over an in-memory duplex (the only
// fake here: real server behaviour is covered by tests/integration/xmppConnection.test.ts). Every
// failure must end the stream with one typed error, tell the server why, and never throw.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { XmlStream } from '../../electron/core/xmpp/xmlStream.js';
import { xml } from '../../electron/core/xmpp/xml.js';
import type { XmppError } from '../../electron/core/xmpp/xmppError.js';

const HEADER = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='s1' version='1.0'>";

function fakeServer(): { socket: Duplex; written: string[]; push(data: string | Buffer): void } {
  const written: string[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { socket, written, push: (data) => socket.push(typeof data === 'string' ? Buffer.from(data) : data) };
}

async function closeReason(stream: XmlStream): Promise<XmppError> {
  return new Promise((resolve) => stream.onClose(resolve));
}

describe('XML stream', () => {
  it('opens with a header for the domain and yields top-level elements with their namespace', async () => {
    const server = fakeServer();
    const stream = new XmlStream(server.socket, 'wardline.test');
    stream.open();
    expect(server.written.join('')).toContain("<stream:stream to='wardline.test' version='1.0'");
    server.push(`${HEADER}<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>`);
    const features = await stream.next();
    expect(features.is('features', 'http://etherx.jabber.org/streams')).toBe(true);
    expect(features.getChild('bind', 'urn:ietf:params:xml:ns:xmpp-bind')).toBeDefined();
    stream.fail({ kind: 'closed' } as XmppError);
  });

  it('never writes a character XML forbids: each becomes U+FFFD, markup untouched (review finding)', () => {
    const server = fakeServer();
    const stream = new XmlStream(server.socket, 'wardline.test');
    stream.open();
    stream.send(xml('message', { to: 'bob@wardline.test', id: 'a\uFFFEb' }, xml('body', {}, 'x\uFFFFy\u0001z\uD800 \uDC00 😀 tab\tline\n')));
    expect(server.written.at(-1)).toBe("<message to=\"bob@wardline.test\" id=\"a\uFFFDb\"><body>x\uFFFDy\uFFFDz\uFFFD \uFFFD 😀 tab\tline\n</body></message>");
    stream.fail({ kind: 'closed' } as XmppError);
  });

  it('decodes a UTF-8 character split across two TCP chunks', async () => {
    const server = fakeServer();
    const stream = new XmlStream(server.socket, 'wardline.test');
    stream.open();
    const bytes = Buffer.from(`${HEADER}<message><body>Bed 7 \u2014 caf\u00e9 \u{1F691}</body></message>`);
    const split = bytes.indexOf(Buffer.from('\u{1F691}')) + 2;
    server.push(bytes.subarray(0, split));
    server.push(bytes.subarray(split));
    expect((await stream.next()).getChildText('body')).toBe('Bed 7 \u2014 caf\u00e9 \u{1F691}');
    stream.fail({ kind: 'closed' } as XmppError);
  });

  it('ends the stream with not-well-formed on mismatched tags, without throwing', async () => {
    const server = fakeServer();
    const stream = new XmlStream(server.socket, 'wardline.test');
    stream.open();
    const reason = closeReason(stream);
    expect(() => server.push(`${HEADER}<message><body>x</message>`)).not.toThrow();
    expect(await reason).toMatchObject({ kind: 'protocol' });
    expect(server.written.join('')).toContain("<not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>");
    expect(server.socket.writableEnded).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(server.socket.destroyed).toBe(true);
    await expect(stream.next()).rejects.toMatchObject({ kind: 'protocol' });
  });

  it('ends the stream on an illegal entity or character reference (ltx throws for those)', async () => {
    for (const bad of ['<message><body>&bogus;</body></message>', '<message><body>&#0;</body></message>']) {
      const server = fakeServer();
      const stream = new XmlStream(server.socket, 'wardline.test');
      stream.open();
      const reason = closeReason(stream);
      server.push(HEADER + bad);
      expect(await reason).toMatchObject({ kind: 'protocol' });
    }
  });

  it('reports <stream:error/> with its condition', async () => {
    const server = fakeServer();
    const stream = new XmlStream(server.socket, 'wardline.test');
    stream.open();
    const reason = closeReason(stream);
    server.push(`${HEADER}<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>Replaced</text></stream:error>`);
    expect(await reason).toMatchObject({ kind: 'stream', condition: 'conflict' });
  });

  it('refuses an endless element (policy-violation) instead of buffering it', async () => {
    const server = fakeServer();
    const stream = new XmlStream(server.socket, 'wardline.test', { maxElementChars: 10_000 });
    stream.open();
    const reason = closeReason(stream);
    server.push(`${HEADER}<message><body>`);
    for (let i = 0; i < 5; i += 1) server.push('x'.repeat(4_000));
    expect(await reason).toMatchObject({ kind: 'protocol' });
    expect(server.written.join('')).toContain('<policy-violation');
  });

  it('keeps nothing of the whitespace between stanzas (keepalives, hostile filler): 100 MB of it leaves the heap as it was (review finding)', { timeout: 30_000 }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', join(import.meta.dirname, 'xmlStreamMemoryProbe.ts')]);
    const probe = JSON.parse(stdout) as { elements: number; failed: boolean; keptMB: number };
    expect(probe.elements).toBe(100);
    expect(probe.failed).toBe(false);
    expect(probe.keptMB).toBeLessThan(10);
  });

  it('treats </stream:stream> and a closed socket as the end of the stream', async () => {
    const server = fakeServer();
    const stream = new XmlStream(server.socket, 'wardline.test');
    stream.open();
    const reason = closeReason(stream);
    server.push(`${HEADER}</stream:stream>`);
    expect(await reason).toMatchObject({ kind: 'network' });

    const other = fakeServer();
    const second = new XmlStream(other.socket, 'wardline.test');
    second.open();
    const secondReason = closeReason(second);
    other.socket.destroy();
    expect(await secondReason).toMatchObject({ kind: 'network' });
  });
});

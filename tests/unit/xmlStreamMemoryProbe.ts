/**
 * Child process for xmppStream.test.ts (needs --expose-gc): feeds an XmlStream 100 MB of
 * whitespace between 100 stanzas and prints, as JSON, how much the heap kept.
 */
import { Duplex } from 'node:stream';
import { XmlStream } from '../../electron/core/xmpp/xmlStream.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('Run with node --expose-gc.');
const socket = new Duplex({
  read() {},
  write(_chunk, _encoding, callback) {
    callback();
  },
});
const stream = new XmlStream(socket, 'wardline.test');
stream.open();
let elements = 0;
stream.handle(() => {
  elements += 1;
});
socket.emit('data', Buffer.from(`<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`));
const filler = ' '.repeat(1_000_000);
gc();
const before = process.memoryUsage().heapUsed;
for (let i = 0; i < 100; i += 1) socket.emit('data', Buffer.from(`${filler}<a xmlns='urn:xmpp:sm:3' h='0'/>`));
gc();
console.log(JSON.stringify({ elements, failed: stream.failure !== undefined, keptMB: (process.memoryUsage().heapUsed - before) / 1e6 }));

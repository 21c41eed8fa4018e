// Child process for the crash test: signs in, queues messages through the real service, says
// "queued" on stdout once every send() has resolved (the outbox rows are committed), then waits
// to be killed with SIGKILL. Args: dbPath keyHex jid password peerJid host port caPath count.
import { startChat } from '../../electron/core/chat/index.js';
import { openStore } from '../../electron/core/store/index.js';

const [dbPath, keyHex, jid, password, peer, host, port, caPath, count] = process.argv.slice(2);
if (count === undefined) throw new Error('usage: dbPath keyHex jid password peerJid host port caPath count');

const store = await openStore(dbPath!, keyHex!);
const chat = startChat({
  store,
  account: { jid: jid!, password: password!, host: host!, port: Number(port) },
  trust: { adminCa: { paths: [caPath!] }, trustedDomains: [] },
  self: { name: 'Crash test', role: 'Tester' },
});
const conversationId = await chat.openDirect(peer!);
for (let i = 0; i < Number(count); i += 1) {
  await chat.send({ conversationId, body: `crash-queued ${i}`, urgent: false });
}
process.stdout.write('queued\n');
setInterval(() => undefined, 1_000);

/**
 * `npm run demo`: a throwaway Prosody on loopback, two DEMO people, two
 * Wardline windows (Chromium shell), ready to message each other.
 * Everything lives in temporary directories and a private keyring, and is
 * deleted on exit: demo data never mixes with a real profile.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WardlineCore } from '../electron/core/wardlineCore.js';
import { applyKeyringEnv, startKeyring } from '../tests/fixtures/keyring.js';
import { startProsody } from '../tests/fixtures/prosody.js';
import { openWardline, type OpenWardline } from './chromium/openWardline.js';
import { ensureDisplay } from './chromium/xvfb.js';

const PIN = '123456';
const DOMAIN = 'demo.wardline.test';
const PEOPLE = [
  { user: 'sam.okafor', name: 'DEMO Sam Okafor', role: 'Ward clerk' },
  { user: 'ana.lima', name: 'DEMO Dr Ana Lima', role: 'Consultant' },
  { user: 'alice.moreno', name: 'DEMO Alice Moreno', role: 'Bed manager' },
] as const;

async function waitOnline(core: WardlineCore): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (core.session.connection().kind === 'online') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('The demo account did not connect to the demo server.');
}

async function main(): Promise<void> {
  const display = await ensureDisplay();
  const keyring = await startKeyring();
  applyKeyringEnv(keyring.env);
  const server = await startProsody({
    domain: DOMAIN,
    users: PEOPLE.map((p) => ({ username: p.user, password: `${p.user}-demo` })),
  });
  const dirs: string[] = [];
  const windows: OpenWardline[] = [];
  const cleanup = async () => {
    for (const w of windows) await w.close().catch(() => {});
    await server.stop().catch(() => {});
    await keyring.stop().catch(() => {});
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    display.stop();
  };
  process.on('SIGINT', () => void cleanup().then(() => process.exit(0)));
  process.on('SIGTERM', () => void cleanup().then(() => process.exit(0)));

  try {
    const jid = (i: number) => `${PEOPLE[i]!.user}@${DOMAIN}`;
    for (const [i, person] of PEOPLE.slice(0, 2).entries()) {
      const dataDir = await mkdtemp(join(tmpdir(), 'wardline-demo-'));
      dirs.push(dataDir);
      const app = await openWardline({
        dataDir,
        headless: false,
        viewport: { width: 1100, height: 760 },
        core: { chatTrust: { adminCa: { paths: [server.caCertPath] }, trustedDomains: [DOMAIN] } },
      });
      windows.push(app);
      await app.core.session.createProfile({ displayName: person.name, role: person.role, pin: PIN });
      await app.core.session.setAccount({ jid: jid(i), password: `${person.user}-demo`, host: server.host, port: server.c2sPort });
      await waitOnline(app.core);
    }
    const [clerk, consultant] = windows as [OpenWardline, OpenWardline];
    const room = `ward7@${server.mucDomain}`;
    await clerk.core.session.chat().joinRoom(room, 'DEMO Ward 7 nursing');
    await clerk.core.session.chat().addRoomMembers(room, [jid(1), jid(2)]);
    await consultant.core.session.chat().joinRoom(room, 'DEMO Ward 7 nursing');
    await clerk.core.session.chat().openDirect(jid(1));
    await consultant.core.session.chat().openDirect(jid(0));

    console.log(`
Wardline DEMO is running${display.started ? ` on a private X display ${display.display}` : ''}.
  Window 1: ${PEOPLE[0].name} (${PEOPLE[0].role})
  Window 2: ${PEOPLE[1].name} (${PEOPLE[1].role})
  Both PINs: ${PIN}. Team room: "DEMO Ward 7 nursing". Server: Prosody on 127.0.0.1:${server.c2sPort}.
Everything is temporary and is deleted when you press Ctrl+C.`);
  } catch (error) {
    await cleanup();
    throw error;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

/**
 * `npm run demo`: a throwaway Prosody on loopback, DEMO people, and two
 * Wardline windows ready to message each other: Electron where its binary is
 * installed, the Chromium shell otherwise (or with `-- --chromium`).
 * Everything lives in temporary directories and a private keyring, and is
 * deleted on exit: demo data never mixes with a real profile.
 *
 *   WARDLINE_DEMO_CDP_PORTS  "port1,port2": Chromium's DevTools protocol for each window on
 *                            127.0.0.1 (Chromium shell only), so a test can drive the demo
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWardlineCore, type WardlineCore } from '../electron/core/wardlineCore.js';
import { applyKeyringEnv, startKeyring, terminate, type Keyring } from '../tests/fixtures/keyring.js';
import { startProsody, type ProsodyServer } from '../tests/fixtures/prosody.js';
import { openWardline, platformPolicyFile, type OpenWardline } from './chromium/openWardline.js';
import { ensureDisplay, type Display } from './chromium/xvfb.js';

const PIN = '123456';
const DOMAIN = 'demo.wardline.test';
const PEOPLE = [
  { user: 'sam.okafor', name: 'DEMO Sam Okafor', role: 'Ward clerk' },
  { user: 'ana.lima', name: 'DEMO Dr Ana Lima', role: 'Consultant' },
  { user: 'alice.moreno', name: 'DEMO Alice Moreno', role: 'Bed manager' },
] as const;
const projectRoot = fileURLToPath(new URL('../', import.meta.url));
const jid = (i: number): string => `${PEOPLE[i]!.user}@${DOMAIN}`;

/** The Electron binary, if `npm ci` could download it (it cannot on our build machines). */
function electronBinary(): string | null {
  try {
    const dir = join(projectRoot, 'node_modules', 'electron');
    const binary = join(dir, 'dist', readFileSync(join(dir, 'path.txt'), 'utf8').trim());
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

async function waitOnline(core: WardlineCore): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (core.session.connection().kind === 'online') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('The demo account did not connect to the demo server.');
}

/** Creates person i's profile, signs their account in, and sets up the DEMO room and a 1:1 chat. */
async function preparePerson(core: WardlineCore, server: ProsodyServer, i: 0 | 1): Promise<void> {
  const person = PEOPLE[i];
  await core.session.createProfile({ displayName: person.name, role: person.role, pin: PIN });
  await core.session.setAccount({ jid: jid(i), password: `${person.user}-demo`, host: server.host, port: server.c2sPort });
  await waitOnline(core);
  const room = `ward7@${server.mucDomain}`;
  await core.session.chat().joinRoom(room, 'DEMO Ward 7 nursing');
  if (i === 0) await core.session.chat().addRoomMembers(room, [jid(1), jid(2)]);
  await core.session.chat().openDirect(jid(i === 0 ? 1 : 0));
}

function demoCdpPorts(raw: string | undefined): [number, number] | null {
  if (raw === undefined || raw === '') return null;
  const ports = raw.split(',').map(Number);
  if (ports.length !== 2 || ports.some((port) => !Number.isInteger(port) || port < 1024 || port > 65535)) {
    throw new Error(`WARDLINE_DEMO_CDP_PORTS must be two port numbers between 1024 and 65535, e.g. "9301,9302"; got "${raw}"`);
  }
  return [ports[0]!, ports[1]!];
}

/**
 * One temp folder for the whole demo, made the temp folder of everything it starts (Prosody,
 * Chromium, Electron): what those make for themselves (Chromium's singleton-socket folders, for
 * one) goes with it, on any exit. Removed last of the exit handlers' work, and never throwing, so
 * the fixtures' own exit handlers (which kill their daemons) still run.
 */
function useOwnTempFolder(): void {
  const demoTmp = mkdtempSync(join(tmpdir(), 'wardline-demo-'));
  for (const name of ['TMPDIR', 'TMP', 'TEMP'] as const) process.env[name] = demoTmp;
  process.on('exit', () => {
    try {
      rmSync(demoTmp, { recursive: true, force: true, maxRetries: 5 });
      console.log('Wardline DEMO stopped: its server, windows, people and temporary folder are gone.');
    } catch (error) {
      console.error(`The demo could not delete ${demoTmp}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}

async function main(): Promise<void> {
  useOwnTempFolder();
  // Whatever has started so far; a Ctrl+C at any moment, even during start-up, stops exactly that.
  const started: { display?: Display; keyring?: Keyring; server?: ProsodyServer; windows: OpenWardline[]; electrons: ChildProcess[] } = {
    windows: [],
    electrons: [],
  };
  let stopping: Promise<void> | null = null;
  const cleanup = (): Promise<void> =>
    (stopping ??= (async () => {
      // Electron windows are waited for (SIGTERM, then SIGKILL) before their folders go.
      await Promise.all(started.electrons.map(terminate));
      for (const w of started.windows) await w.close().catch(() => {});
      await started.server?.stop().catch(() => {});
      await started.keyring?.stop().catch(() => {});
      started.display?.stop();
    })());
  // Ctrl+C, kill, or the terminal window closed: the demo's people, keys and server go with it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void cleanup().then(() => process.exit(0)));

  try {
    const binary = process.argv.includes('--chromium') ? null : electronBinary();
    const cdpPorts = demoCdpPorts(process.env.WARDLINE_DEMO_CDP_PORTS);
    const display = (started.display = await ensureDisplay());
    started.keyring = await startKeyring();
    applyKeyringEnv(started.keyring.env);
    const server = (started.server = await startProsody({
      domain: DOMAIN,
      users: PEOPLE.map((p) => ({ username: p.user, password: `${p.user}-demo` })),
      // Names in everyone's directory, filled by the server as IT would (docs/DEPLOYMENT.md): a
      // conversation is titled "DEMO Dr Ana Lima" from the start, not "ana.lima".
      sharedRoster: [{ group: 'DEMO Ward 7', members: PEOPLE.map((p, i) => ({ jid: jid(i), name: p.name })) }],
    }));
    const { windows, electrons } = started;
    const chatTrust = { adminCa: { paths: [server.caCertPath] }, trustedDomains: [DOMAIN] };
    for (const i of [0, 1] as const) {
      const dataDir = await mkdtemp(join(tmpdir(), 'wardline-demo-profile-'));
      if (binary === null) {
        const cdpPort = cdpPorts?.[i];
        const app = await openWardline({
          dataDir,
          headless: false,
          viewport: { width: 1100, height: 760 },
          policyFile: platformPolicyFile(),
          core: { chatTrust },
          ...(cdpPort ? { cdpPort } : {}),
        });
        windows.push(app);
        await preparePerson(app.core, server, i);
      } else {
        // Prepare the profile with the same core, then hand its folder to a development Electron,
        // which takes the data folder and the demo CA from the environment (never when packaged).
        const core = createWardlineCore({
          dataDir,
          shell: 'electron',
          version: 'demo',
          platform: process.platform,
          appOrigin: 'app://wardline',
          idle: { idleSeconds: () => 0 },
          chatTrust,
        });
        await core.ready;
        await preparePerson(core, server, i);
        await core.close();
        electrons.push(
          spawn(binary, [projectRoot], {
            stdio: 'inherit',
            env: { ...process.env, WARDLINE_DATA_DIR: dataDir, WARDLINE_ADMIN_CA: server.caCertPath, WARDLINE_TRUSTED_DOMAINS: DOMAIN },
          }),
        );
      }
    }
    console.log(`
Wardline DEMO is running (${binary === null ? 'Chromium shell' : 'Electron'})${display.started ? ` on a private X display ${display.display}` : ''}.
  Window 1: ${PEOPLE[0].name} (${PEOPLE[0].role})
  Window 2: ${PEOPLE[1].name} (${PEOPLE[1].role})
  Both PINs: ${PIN}${binary === null ? '' : ' (unlock each window with it)'}. Team room: "DEMO Ward 7 nursing". Server: Prosody on 127.0.0.1:${server.c2sPort}.
Everything is temporary and is deleted when you press Ctrl+C.${
      display.started
        ? `\nThis machine has no screen of its own, so the windows are drawn on ${display.display}: run the demo on a desktop to see them, or point a VNC server (e.g. x11vnc -display ${display.display}) at it.`
        : ''
    }`);
  } catch (error) {
    await cleanup();
    throw error;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

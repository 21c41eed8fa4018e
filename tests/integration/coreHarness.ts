/**
 * A whole Wardline core (session, vault, real SQLCipher store, real keychain through the test
 * keyring, messaging to the real Prosody fixture) driven through its IPC contract, exactly as
 * the renderer drives it. For tests of behaviour that spans the session (audit, revocation,
 * retention at unlock, policy).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventName, EventPayload, RequestChannel, RequestOf, ResponseOf, Result } from '../../electron/common/contract.js';
import type { ExportRequest } from '../../electron/core/governance/exportFile.js';
import type { NotificationPolicy } from '../../electron/core/notify/notificationPolicy.js';
import type { CallContext } from '../../electron/core/ipc/dispatcher.js';
import type { PolicyLoad } from '../../electron/core/policy/policyFile.js';
import type { Ticker } from '../../electron/core/session/autoLock.js';
import { createWardlineCore, type CoreOptions, type WardlineCore } from '../../electron/core/wardlineCore.js';
import type { ProsodyServer } from '../fixtures/prosody.js';

const CTX: CallContext = { senderUrl: 'app://wardline/index.html', isMainFrame: true };
const roots: string[] = [];

export interface CoreUnderTest {
  readonly core: WardlineCore;
  readonly dataDir: string;
  readonly exports: ExportRequest[];
  /** Every save dialog opened (its suggested name), saved or not. */
  readonly offered: string[];
  readonly notifications: { title: string; body: string; urgent: boolean }[];
  readonly logs: string[];
  /** What the OS clipboard held, in order ('' = cleared), when started with `clipboard: true`. */
  readonly clipboard: string[];
  /** Resolves with the value, or throws the WardlineError's message. */
  call<C extends RequestChannel>(channel: C, payload: RequestOf<C>): Promise<ResponseOf<C>>;
  attempt<C extends RequestChannel>(channel: C, payload: RequestOf<C>): Promise<Result<ResponseOf<C>>>;
  seen<E extends EventName>(event: E): EventPayload<E>[];
  close(): Promise<void>;
}

/** What every test core shares: the Chromium shell's identity, our origin, no link opening, an OS that is never idle. */
export function testCoreBase(dataDir: string): Pick<CoreOptions, 'dataDir' | 'shell' | 'version' | 'platform' | 'appOrigin' | 'idle'> {
  return {
    dataDir,
    shell: 'chromium',
    version: 'test',
    platform: process.platform,
    appOrigin: 'app://wardline',
    idle: { idleSeconds: () => 0 },
  };
}

export function newDataDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `wardline-core-${name}-`));
  roots.push(dir);
  return dir;
}

export function cleanUpDataDirs(): void {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
}

export function startCore(options: {
  server: ProsodyServer;
  dataDir?: string;
  now?: () => number;
  /** Periodic work (auto-lock checks, sweeps) driven by the test; real timers by default. */
  ticker?: Ticker;
  /** The OS's idle time and screen lock; never idle, never locked by default. */
  idle?: CoreOptions['idle'];
  /** How long a refusal must last before a wipe policy erases the profile (default: at the second refusal). */
  wipeConfirmation?: CoreOptions['wipeConfirmation'];
  adminPolicy?: PolicyLoad;
  /** How long the "save dialog" stays open before the person picks a place. */
  exportDialogMs?: number;
  /** Records OS notifications (already redacted) in `notifications`. */
  notificationPolicy?: NotificationPolicy;
  /** An OS clipboard recorded in `clipboard`; none by default. */
  clipboard?: boolean;
}): CoreUnderTest {
  const dataDir = options.dataDir ?? newDataDir('profile');
  const exports: ExportRequest[] = [];
  const offered: string[] = [];
  const notifications: { title: string; body: string; urgent: boolean }[] = [];
  const logs: string[] = [];
  const clipboard: string[] = [];
  const events = new Map<EventName, unknown[]>();
  const core = createWardlineCore({
    ...testCoreBase(dataDir),
    log: (line) => logs.push(line),
    chatTrust: { adminCa: { paths: [options.server.caCertPath] }, trustedDomains: [options.server.domain] },
    exportFile: async (request) => {
      offered.push(request.suggestedName);
      await new Promise((resolve) => setTimeout(resolve, options.exportDialogMs ?? 0));
      if (!request.stillAllowed()) return { saved: false, location: null };
      exports.push(request);
      return { saved: true, location: `(test)/${request.suggestedName}` };
    },
    ...(options.now ? { now: options.now } : {}),
    ...(options.ticker ? { ticker: options.ticker } : {}),
    ...(options.idle ? { idle: options.idle } : {}),
    wipeConfirmation: options.wipeConfirmation ?? { afterMs: 0, everyMs: 200 },
    ...(options.notificationPolicy ? { notificationPolicy: options.notificationPolicy, notify: { show: (n) => void notifications.push(n) } } : {}),
    ...(options.adminPolicy ? { adminPolicy: options.adminPolicy } : {}),
    ...(options.clipboard
      ? { clipboard: { writeText: async (text: string) => void clipboard.push(text), readText: async () => clipboard.at(-1) ?? '', clear: async () => void clipboard.push('') } }
      : {}),
  });
  for (const name of ['session:changed', 'chat:connection', 'conversations:changed', 'held:changed'] as const) {
    core.events.on(name, (payload: unknown) => void (events.get(name) ?? events.set(name, []).get(name))?.push(payload));
  }
  const attempt = async <C extends RequestChannel>(channel: C, payload: RequestOf<C>): Promise<Result<ResponseOf<C>>> =>
    (await core.dispatch(CTX, channel, payload)) as Result<ResponseOf<C>>;
  return {
    core,
    dataDir,
    exports,
    offered,
    notifications,
    logs,
    clipboard,
    attempt,
    call: async (channel, payload) => {
      const result = await attempt(channel, payload);
      if (!result.ok) throw new Error(`${channel}: ${result.error.code}: ${result.error.message}`);
      return result.value;
    },
    seen: <E extends EventName>(event: E) => (events.get(event) ?? []) as EventPayload<E>[],
    close: () => core.close(),
  };
}

export async function signIn(app: CoreUnderTest, server: ProsodyServer, user: string, password: string): Promise<void> {
  await app.call('account:set', { jid: `${user}@${server.domain}`, password, host: server.host, port: server.c2sPort });
  await until(`${user} online`, async () => (await app.call('chat:connection', {})).kind === 'online');
}

export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

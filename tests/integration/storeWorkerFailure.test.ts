/**
 * When the store's worker hangs or dies under an open profile: the key does not stay behind in a
 * live thread after a lock, pending calls do not hang, and the person is locked out with a notice
 * (not answered "internal error" for every action). Real SQLCipher, real keyring, whole core.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallContext } from '../../electron/core/ipc/dispatcher.js';
import { openStore } from '../../electron/core/store/index.js';
import { startWorker, STORE_CLOSE_TIMEOUT_MS } from '../../electron/core/store/storeClient.js';
import { createWardlineCore } from '../../electron/core/wardlineCore.js';
import { applyKeyringEnv, startKeyring, type Keyring } from '../fixtures/keyring.js';
import { testCoreBase } from './coreHarness.js';

const CTX: CallContext = { senderUrl: 'app://wardline/index.html', isMainFrame: true };
const KEY = 'ab'.repeat(32);

// Answers 'open' like the real worker; answers 'close' only after 5.5 s (a long checkpoint, a queue
// behind a big write) and nothing else at all.
const SLOW_WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (request) => {
  if (request.op === 'open') parentPort.postMessage({ id: request.id, ok: true, result: { schemaVersion: 6, migratedFrom: 6 } });
  if (request.op === 'close') setTimeout(() => parentPort.postMessage({ id: request.id, ok: true, result: null }), 5500);
});`;

let keyring: Keyring;
const roots: string[] = [];
beforeAll(async () => {
  keyring = await startKeyring();
  applyKeyringEnv(keyring.env);
});
afterAll(async () => {
  await keyring?.stop();
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wardline-worker-failure-'));
  roots.push(dir);
  return dir;
}

describe('a store worker that hangs or dies', () => {
  it('lets go of a worker that is slow to close at once, and stops it only when it is free (never mid-call)', async () => {
    let worker: Worker | null = null;
    const store = await openStore(join(tempDir(), 'store.db'), KEY, {
      startWorker: () => (worker = new Worker(SLOW_WORKER, { eval: true })),
    });
    let exitedAt = 0;
    const exited = new Promise<void>((resolve) => worker?.once('exit', () => ((exitedAt = performance.now()), resolve())));
    const waiting = store.listConversations().catch((error: unknown) => error);
    const started = performance.now();
    await expect(store.close()).rejects.toMatchObject({ kind: 'closed' });
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(STORE_CLOSE_TIMEOUT_MS - 50);
    expect(took).toBeLessThan(STORE_CLOSE_TIMEOUT_MS + 1_000);
    // Calls waiting on it, and later ones, are turned away at once.
    expect(await waiting).toMatchObject({ kind: 'closed' });
    await expect(store.getSetting('x')).rejects.toMatchObject({ kind: 'closed' });
    // Terminating a worker inside a native SQLite call aborts the whole process: it is stopped
    // only after it answered its close.
    await exited;
    expect(exitedAt - started).toBeGreaterThanOrEqual(5_400);
  }, 15_000);

  it('locks the session with a notice when the worker dies under an unlocked profile, and unlocking opens it again', async () => {
    const dataDir = tempDir();
    const workers: Worker[] = [];
    const logs: string[] = [];
    const core = createWardlineCore({
      ...testCoreBase(dataDir),
      ticker: { every: () => () => undefined },
      log: (line) => logs.push(line),
      openStore: (path, keyHex, create) =>
        openStore(path, keyHex, {
          create,
          startWorker: () => {
            const worker = startWorker();
            workers.push(worker);
            return worker;
          },
        }),
    });
    try {
      await core.ready;
      const call = (channel: string, payload: object) => core.dispatch(CTX, channel as never, payload as never) as Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>;
      const created = await call('profiles:create', { displayName: 'Sam Okafor', role: 'Ward clerk', pin: '246810' });
      expect(created.ok).toBe(true);
      const conversation = await core.session.store().upsertConversation({ jid: 'ward7@conference.trust.example', kind: 'room', title: 'Ward 7' });

      // The thread dies (a native crash, out of memory): main locks and says why.
      await workers.at(-1)?.terminate();
      await expect.poll(() => core.session.state().kind).toBe('locked');
      const state = core.session.state();
      expect(state).toMatchObject({ kind: 'locked', notice: expect.stringMatching(/encrypted store stopped working/) });
      expect(logs.join('\n')).toMatch(/session store-failed kind=closed/);
      expect(logs.join('\n')).toMatch(/locked reason=store-failed/);
      expect(await call('conversations:list', {})).toMatchObject({ ok: false, error: { code: 'locked' } });

      // Unlocking opens a fresh worker on the same (intact) store.
      const profileId = (created.value as { id: string }).id;
      const unlocked = await call('session:unlock', { profileId, pin: '246810' });
      expect(unlocked).toMatchObject({ ok: true, value: { kind: 'unlocked' } });
      const list = await call('conversations:list', {});
      expect(list).toMatchObject({ ok: true });
      expect((list.value as { id: number }[]).map((c) => c.id)).toContain(conversation);
    } finally {
      await core.close();
    }
  }, 30_000);
});

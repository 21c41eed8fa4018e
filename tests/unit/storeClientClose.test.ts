/**
 * A store whose worker answers close() with an error (its final checkpoint failed: a full disk) is
 * still let go: worker stopped, every later call refused by the client.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../electron/core/store/index.js';

// Answers like the real worker on a full disk: open works, close fails (checkpoint: SQLITE_FULL),
// and it keeps answering every later request (it is still alive, connection and key included).
const FULL_DISK_WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (request) => {
  if (request.op === 'open') return parentPort.postMessage({ id: request.id, ok: true, result: { schemaVersion: 9, migratedFrom: 9 } });
  if (request.op === 'close') return parentPort.postMessage({ id: request.id, ok: false, error: { kind: 'io', message: 'The Wardline database could not be read or written.' } });
  parentPort.postMessage({ id: request.id, ok: true, result: 'still open' });
});`;

describe('StoreClient.close when the worker reports a failed close', () => {
  it('stops the worker and refuses later calls', async () => {
    let worker: Worker | null = null;
    const store = await openStore('/nonexistent/wardline.db', 'ab'.repeat(32), { startWorker: () => (worker = new Worker(FULL_DISK_WORKER, { eval: true })) });
    const exited = new Promise<boolean>((resolve) => {
      worker?.once('exit', () => resolve(true));
      setTimeout(() => resolve(false), 3_000).unref();
    });
    await expect(store.close()).rejects.toMatchObject({ kind: 'io' });
    await expect(store.getSetting('xmpp.account')).rejects.toMatchObject({ kind: 'closed' });
    expect(await exited).toBe(true);
  });
});

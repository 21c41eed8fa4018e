/**
 * A damaged profile file through the whole core (real keyring, real SQLCipher): the picker says so
 * instead of the profile vanishing unexplained.
 */
import { mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallContext } from '../../electron/core/ipc/dispatcher.js';
import { createWardlineCore, type WardlineCore } from '../../electron/core/wardlineCore.js';
import { applyKeyringEnv, startKeyring, type Keyring } from '../fixtures/keyring.js';
import { testCoreBase } from './coreHarness.js';

const CTX: CallContext = { senderUrl: 'app://wardline/index.html', isMainFrame: true };
const PIN = '246810';
let keyring: Keyring;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  keyring = await startKeyring();
  applyKeyringEnv(keyring.env);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await keyring?.stop();
});
type Reply = { ok: boolean; value?: unknown; error?: { code: string; message: string } };

function coreOn(dataDir: string): { core: WardlineCore; call: (channel: string, payload: object) => Promise<Reply> } {
  const core = createWardlineCore({ ...testCoreBase(dataDir), ticker: { every: () => () => undefined } });
  cleanups.push(() => core.close());
  return { core, call: (channel, payload) => core.dispatch(CTX, channel as never, payload as never) as Promise<Reply> };
}

describe('damaged files', () => {
  it('a truncated profile.json: the picker says a profile cannot be read, instead of it vanishing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wardline-damaged-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = coreOn(dataDir);
    await first.core.ready;
    const created = await first.call('profiles:create', { displayName: 'Sam Okafor', role: 'Ward clerk', pin: PIN });
    const id = (created.value as { id: string }).id;
    await first.core.close();
    const file = join(dataDir, 'profiles', id, 'profile.json');
    truncateSync(file, Math.floor(statSync(file).size / 2));

    const again = coreOn(dataDir);
    await again.core.ready;
    const state = again.core.session.state();
    expect(state).toMatchObject({ kind: 'no-profile', profiles: [], notice: expect.stringMatching(/^One profile on this computer cannot be read: its file is damaged.*Ask IT to restore the profile folder from backup\.$/) });
    // Another person can still set up their own profile; the notice stays until IT has dealt with it.
    expect((await again.call('profiles:create', { displayName: 'Jo Patel', role: 'Nurse', pin: PIN })).ok).toBe(true);
    await again.call('session:lock', {});
    expect(again.core.session.state()).toMatchObject({ kind: 'locked', profiles: [{ displayName: 'Jo Patel' }], notice: expect.stringMatching(/^One profile/) });
  });
});

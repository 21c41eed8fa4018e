/**
 * What a person sees when an unlock cannot finish, through the whole core and its IPC contract,
 * with the real keyring and the real SQLCipher store: a right PIN over a missing or foreign store,
 * and a policy wipe (review findings on the vault).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallContext } from '../../electron/core/ipc/dispatcher.js';
import type { LockPolicy } from '../../electron/core/policy/lockPolicy.js';
import { createWardlineCore, type WardlineCore } from '../../electron/core/wardlineCore.js';
import { applyKeyringEnv, startKeyring, type Keyring } from '../fixtures/keyring.js';
import { testCoreBase } from './coreHarness.js';

const CTX: CallContext = { senderUrl: 'app://wardline/index.html', isMainFrame: true };
const PIN = '246810';
const WIPE_AFTER_3: LockPolicy = { idleLockSeconds: 300, wipeAfterFailedUnlocks: 3, delayAfterFailures: 5 };

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

/** A whole core on `dataDir` with the real keyring (no messaging server needed here). */
function coreOn(dataDir: string, policy?: LockPolicy, log?: (line: string) => void): WardlineCore {
  return createWardlineCore({
    ...testCoreBase(dataDir),
    ticker: { every: () => () => undefined },
    ...(log ? { log } : {}),
    ...(policy ? { policy } : {}),
  });
}

function start(policy?: LockPolicy): { core: WardlineCore; dataDir: string; logs: string[]; call: (channel: string, payload: object) => Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }> } {
  const dataDir = mkdtempSync(join(tmpdir(), 'wardline-unlock-failures-'));
  const logs: string[] = [];
  const core = coreOn(dataDir, policy, (line) => logs.push(line));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }), () => core.close());
  // The contract's types are exercised elsewhere; here only codes and messages matter.
  const call = (channel: string, payload: object) => core.dispatch(CTX, channel as never, payload as never) as never;
  return { core, dataDir, logs, call };
}

async function createLocked(harness: ReturnType<typeof start>, displayName: string): Promise<string> {
  await harness.core.ready;
  const created = await harness.call('profiles:create', { displayName, role: 'Ward clerk', pin: PIN });
  expect(created.ok).toBe(true);
  await harness.call('session:lock', {});
  return (created.value as { id: string }).id;
}

describe('unlock failures a person can act on', () => {
  it('says what happened when the PIN is right but the message store is foreign, damaged or gone, and changes nothing', async () => {
    const harness = start();
    const id = await createLocked(harness, 'Sam Okafor');
    const db = join(harness.dataDir, 'profiles', id, 'wardline.db');
    for (const suffix of ['-wal', '-shm']) rmSync(db + suffix, { force: true });

    writeFileSync(db, randomBytes(16_384));
    const foreign = await harness.call('session:unlock', { profileId: id, pin: PIN });
    expect(foreign.ok).toBe(false);
    expect(foreign.error?.code).toBe('rejected');
    expect(foreign.error?.message).toMatch(/^Your PIN is right, but this profile's message store does not open with this profile's key.*Nothing was changed\. Ask IT/);
    expect(harness.core.session.isUnlocked()).toBe(false);

    rmSync(db);
    const missing = await harness.call('session:unlock', { profileId: id, pin: PIN });
    expect(missing.error?.message).toMatch(/^Your PIN is right, but this profile's message store is missing from this computer/);
    // Never a fresh empty store in its place: the person's history must not silently vanish.
    expect(existsSync(db)).toBe(false);
    expect(harness.logs).toContain('session store-open-failed kind=missing');
    expect(harness.logs).toContain('session store-open-failed kind=wrong-key-or-not-wardline');
  });

  it('takes a profile erased by the wrong-PIN policy off the picker at once', async () => {
    const harness = start(WIPE_AFTER_3);
    const erased = await createLocked(harness, 'Dr Ana Lima');
    const kept = await createLocked(harness, 'Sam Okafor');
    const outcomes: string[] = [];
    const warnings: (number | undefined)[] = [];
    for (let i = 0; i < 3; i += 1) {
      const attempt = await harness.call('session:unlock', { profileId: erased, pin: '000000' });
      outcomes.push(attempt.error?.message ?? 'unlocked');
      const state = harness.core.session.state();
      // What the lock screen shows before anyone types again.
      warnings.push(state.kind === 'locked' ? state.profiles.find((p) => p.id === erased)?.attemptsBeforeErase : undefined);
      if (i === 1) {
        // Still said after a restart: the counters are on disk.
        const again = coreOn(harness.dataDir, WIPE_AFTER_3);
        await again.ready;
        const afterRestart = again.session.state();
        expect(afterRestart.kind === 'locked' ? afterRestart.profiles : null).toEqual([
          { id: erased, displayName: 'Dr Ana Lima', attemptsBeforeErase: 1 },
          { id: kept, displayName: 'Sam Okafor' },
        ]);
        await again.close();
      }
    }
    expect(warnings).toEqual([2, 1, undefined]);
    expect(outcomes[1]).toMatch(/Warning: after 1 more wrong attempt, this profile will be erased/);
    expect(outcomes[2]).toMatch(/has been erased/);
    const state = harness.core.session.state();
    expect(state).toMatchObject({ kind: 'locked', profiles: [{ id: kept, displayName: 'Sam Okafor' }] });
    expect(state.kind === 'locked' && state.profiles.some((p) => p.id === erased)).toBe(false);
  });

  it('counts wrong PINs typed into "Remove profile" like any other: the picker warns, and a policy wipe of the open profile locks it first (review finding)', async () => {
    const harness = start(WIPE_AFTER_3);
    const other = await createLocked(harness, 'Sam Okafor');
    const id = await createLocked(harness, 'Dr Ana Lima');
    // Locked: two wrong PINs in the removal dialog, and the picker warns before the last one.
    for (let i = 0; i < 2; i += 1) expect((await harness.call('profiles:remove', { profileId: id, pin: '000000' })).error?.code).toBe('wrong-pin');
    const warned = harness.core.session.state();
    expect(warned.kind === 'locked' ? warned.profiles.find((p) => p.id === id)?.attemptsBeforeErase : null).toBe(1);

    // Unlocked (which resets the count), then three wrong PINs in the open person's own removal dialog.
    expect((await harness.call('session:unlock', { profileId: id, pin: PIN })).ok).toBe(true);
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i += 1) outcomes.push((await harness.call('profiles:remove', { profileId: id, pin: '000000' })).error?.message ?? 'removed');
    expect(outcomes[2]).toMatch(/has been erased/);
    // The erased person's session is closed, not left open on deleted files.
    expect(harness.core.session.isUnlocked()).toBe(false);
    expect((await harness.call('conversations:list', {})).ok).toBe(false);
    expect(harness.core.session.state()).toMatchObject({ kind: 'locked', profiles: [{ id: other, displayName: 'Sam Okafor' }] });
    expect(existsSync(join(harness.dataDir, 'profiles', id))).toBe(false);
  });

  it('refuses a profile.json restored from before a PIN change, with the old PIN, and says why (review finding)', async () => {
    const harness = start();
    await harness.core.ready;
    const created = await harness.call('profiles:create', { displayName: 'Dr Ana Lima', role: 'Registrar', pin: '111111' });
    const id = (created.value as { id: string }).id;
    const file = join(harness.dataDir, 'profiles', id, 'profile.json');
    const copy = readFileSync(file, 'utf8');
    expect((await harness.call('session:changePin', { currentPin: '111111', newPin: '222222' })).ok).toBe(true);
    await harness.call('session:lock', {});

    writeFileSync(file, copy);
    const restored = await harness.call('session:unlock', { profileId: id, pin: '111111' });
    expect(restored.ok).toBe(false);
    expect(restored.error?.code).toBe('rejected');
    expect(restored.error?.message).toMatch(/older copy, from before its PIN was last changed/);
    expect(harness.core.session.isUnlocked()).toBe(false);
  });
});

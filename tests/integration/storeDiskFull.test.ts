/**
 * A whole core (real keyring, real SQLCipher) whose data folder sits on a disk that fills up: a
 * size-limited tmpfs, mounted by the test (root, as the vault's chattr tests need too).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallContext } from '../../electron/core/ipc/dispatcher.js';
import { openStore } from '../../electron/core/store/index.js';
import { createWardlineCore, type WardlineCore } from '../../electron/core/wardlineCore.js';
import { applyKeyringEnv, startKeyring, type Keyring } from '../fixtures/keyring.js';
import { testCoreBase } from './coreHarness.js';

const CTX: CallContext = { senderUrl: 'app://wardline/index.html', isMainFrame: true };
const PIN = '246810';

let keyring: Keyring;
let disk: string;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  keyring = await startKeyring();
  applyKeyringEnv(keyring.env);
  disk = mkdtempSync(join(tmpdir(), 'wardline-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tmpfs', disk], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(`These tests fill a small disk: run them as root with CAP_SYS_ADMIN (mount -t tmpfs). ${String(error)}`);
  }
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await keyring?.stop();
  try {
    execFileSync('umount', ['-l', disk]);
  } catch {
    // already gone
  }
  rmSync(disk, { recursive: true, force: true });
});

type Reply = { ok: boolean; value?: unknown; error?: { code: string; message: string } };

function start(beforeCreate?: () => void): { core: WardlineCore; dataDir: string; call: (channel: string, payload: object) => Promise<Reply>; fill: (leaveBytes?: number) => void; free: () => void } {
  const dataDir = join(disk, `data-${randomBytes(4).toString('hex')}`);
  const fillers = join(disk, `fill-${randomBytes(4).toString('hex')}`);
  mkdirSync(dataDir);
  mkdirSync(fillers);
  const core = createWardlineCore({
    ...testCoreBase(dataDir),
    ticker: { every: () => () => undefined },
    // The real store; `beforeCreate` runs just before a new profile's store is made.
    openStore: (path, keyHex, create) => {
      if (create) beforeCreate?.();
      return openStore(path, keyHex, { create });
    },
  });
  const free = (): void => rmSync(fillers, { recursive: true, force: true });
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }), free, () => core.close());
  const call = (channel: string, payload: object) => core.dispatch(CTX, channel as never, payload as never) as Promise<Reply>;
  /** Fills the disk, then gives back about `leaveBytes`. */
  const fill = (leaveBytes = 0): void => {
    mkdirSync(fillers, { recursive: true });
    let i = 0;
    for (const size of [256 * 1024, 16 * 1024, 1024]) {
      for (;;) {
        try {
          writeFileSync(join(fillers, `f${i++}`), Buffer.alloc(size));
        } catch {
          rmSync(join(fillers, `f${i - 1}`), { force: true });
          break;
        }
      }
    }
    for (let given = 0; given < leaveBytes; given += 1024) rmSync(join(fillers, `f${--i}`), { force: true });
  };
  return { core, dataDir, call, fill, free };
}

/** Files of this process open under `dir` (the store worker is a thread of this process). */
function openFilesUnder(dir: string): string[] {
  const open: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) open.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return open;
}

describe('a full disk under an open profile', () => {
  it('says the disk is full when a draft cannot be kept, not "internal error"', async () => {
    const app = start();
    await app.core.ready;
    expect((await app.call('profiles:create', { displayName: 'Sam Okafor', role: 'Ward clerk', pin: PIN })).ok).toBe(true);
    const conversationId = await app.core.session.store().upsertConversation({ jid: 'dr.lima@trust.example', kind: 'direct', title: 'Dr Lima' });
    app.fill();
    const saved = await app.call('drafts:save', { conversationId, body: 'Bed 4 obs due at 14:00, please check', urgent: false });
    expect(saved.ok).toBe(false);
    // storeFailureForPerson's disk message (ipc/storeFailure.ts), which names what to do.
    expect(saved.error).toMatchObject({ code: 'rejected', message: expect.stringMatching(/could not write to this computer's disk/) });
  });

  it('closes the store (and lets go of its key) when Wardline locks on a full disk', async () => {
    const app = start();
    await app.core.ready;
    expect((await app.call('profiles:create', { displayName: 'Dr Ana Lima', role: 'Registrar', pin: PIN })).ok).toBe(true);
    const store = app.core.session.store();
    const conversationId = await store.upsertConversation({ jid: 'sam@trust.example', kind: 'direct', title: 'Sam' });
    // A normal morning's traffic: it sits in the WAL until a checkpoint.
    await store.insertReceivedBatch(
      Array.from({ length: 200 }, (_, n) => ({ conversationId, serverId: `s${n}`, senderJid: 'sam@trust.example', body: `Obs round ${n}: ${randomBytes(200).toString('hex')}`, sentAt: Date.now() - 1000 + n, receivedAt: Date.now() - 1000 + n })),
    );
    expect(openFilesUnder(app.dataDir).length).toBeGreaterThan(0);
    app.fill();
    const locked = await app.call('session:lock', {});
    expect(locked.ok).toBe(true);
    expect(app.core.session.isUnlocked()).toBe(false);
    // Locked means closed: no connection to the profile's database stays open in a live worker.
    expect(openFilesUnder(app.dataDir)).toEqual([]);
    // And nothing is lost: with space again, the WAL the full disk kept is replayed at unlock.
    app.free();
    const profileId = (locked.value as { lockedProfileId: string }).lockedProfileId;
    expect((await app.call('session:unlock', { profileId, pin: PIN })).ok).toBe(true);
    const page = await app.core.session.store().pageMessages(conversationId, null, 500);
    expect(page.messages).toHaveLength(200);
  });

  it('does not leave a profile behind that can never open when its store cannot be created on a full disk', async () => {
    // The disk fills between profile.json and the new store (another profile's sync, a log).
    let fillNow = true;
    const app = start(() => {
      if (fillNow) app.fill();
      fillNow = false;
    });
    await app.core.ready;
    const created = await app.call('profiles:create', { displayName: 'Jo Patel', role: 'Nurse', pin: PIN });
    expect(created).toMatchObject({ ok: false, error: { message: expect.stringMatching(/could not create the profile's encrypted store.*no profile was made/) } });
    app.free();
    // IT frees space: no half-made profile waits in the picker, "missing" at every unlock.
    const state = app.core.session.state();
    expect(state.kind === 'locked' || state.kind === 'no-profile' ? state.profiles : null).toEqual([]);
    expect((await app.call('profiles:create', { displayName: 'Jo Patel', role: 'Nurse', pin: PIN })).ok).toBe(true);
  });
});

describe('a full disk at the lock screen', () => {
  it('says the disk is full when a PIN cannot be checked for want of space, not "check the folder permissions"', async () => {
    const app = start();
    await app.core.ready;
    const created = await app.call('profiles:create', { displayName: 'Sam Okafor', role: 'Ward clerk', pin: PIN });
    const id = (created.value as { id: string }).id;
    await app.call('session:lock', {});
    app.fill();
    const unlocked = await app.call('session:unlock', { profileId: id, pin: PIN });
    expect(unlocked.ok).toBe(false);
    // IT is sent to the real problem: the profile folder's permissions are fine.
    expect(unlocked.error?.message).toMatch(/disk|space/i);
  });
});

/**
 * The keyring fixture starts a real Secret Service (private D-Bus + unlocked
 * gnome-keyring), keytar really stores and reads a secret through it, and
 * stop() leaves no daemon and no directory behind.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyKeyringEnv, isRunning, startKeyring } from '../fixtures/keyring.js';

describe('keyring fixture', () => {
  it('serves a real keytar set/get/delete round trip, then stops cleanly', async () => {
    const keyring = await startKeyring();
    try {
      expect(isRunning(keyring.pids.bus)).toBe(true);
      expect(isRunning(keyring.pids.keyring)).toBe(true);
      // Before keytar's first D-Bus call: GDBus caches the session connection.
      applyKeyringEnv(keyring.env);
      const keytar = (await import('keytar')).default;

      await keytar.setPassword('Wardline-fixture-test', 'account-1', 'correct horse');
      expect(await keytar.getPassword('Wardline-fixture-test', 'account-1')).toBe('correct horse');
      expect(await keytar.deletePassword('Wardline-fixture-test', 'account-1')).toBe(true);
      expect(await keytar.getPassword('Wardline-fixture-test', 'account-1')).toBeNull();
    } finally {
      await keyring.stop();
    }
    expect(isRunning(keyring.pids.keyring)).toBe(false);
    expect(isRunning(keyring.pids.bus)).toBe(false);
    expect(existsSync(keyring.dir)).toBe(false);
    // Idempotent.
    await keyring.stop();
  });

  it('fails with an install hint, never a skip, when the daemons are missing', async () => {
    const path = process.env['PATH'];
    const emptyDir = await mkdtemp(join(tmpdir(), 'wardline-no-tools-'));
    process.env['PATH'] = emptyDir;
    try {
      await expect(startKeyring()).rejects.toThrow(/sudo apt-get install gnome-keyring dbus libsecret-1-dev/);
    } finally {
      process.env['PATH'] = path;
      await rm(emptyDir, { recursive: true, force: true });
    }
  });
});

/**
 * A PIN typed on the lock screen of a shared ward PC and never submitted (the person was called
 * away mid-PIN) must not wait there for whoever comes next: Enter, or "Remove profile", would
 * open or erase the first person's profile with it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWardline, type OpenWardline } from '../../tools/chromium/openWardline.js';
import { applyKeyringEnv, startKeyring, type Keyring } from '../fixtures/keyring.js';
import { noAdminPolicy } from './noAdminPolicy.js';
import { createProfileThroughUi } from './steps.js';

const PIN_A = `early shift ${randomBytes(4).toString('hex')}`;

describe('a PIN left typed on the lock screen', () => {
  let keyring: Keyring;
  let app: OpenWardline;
  let dataDir: string;

  beforeAll(async () => {
    keyring = await startKeyring();
    applyKeyringEnv(keyring.env);
    dataDir = await mkdtemp(join(tmpdir(), 'wardline-e2e-lockpin-'));
    app = await openWardline({ dataDir, headless: true, policyFile: noAdminPolicy(dataDir) });
  });

  afterAll(async () => {
    await app?.close();
    await keyring?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('is cleared after half a minute without typing, so the next person cannot unlock or remove the profile with it', async () => {
    const { page, core } = app;
    await createProfileThroughUi(page, 'Sam Okafor', 'Ward clerk', PIN_A);
    await page.keyboard.press('Control+L');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Wardline is locked');

    // Sam starts to come back, types the PIN, and is called away before pressing Unlock.
    const pin = page.getByLabel('PIN or passphrase');
    await pin.fill(PIN_A);
    await page.waitForTimeout(31_000);

    // Whoever comes next finds an empty PIN box: Enter opens nothing, Remove is not offered.
    expect(await pin.inputValue()).toBe('');
    await pin.press('Enter');
    expect(await page.getByRole('button', { name: 'Remove profile' }).isDisabled()).toBe(true);
    await page.waitForTimeout(1_000);
    expect(core.session.isUnlocked()).toBe(false);
    expect(core.session.state().kind).toBe('locked');
  }, 90_000);
});

/**
 * What one person leaves behind at a shared ward PC must not be there for the next person:
 * - text copied out of Wardline by hand (Ctrl+C on a message, or on the transcription note instead
 *   of its Copy button) is clinical text on the OS clipboard; like the note Wardline copies itself,
 *   the lock takes it back (unless something else has been copied since);
 * - a PIN typed on the lock screen and never submitted (called away mid-PIN): Enter, or "Remove
 *   profile", would open or erase the first person's profile with it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWardline, type OpenWardline } from '../../tools/chromium/openWardline.js';
import { applyKeyringEnv, startKeyring, type Keyring } from '../fixtures/keyring.js';
import { checkScreen } from './checkScreen.js';
import { noAdminPolicy } from './noAdminPolicy.js';
import { createProfileThroughUi, unlockThroughUi } from './steps.js';

const nonce = randomBytes(4).toString('hex');
const PIN_A = `early shift ${nonce}`;
const PIN_B = `late shift ${nonce}`;
const SECRET_TEXT = `Bed 9 troponin 412 rising, cardiology aware ${nonce}`;

describe('what one person leaves behind at a shared PC', () => {
  let keyring: Keyring;
  let app: OpenWardline;
  let dataDir: string;

  beforeAll(async () => {
    keyring = await startKeyring();
    applyKeyringEnv(keyring.env);
    dataDir = await mkdtemp(join(tmpdir(), 'wardline-e2e-shared-pc-'));
    app = await openWardline({ dataDir, headless: true, policyFile: noAdminPolicy(dataDir) });
  });

  afterAll(async () => {
    await app?.close();
    await keyring?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('takes message text copied with Ctrl+C off the clipboard when Wardline locks, before someone else signs in', async () => {
    const { page, core } = app;
    await createProfileThroughUi(page, 'Sam Okafor', 'Ward clerk', PIN_A);
    const store = core.session.store();
    const conversationId = await store.upsertConversation({ jid: 'ward9@conference.wardline.test', kind: 'room', title: 'Ward 9 nursing' });
    const t = Date.now() - 10 * 60_000;
    await store.insertReceivedBatch([
      { conversationId, originId: 'c1', senderJid: 'nurse@wardline.test', senderName: 'Priya Shah', senderRole: 'Staff nurse', body: SECRET_TEXT, sentAt: t, receivedAt: t },
    ]);
    // Lock and unlock, so the list is read fresh from the store.
    await page.getByRole('button', { name: 'Lock now' }).click();
    await unlockThroughUi(page, 'Sam Okafor', PIN_A);
    await page.getByRole('button', { name: /Ward 9 nursing/ }).click();
    await expect.poll(() => page.getByRole('list', { name: 'Messages' }).textContent()).toContain(SECRET_TEXT);

    // Sam selects the message's text and copies it, as people do to paste advice somewhere.
    await page.getByText(SECRET_TEXT, { exact: true }).selectText();
    await page.keyboard.press('Control+C');
    await expect.poll(() => page.evaluate('navigator.clipboard.readText()')).toBe(SECRET_TEXT);

    // Sam is called away and locks; Ana adds her own profile at the same PC.
    await page.keyboard.press('Control+L');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Wardline is locked');
    await page.getByRole('button', { name: 'Add a profile' }).click();
    await createProfileThroughUi(page, 'Dr Ana Lima', 'Consultant', PIN_B);

    // Ana pastes into her search box: nothing of Sam's comes out.
    const search = page.getByLabel('Search messages');
    await search.click();
    await page.keyboard.press('Control+V');
    expect(await search.inputValue()).not.toContain(SECRET_TEXT);
    expect(await page.evaluate('navigator.clipboard.readText()')).not.toContain(SECRET_TEXT);
  });

  it('a PIN left typed on the lock screen is cleared after half a minute without typing, so the next person cannot unlock or remove the profile with it', async () => {
    const { page, core } = app;
    await page.keyboard.press('Control+L');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Wardline is locked');

    // Sam starts to come back, types the PIN, and is called away before pressing Unlock.
    await page.getByRole('radio', { name: 'Sam Okafor' }).check();
    const pin = page.getByLabel('PIN or passphrase');
    await pin.fill(PIN_A);
    await page.waitForTimeout(31_000);

    // Whoever comes next finds an empty PIN box: Enter opens nothing, Remove is not offered.
    // Polled: the page's own 30 s timer can run late on a loaded machine.
    await expect.poll(() => pin.inputValue()).toBe('');
    // And is told why, so nobody thinks they mistyped.
    expect(await page.getByRole('status').filter({ hasText: 'The PIN box was emptied' }).count()).toBe(1);
    await checkScreen(page, 'shared-pc-01-pin-emptied');
    await pin.press('Enter');
    expect(await page.getByRole('button', { name: 'Remove profile' }).isDisabled()).toBe(true);
    await page.waitForTimeout(1_000);
    expect(core.session.isUnlocked()).toBe(false);
    expect(core.session.state().kind).toBe('locked');
  }, 90_000);
});

/**
 * A message the server bounces, as the sender sees it: "Not delivered — <why>" with a Retry
 * button in the thread, a mark on the conversation in the list, and a retry that goes through
 * once the address exists. Real Chromium, real core, real SQLCipher store, real Prosody.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWardline, type OpenWardline } from '../../tools/chromium/openWardline.js';
import { applyKeyringEnv, startKeyring, type Keyring } from '../fixtures/keyring.js';
import { startProsody, type ProsodyServer } from '../fixtures/prosody.js';
import { noAdminPolicy } from './noAdminPolicy.js';
import { checkScreen } from './checkScreen.js';
import { connectThroughUi, createProfileThroughUi } from './steps.js';

describe('a bounced message, end to end', () => {
  let keyring: Keyring;
  let server: ProsodyServer;
  let app: OpenWardline;
  let dataDir: string;

  beforeAll(async () => {
    keyring = await startKeyring();
    applyKeyringEnv(keyring.env);
    // 'newcomer' has no account yet: messages to it bounce.
    server = await startProsody({ users: [{ username: 'alice', password: 'alice-password' }] });
    dataDir = await mkdtemp(join(tmpdir(), 'wardline-e2e-bounce-'));
    app = await openWardline({
      dataDir,
      headless: true,
      policyFile: noAdminPolicy(dataDir),
      core: { chatTrust: { adminCa: { paths: [server.caCertPath] }, trustedDomains: [server.domain] } },
    });
    await createProfileThroughUi(app.page, 'Alice Moreno', 'Bed manager', '246810');
    await connectThroughUi(app.page, server, 'alice', 'alice-password');
  });

  afterAll(async () => {
    await app?.close();
    await server?.stop();
    await keyring?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('shows "Not delivered" with the reason and a Retry button; the retry goes through once the address exists', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'New' }).click();
    await page.getByLabel('Message an address').fill(`newcomer@${server.domain}`);
    await page.getByRole('button', { name: 'Message', exact: true }).click();
    const composer = page.getByLabel('Message', { exact: true });
    await composer.fill('Side room 3 is free for your isolation patient.');
    await composer.press('Enter');

    const messages = page.getByRole('list', { name: 'Messages' });
    await expect.poll(() => messages.textContent()).toContain('Not delivered — this address does not exist');
    const retry = messages.getByRole('button', { name: /^Retry sending your message from \d\d:\d\d$/ });
    expect(await retry.count()).toBe(1);
    // The text is kept, and the list marks the conversation.
    expect(await messages.textContent()).toContain('Side room 3 is free for your isolation patient.');
    const item = page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /newcomer, 1 not delivered/ });
    // The list re-reads on a change event, which main sends at most every quarter second.
    await expect.poll(() => item.count()).toBe(1);
    await checkScreen(page, 'bounce-01-not-delivered');

    await server.register('newcomer', 'newcomer-password');
    await retry.click();
    // Nobody is signed in as newcomer yet, so the server keeps it for them: sent, one tick.
    await expect.poll(() => messages.getByLabel('Sent', { exact: true }).count(), { timeout: 15_000 }).toBe(1);
    expect(await messages.textContent()).not.toContain('Not delivered');
    expect(await messages.getByRole('button', { name: /^Retry/ }).count()).toBe(0);
    await expect.poll(() => page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /not delivered/ }).count()).toBe(0);
    await checkScreen(page, 'bounce-02-retried');
  });
});

/**
 * What a person does on the lock screen and in the workspace, as e2e steps. Locator waits rather
 * than expect.poll, so the steps also work in beforeAll.
 */
import type { Page } from 'playwright-core';
import type { ProsodyServer } from '../fixtures/prosody.js';

export async function createProfileThroughUi(page: Page, name: string, role: string, pin: string): Promise<void> {
  const form = page.getByRole('form', { name: 'Create profile' });
  await form.getByLabel('Your name, as colleagues know you').fill(name);
  await form.getByLabel('Role').fill(role);
  await form.getByLabel('PIN or passphrase', { exact: true }).fill(pin);
  await form.getByLabel('Repeat PIN or passphrase').fill(pin);
  await form.getByRole('button', { name: 'Create profile' }).click();
  await page.getByRole('status', { name: 'Session state' }).filter({ hasText: /^Unlocked$/ }).waitFor();
}

export async function unlockThroughUi(page: Page, name: string, pin: string): Promise<void> {
  await page.getByRole('radio', { name }).check();
  await page.getByLabel('PIN or passphrase').fill(pin);
  await page.getByRole('button', { name: 'Unlock' }).click();
}

export async function connectThroughUi(page: Page, server: ProsodyServer, user: string, password: string): Promise<void> {
  const form = page.getByRole('form', { name: 'Messaging account' });
  await form.getByLabel('Messaging address').fill(`${user}@${server.domain}`);
  await form.getByLabel('Password').fill(password);
  await form.getByText('Server settings (only if IT asked you to)').click();
  await form.getByLabel('Server').fill(server.host);
  await form.getByLabel('Port').fill(String(server.c2sPort));
  await form.getByRole('button', { name: 'Connect' }).click();
  await page.getByRole('status', { name: 'Connection' }).filter({ hasText: /^Connected$/ }).waitFor();
}

/** New → an address → Message, then types the body and presses Enter in the composer. */
export async function messageThroughUi(page: Page, address: string, body: string): Promise<void> {
  await page.getByRole('button', { name: 'New', exact: true }).click();
  await page.getByLabel('Message an address').fill(address);
  await page.getByRole('button', { name: 'Message', exact: true }).click();
  const composer = page.getByLabel('Message', { exact: true });
  await composer.fill(body);
  await composer.press('Enter');
}

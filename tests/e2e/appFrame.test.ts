import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWardline, type OpenWardline } from '../../tools/chromium/openWardline.js';
import { noAdminPolicy } from './noAdminPolicy.js';
import { checkScreen } from './checkScreen.js';

describe('app frame in real Chromium against the real core', () => {
  let app: OpenWardline;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'wardline-e2e-'));
    app = await openWardline({ dataDir, headless: true, policyFile: noAdminPolicy(dataDir) });
  });
  afterAll(async () => {
    await app?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('renders the frame with the version that came from the core over the contract', async () => {
    const { page } = app;
    await expect.poll(() => page.getByTestId('app-version').textContent()).toBe('v0.1.0');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Welcome to Wardline');
    expect(await page.getByRole('status', { name: 'Session state' }).textContent()).toBe('No profile');
    expect(await page.title()).toBe('Wardline — locked');
    await checkScreen(page, 'app-frame-no-profile');
  });

  it('makes a real round trip through window.wardline into the core and back', async () => {
    const result = await app.page.evaluate(`window.wardline.invoke('app:info', {})`);
    expect(result).toEqual({ ok: true, value: { name: 'Wardline', version: '0.1.0', shell: 'chromium', platform: process.platform, pinRule: { minDigits: 6, minPassphraseChars: 8 } } });
  });

  it('refuses data channels and malformed payloads coming from the page', async () => {
    const locked = await app.page.evaluate(`window.wardline.invoke('conversations:list', {})`);
    expect(locked).toMatchObject({ ok: false, error: { code: 'locked' } });
    const malformed = await app.page.evaluate(`window.wardline.invoke('app:info', { extra: '<script>' })`);
    expect(malformed).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    const unknown = await app.page.evaluate(`window.wardline.invoke('fs:read', { path: '/etc/passwd' })`);
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
  });

  it('blocks inline script by CSP and network access outside the app origin', async () => {
    const inlineRan = await app.page.evaluate(`(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inline = true';
      document.body.appendChild(s);
      return window.__inline === true;
    })()`);
    expect(inlineRan).toBe(false);
    const fetched = await app.page.evaluate(`fetch('https://example.org/').then(() => 'fetched', (e) => 'blocked')`);
    expect(fetched).toBe('blocked');
  });
});

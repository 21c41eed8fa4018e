/**
 * The accessibility audit every e2e screen goes through (checkScreen) must be able to fail: a
 * page with known problems is refused with each rule named, and a sound page passes. Chromium
 * pages here are written inline; the app's own screens are audited by the other e2e files.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../tools/chromium/findChromium.js';
import { chromiumArgs } from '../../tools/chromium/openWardline.js';
import { expectAccessible } from './checkScreen.js';

describe('the accessibility audit of e2e screens', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: findChromium(), headless: true, args: chromiumArgs() });
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('refuses a control without a name, low-contrast text and a missing heading, naming each', async () => {
    await page.setContent(`<!doctype html><html lang="en"><head><title>Bad</title></head><body><main>
      <button><svg width="10" height="10"></svg></button>
      <p style="color:#d5281b;background:#e8f1fa">Urgent</p>
      <input type="text">
    </main></body></html>`);
    const failure = await expectAccessible(page, 'bad page').then(() => null, (error: unknown) => String(error));
    expect(failure).toContain('Accessibility audit of "bad page"');
    for (const rule of ['button-name', 'color-contrast', 'label', 'page-has-heading-one']) expect(failure).toContain(rule);
  });

  it('passes a page with named controls, enough contrast and a heading', async () => {
    await page.setContent(`<!doctype html><html lang="en"><head><title>Good</title></head><body><main>
      <h1>Ward 7</h1>
      <button>Send</button>
      <p style="color:#b3261e;background:#e8f1fa">Urgent</p>
      <label for="m">Message</label><input id="m" type="text">
    </main></body></html>`);
    await expect(expectAccessible(page, 'good page')).resolves.toBeUndefined();
  });
});

/**
 * A 100,000-message conversation stays cheap on screen: only rows near the
 * viewport are in the DOM, however far back the person scrolls.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWardline, type OpenWardline } from '../../tools/chromium/openWardline.js';
import { applyKeyringEnv, startKeyring, type Keyring } from '../fixtures/keyring.js';
import { noAdminPolicy } from './noAdminPolicy.js';
import { checkScreen } from './checkScreen.js';
import { unlockThroughUi } from './steps.js';

const TOTAL = 100_000;

/** How many messages the list has read so far (every row states it), newest page first. */
async function loadedCount(page: Page): Promise<number> {
  return Number(await page.locator('.row').first().getAttribute('aria-setsize'));
}

describe('a very long thread', () => {
  let keyring: Keyring;
  let app: OpenWardline;
  let dataDir: string;

  beforeAll(async () => {
    keyring = await startKeyring();
    applyKeyringEnv(keyring.env);
    dataDir = await mkdtemp(join(tmpdir(), 'wardline-e2e-long-'));
    app = await openWardline({ dataDir, headless: true, policyFile: noAdminPolicy(dataDir) });
    await app.core.session.createProfile({ displayName: 'Night coordinator', role: 'Site manager', pin: '975310' });
    const store = app.core.session.store();
    const conversationId = await store.upsertConversation({ jid: 'site@conference.wardline.test', kind: 'room', title: 'Site management' });
    // Ten seconds apart, ending now: all inside the retention lifespan (30 days by default).
    const start = Date.now() - TOTAL * 10_000;
    for (let batch = 0; batch < TOTAL / 1000; batch++) {
      await store.insertReceivedBatch(
        Array.from({ length: 1000 }, (_, i) => {
          const n = batch * 1000 + i;
          return {
            conversationId,
            serverId: `s${n}`,
            senderJid: `staff${n % 40}@wardline.test`,
            senderName: `Staff ${n % 40}`,
            body: `Bed state update ${n}: ward ${n % 30} has ${n % 5} free beds.`,
            sentAt: start + n * 10_000,
            receivedAt: start + n * 10_000,
          };
        }),
      );
    }
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await keyring?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps the DOM small while scrolling back through older pages', async () => {
    const { page } = app;
    // The list was read before the messages existed; lock and unlock re-reads it, as a person would see.
    await page.getByRole('button', { name: 'Lock now' }).click();
    await unlockThroughUi(page, 'Night coordinator', '975310');
    const row = page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /Site management/ });
    expect(await row.getAttribute('aria-label')).toMatch(/100000 unread/);
    await row.click();
    const messages = page.getByRole('list', { name: 'Messages' });
    await expect.poll(() => messages.textContent()).toContain(`Bed state update ${TOTAL - 1}:`);
    // Read, though messaging was never set up here: the list says so (not "999+" beside the open thread).
    await expect.poll(() => row.getAttribute('aria-label')).not.toMatch(/unread/);

    const rowCounts: number[] = [];
    for (let i = 0; i < 8; i++) {
      // To the top, then wait for the older page it asks for (the list grows). Scrolled again on
      // each poll: a scroll that lands while a page is still being read asks for nothing.
      const before = await loadedCount(page);
      await expect
        .poll(async () => {
          await page.evaluate(`document.querySelector('.scroller').scrollTop = 0`);
          return loadedCount(page);
        })
        .toBeGreaterThan(before);
      rowCounts.push(await page.locator('.row').count());
    }
    // Older pages really loaded (the first page held the last 50 messages)...
    expect(await loadedCount(page)).toBeGreaterThan(200);
    // ...but the DOM holds only a window of them.
    expect(Math.max(...rowCounts)).toBeLessThan(80);
    await checkScreen(page, 'long-thread-scrolled-back');
  });

  it('can be read back from the keyboard: Shift+Tab walks into older pages without losing focus', async () => {
    const { page } = app;
    // Start again at the newest message, as after opening the conversation.
    await page.getByRole('button', { name: 'Lock now' }).click();
    await unlockThroughUi(page, 'Night coordinator', '975310');
    const messages = page.getByRole('list', { name: 'Messages' });
    await expect.poll(() => messages.textContent()).toContain(`Bed state update ${TOTAL - 1}:`);
    await page.evaluate(`(() => { const s = document.querySelector('.scroller'); s.scrollTop = s.scrollHeight; })()`);
    // The newest message is the last row rendered: the walk starts from it.
    await expect.poll(() => page.locator('.row').last().textContent()).toContain(`Bed state update ${TOTAL - 1}:`);
    await page.locator('.row input.pick').last().focus();
    const lost: number[] = [];
    // Each message row has one control (its selection box): 160 steps cross several page loads.
    for (let step = 0; step < 160; step++) {
      await page.keyboard.press('Shift+Tab');
      // After a frame, so the list has seen the scroll that focus caused (and moved its window).
      const at = (await page.evaluate(`new Promise((resolve) => requestAnimationFrame(() => {
        const focused = document.activeElement;
        const inList = focused?.closest('ol.messages') !== null && focused?.matches('input.pick') === true;
        resolve({ inList, position: inList ? Number(focused.closest('.row').getAttribute('aria-posinset')) : null });
      }))`)) as { inList: boolean; position: number | null };
      if (!at.inList) lost.push(step);
      else if (at.position === 1) {
        // Focus is on the oldest message read so far, scrolled to the top, so the next older page is
        // on its way; a person pressing Shift+Tab sees it arrive before going on, and so does this test.
        await expect.poll(() => page.evaluate(`Number(document.activeElement?.closest('.row')?.getAttribute('aria-posinset'))`)).toBeGreaterThan(1);
      }
    }
    expect(lost).toEqual([]);
    // Older pages were loaded on the way (the first page held 50), and the DOM stayed a window.
    expect(await loadedCount(page)).toBeGreaterThan(150);
    expect(await page.locator('.row').count()).toBeLessThan(120);
    const label = await page.evaluate(`document.activeElement?.closest('[data-message-id]')?.textContent ?? ''`);
    expect(label).toMatch(new RegExp(`Bed state update ${TOTAL - 161}:`));
  });
});

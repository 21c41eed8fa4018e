/**
 * Idle source for the Chromium shell. Electron reads OS idle time from
 * powerMonitor; a plain Chromium has no such API, so the shell counts time
 * since the last key, pointer or wheel event in the page.
 */
import type { BrowserContext } from 'playwright-core';
import type { IdleSource } from '../../electron/core/session/autoLock.js';

const ACTIVITY_BINDING = '__wardlineActivity';

// A string, not a function: see contractBridge.ts.
const ACTIVITY_SCRIPT = `(() => {
  const report = window.${ACTIVITY_BINDING};
  delete window.${ACTIVITY_BINDING};
  let last = 0;
  const onInput = () => { const t = Date.now(); if (t - last > 1000) { last = t; report(); } };
  for (const type of ['keydown', 'pointerdown', 'pointermove', 'wheel']) {
    window.addEventListener(type, onInput, { capture: true, passive: true });
  }
})();`;

export async function installPageActivityIdle(context: BrowserContext, now: () => number = Date.now): Promise<IdleSource> {
  let lastActivity = now();
  await context.exposeBinding(ACTIVITY_BINDING, () => {
    lastActivity = now();
  });
  await context.addInitScript({ content: ACTIVITY_SCRIPT });
  return { idleSeconds: () => Math.floor((now() - lastActivity) / 1000) };
}

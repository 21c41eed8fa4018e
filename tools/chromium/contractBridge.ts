/**
 * Emulates Electron's preload in Chromium: `window.wardline` forwards to the
 * core's dispatcher through a Playwright binding (a CDP pipe, no network
 * listener). The sender frame is taken from Playwright, never from the page,
 * so the core applies the same sender check as under Electron.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { eventNames, type EventName } from '../../electron/common/contract.js';
import type { WardlineCore } from '../../electron/core/wardlineCore.js';

const INVOKE_BINDING = '__wardlineInvoke';
const EMIT_FUNCTION = '__wardlineEmit';

// A string, not a function: esbuild/tsx helpers would not exist inside the page.
const BRIDGE_SCRIPT = `(() => {
  const invokeBinding = window.${INVOKE_BINDING};
  delete window.${INVOKE_BINDING};
  const events = ${JSON.stringify(eventNames)};
  const listeners = new Map(events.map((e) => [e, new Set()]));
  Object.defineProperty(window, '${EMIT_FUNCTION}', {
    value: (event, payload) => { for (const l of listeners.get(event) ?? []) { try { l(payload); } catch (e) { console.error(e); } } },
    enumerable: false,
  });
  const api = Object.freeze({
    invoke: (channel, payload) => invokeBinding(channel, payload),
    on: (event, listener) => {
      const set = listeners.get(event);
      if (!set || typeof listener !== 'function') throw new Error('Unknown Wardline event');
      set.add(listener);
      return () => set.delete(listener);
    },
  });
  Object.defineProperty(window, 'wardline', { value: api, enumerable: true });
})();`;

export async function installContractBridge(context: BrowserContext, core: WardlineCore): Promise<void> {
  await context.exposeBinding(INVOKE_BINDING, (source, channel: unknown, payload: unknown) =>
    core.dispatch(
      { senderUrl: source.frame.url(), isMainFrame: source.frame === source.page.mainFrame() },
      channel,
      payload,
    ),
  );
  await context.addInitScript({ content: BRIDGE_SCRIPT });
}

/** Pushes core events into every open page, as webContents.send does under Electron. */
export function forwardCoreEvents(core: WardlineCore, appOrigin: string, pages: () => Page[]): () => void {
  const offs = eventNames.map((event: EventName) =>
    core.events.on(event, (payload) => {
      const script = `window.${EMIT_FUNCTION}?.(${JSON.stringify(event)}, ${JSON.stringify(payload)})`;
      // Only our own page hears core events, as Electron's forwarder checks the URL too.
      for (const page of pages()) {
        if (page.url().startsWith(`${appOrigin}/`)) void page.evaluate(script).catch(() => {});
      }
    }),
  );
  return () => offs.forEach((off) => off());
}

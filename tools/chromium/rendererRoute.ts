/**
 * Serves the built renderer to Chromium through Playwright request routing:
 * no HTTP listener exists, so nothing else on the machine can reach the app.
 * Same CSP as Electron's app:// handler.
 */
import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { CONTENT_SECURITY_POLICY } from '../../electron/common/csp.js';

export const CHROMIUM_APP_ORIGIN = 'https://wardline.invalid';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** Maps a request path to a file inside `root`, or null if it would escape it. */
export function resolveRendererFile(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const file = resolve(root, relative);
  return file.startsWith(resolve(root) + sep) ? file : null;
}

export async function routeRenderer(context: BrowserContext, distDir: string): Promise<void> {
  // Everything that is not our origin is refused: the app has no business on the network.
  await context.route(
    (url) => !url.href.startsWith(`${CHROMIUM_APP_ORIGIN}/`),
    (route) => route.abort('blockedbyclient'),
  );
  await context.route(`${CHROMIUM_APP_ORIGIN}/**`, async (route) => {
    const file = resolveRendererFile(distDir, new URL(route.request().url()).pathname);
    if (!file) return route.fulfill({ status: 404, body: 'Not found' });
    try {
      const body = await readFile(file);
      await route.fulfill({
        status: 200,
        body,
        headers: {
          'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
          'content-security-policy': CONTENT_SECURITY_POLICY,
          'x-content-type-options': 'nosniff',
          'cache-control': 'no-store',
        },
      });
    } catch {
      await route.fulfill({ status: 404, body: 'Not found' });
    }
  });
}

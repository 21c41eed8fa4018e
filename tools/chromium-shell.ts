/**
 * `npm run start:chromium`: the Wardline core under Node with the renderer in a
 * headed Chromium window. For development, demos and external test tools on
 * machines without the Electron binary. Not part of any packaged build.
 *
 *   WARDLINE_DATA_DIR   data directory (default: ~/.wardline-dev)
 *   WARDLINE_CHROMIUM   Chromium executable (default: chromium on PATH)
 *   WARDLINE_CDP_PORT   open DevTools protocol on 127.0.0.1:<port>
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { openWardline, platformPolicyFile } from './chromium/openWardline.js';
import { ensureDisplay } from './chromium/xvfb.js';

async function main(): Promise<void> {
  const dataDir = process.env.WARDLINE_DATA_DIR ?? join(homedir(), '.wardline-dev');
  const cdpPort = parsePort(process.env.WARDLINE_CDP_PORT);
  const display = await ensureDisplay();
  const app = await openWardline({ dataDir, headless: false, cdpPort, policyFile: platformPolicyFile(), log: (l) => console.log(l) });
  console.log(`Wardline (Chromium shell) running. Data: ${dataDir}${display.started ? `, Xvfb on ${display.display}` : ''}`);
  if (cdpPort !== undefined) console.log(`DevTools protocol on http://127.0.0.1:${cdpPort}`);
  const shutdown = async () => {
    await app.close().catch(() => {});
    display.stop();
    process.exit(0);
  };
  app.browser.on('disconnected', () => void shutdown());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown());
}

function parsePort(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1024 || port > 65535) {
    throw new Error(`WARDLINE_CDP_PORT must be a port number between 1024 and 65535, got "${raw}"`);
  }
  return port;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

/**
 * Runs the real core under Node and the real renderer in a real Chromium.
 * Used by `npm run start:chromium` and by every end-to-end test, so the dev
 * shell and the tests cannot drift apart.
 *
 * Development, demo and test tool only: it lives in tools/ (never packaged),
 * needs playwright-core (a devDependency), and refuses to run inside Electron.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createWardlineCore, type CoreOptions, type WardlineCore } from '../../electron/core/wardlineCore.js';
import type { ClipboardPort } from '../../electron/core/governance/clipboard.js';
import type { ExportFile } from '../../electron/core/governance/exportFile.js';
import { loadAdminPolicy, policyFilePath } from '../../electron/core/policy/policyFile.js';
import { rendererRecovery } from '../../electron/main/policy/rendererRecovery.js';
import { findChromium } from './findChromium.js';
import { CHROMIUM_APP_ORIGIN, routeRenderer } from './rendererRoute.js';
import { forwardCoreEvents, installContractBridge } from './contractBridge.js';
import { installPageActivityIdle } from './pageActivity.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface OpenOptions {
  dataDir: string;
  headless: boolean;
  /** Opens Chromium's DevTools protocol on 127.0.0.1:<port> for external test tools. */
  cdpPort?: number;
  distDir?: string;
  viewport?: { width: number; height: number };
  log?: (line: string) => void;
  /**
   * The admin policy file. No default, so no caller reads the machine's policy by accident: the dev
   * shell and the demo pass platformPolicyFile() (what the app reads); tests pass their own (a path
   * that does not exist: the built-in defaults, as on a PC without a managed policy).
   */
  policyFile: string;
  /** Where exports are written (the Electron app asks with a save dialog instead); default <dataDir>/exports. */
  exportDir?: string;
  /** Test seams: the same ones the Electron layer fills with OS adapters. */
  core?: Partial<Pick<CoreOptions, 'idle' | 'idleClock' | 'keychain' | 'policy' | 'ticker' | 'now' | 'bootClock' | 'chatTrust' | 'notificationPolicy' | 'notify'>>;
}

/** The page's async clipboard, used by main-side code as Electron's clipboard module would be. */
function pageClipboard(page: () => Page | undefined): ClipboardPort {
  const run = async (script: string): Promise<unknown> => {
    const target = page();
    if (!target) throw new Error('No Wardline page to reach the clipboard through.');
    return target.evaluate(script);
  };
  return {
    writeText: async (text) => void (await run(`navigator.clipboard.writeText(${JSON.stringify(text)})`)),
    readText: async () => String(await run('navigator.clipboard.readText()')),
    clear: async () => void (await run(`navigator.clipboard.writeText('')`)),
  };
}

/** The dev shell has no save dialog: exports land in one folder, owner-only. */
function folderExport(dir: string): ExportFile {
  return async ({ suggestedName, content, stillAllowed }) => {
    if (!stillAllowed()) return { saved: false, location: null };
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const location = join(dir, basename(suggestedName));
    await writeFile(location, content, { encoding: 'utf8', mode: 0o600 });
    return { saved: true, location };
  };
}

export interface OpenWardline {
  core: WardlineCore;
  browser: Browser;
  context: BrowserContext;
  /** The window's page; a new one after a crash (a crashed Playwright page cannot be reloaded). */
  readonly page: Page;
  close(): Promise<void>;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The policy file a development build on this machine reads: the platform's path, or WARDLINE_POLICY_FILE. */
export function platformPolicyFile(): string {
  return policyFilePath(process.platform, process.env, { isPackaged: false });
}

export function chromiumArgs(cdpPort?: number): string[] {
  const args = [
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--disable-gpu',
  ];
  if (cdpPort !== undefined) args.push(`--remote-debugging-port=${cdpPort}`, '--remote-debugging-address=127.0.0.1');
  // Chromium's own sandbox refuses to start as root (CI containers); the renderer is still site-isolated.
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return args;
}

export async function openWardline(options: OpenOptions): Promise<OpenWardline> {
  if (process.versions.electron) throw new Error('The Chromium shell is a development tool and never runs inside Electron.');
  const distDir = options.distDir ?? `${projectRoot}renderer/dist`;
  const browser = await chromium.launch({
    executablePath: findChromium(),
    headless: options.headless,
    args: chromiumArgs(options.cdpPort),
    // Our callers shut down themselves (close the core, delete demo data). Playwright's own handlers
    // would kill the browser and process.exit(130) first, so the demo left its data behind on Ctrl+C.
    // Chromium still ends with this process: it runs on a pipe to it.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  let core: WardlineCore | null = null;
  try {
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 }, locale: 'en-GB' });
    await routeRenderer(context, distDir);
    // The dev shell's stand-in for Electron's clipboard module: the page's clipboard, driven from here.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: CHROMIUM_APP_ORIGIN });
    const adminPolicy = await loadAdminPolicy({ path: options.policyFile });
    const idle = options.core?.idle ?? (await installPageActivityIdle(context));
    const started = createWardlineCore({
      dataDir: options.dataDir,
      shell: 'chromium',
      version: version(),
      platform: process.platform,
      appOrigin: CHROMIUM_APP_ORIGIN,
      log: options.log,
      adminPolicy,
      exportFile: folderExport(options.exportDir ?? join(options.dataDir, 'exports')),
      clipboard: pageClipboard(() => context.pages()[0]),
      ...options.core,
      idle,
    });
    core = started;
    await started.ready;
    await installContractBridge(context, started);
    const stopEvents = forwardCoreEvents(started, CHROMIUM_APP_ORIGIN, () => context.pages());
    // As the Electron shell does (electron/main/rendererWatch.ts): a page that dies locks the session
    // and comes back as the lock screen, unless it keeps dying.
    const recovery = rendererRecovery();
    const openPage = async (): Promise<Page> => {
      const opened = await context.newPage();
      opened.on('crash', () => {
        options.log?.('window page-gone reason=crashed');
        void started.session
          .lock('window-lost')
          .catch(() => undefined)
          .then(async () => {
            if (recovery.afterGone(Date.now()) !== 'reload') return;
            page = await openPage();
            await opened.close();
          })
          .catch(() => undefined);
      });
      await opened.goto(`${CHROMIUM_APP_ORIGIN}/index.html`);
      return opened;
    };
    let page = await openPage();
    return {
      core: started,
      browser,
      context,
      get page() {
        return page;
      },
      close: async () => {
        stopEvents();
        await browser.close();
        await started.close();
      },
    };
  } catch (err) {
    await browser.close();
    await core?.close();
    throw err;
  }
}

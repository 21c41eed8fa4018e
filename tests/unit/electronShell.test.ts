/**
 * The Electron shell's decisions, tested without Electron: the binary cannot
 * be downloaded here, so every choice that matters lives in a pure function
 * or constant, and the Electron glue only applies it.
 */
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../electron/common/csp.js';
import { EventEmitter } from 'node:events';
import { appPaths } from '../../electron/main/paths.js';
import { MAX_RELOADS, RELOAD_WINDOW_MS, rendererRecovery } from '../../electron/main/policy/rendererRecovery.js';
import { watchRenderer } from '../../electron/main/rendererWatch.js';
import { LOCK_TRIGGERS } from '../../electron/main/os/lockTriggers.js';
import { squirrelAction } from '../../electron/main/os/squirrelEvents.js';
import { decideNavigation, decideWindowOpen } from '../../electron/main/policy/navigation.js';
import { APP_ENTRY_URL, APP_ORIGIN, isAppUrl } from '../../electron/main/policy/origin.js';
import { isPermissionAllowed } from '../../electron/main/policy/permissions.js';
import { contentTypeFor } from '../../electron/main/policy/contentTypes.js';
import { fileResponseHeaders, isWithin, resolveAppRequest } from '../../electron/main/policy/protocolPath.js';
import { chooseDevChatTrust, chooseUserDataDir, findForbiddenSwitches } from '../../electron/main/policy/startupGuards.js';
import { HARDENED_WEB_PREFERENCES, webPreferencesFor, windowPolicy } from '../../electron/main/policy/webPreferences.js';
import { createWardlineApi, type PreloadTransport } from '../../electron/preload/api.js';
import { isIgnoredInPackage } from '../../build/packageFiles.js';
import { bundlePreload } from '../../tools/build-preload.js';

// Proves these modules are pure: loading Electron at runtime here would fail the import.
vi.mock('electron', () => {
  throw new Error('electron must not be loaded at runtime by shell policy modules');
});

describe('app origin', () => {
  it('is app://wardline and the window loads its index.html', () => {
    expect(APP_ORIGIN).toBe('app://wardline');
    expect(APP_ENTRY_URL).toBe('app://wardline/index.html');
  });

  it('matches only our exact scheme and host', () => {
    expect(isAppUrl('app://wardline/index.html#/conversations')).toBe(true);
    for (const url of [
      'app://wardline.evil.example/index.html',
      'app://wardline:8080/index.html',
      'app://other/index.html',
      'https://wardline/index.html',
      'file:///C:/Wardline/index.html',
      'not a url',
      '',
    ]) {
      expect(isAppUrl(url), url).toBe(false);
    }
  });
});

describe('permissions', () => {
  it('allows notifications for our own page only', () => {
    expect(isPermissionAllowed('notifications', 'app://wardline/index.html')).toBe(true);
    expect(isPermissionAllowed('notifications', 'app://wardline')).toBe(true);
    expect(isPermissionAllowed('notifications', 'https://evil.example/')).toBe(false);
    expect(isPermissionAllowed('notifications', 'file:///index.html')).toBe(false);
    expect(isPermissionAllowed('notifications', '')).toBe(false);
  });


  it('denies everything else, even for our own page', () => {
    for (const permission of ['media', 'geolocation', 'clipboard-read', 'clipboard-sanitized-write', 'display-capture', 'openExternal', 'hid', 'usb', 'serial', 'fullscreen', 'unknown']) {
      expect(isPermissionAllowed(permission, 'app://wardline/index.html'), permission).toBe(false);
    }
  });
});

describe('navigation and new windows', () => {
  it('allows navigation within our origin only', () => {
    expect(decideNavigation('app://wardline/index.html')).toBe('allow');
    for (const url of ['https://example.org/', 'http://intranet/', 'file:///etc/passwd', 'app://other/', 'javascript:alert(1)', 'data:text/html,x', 'about:blank']) {
      expect(decideNavigation(url), url).toBe('deny');
    }
  });

  it('never opens a window; only https links are offered to the person', () => {
    expect(decideWindowOpen('https://www.nhs.uk/conditions/')).toBe('offer-external');
    for (const url of ['http://www.nhs.uk/', 'https://trusted@evil.example/', 'app://wardline/index.html', 'file:///C:/x', 'javascript:alert(1)', 'mailto:a@b']) {
      expect(decideWindowOpen(url), url).toBe('drop');
    }
  });
});

describe('app:// protocol path resolution', () => {
  const root = path.resolve('/srv/wardline/renderer/dist');

  it('serves index.html for the root and files inside dist', () => {
    expect(resolveAppRequest(root, 'app://wardline/')).toEqual({ kind: 'file', path: path.join(root, 'index.html') });
    expect(resolveAppRequest(root, 'app://wardline/assets/index-DL.js?v=1#x')).toEqual({
      kind: 'file',
      path: path.join(root, 'assets', 'index-DL.js'),
    });
  });

  it('refuses other hosts and schemes', () => {
    expect(resolveAppRequest(root, 'app://evil/index.html').kind).toBe('forbidden');
    expect(resolveAppRequest(root, 'https://wardline/index.html').kind).toBe('forbidden');
    expect(resolveAppRequest(root, 'app://wardline:1/index.html').kind).toBe('forbidden');
  });

  it('refuses encoded traversal, separators, NUL, drive letters and dotfiles', () => {
    for (const url of [
      'app://wardline/..%2f..%2fprofiles%2fwardline.db',
      'app://wardline/assets/..%2F..%2F..%2Fetc%2Fpasswd',
      'app://wardline/..%5c..%5cUsers%5cnurse%5cwardline.db',
      'app://wardline/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      'app://wardline/index.html%00.png',
      'app://wardline/C:%5cWindows%5cwin.ini',
      'app://wardline/index.html:stream',
      'app://wardline/.env',
      'app://wardline/%E0%A4%A',
    ]) {
      expect(resolveAppRequest(root, url).kind, url).toBe('forbidden');
    }
  });

  it('never resolves outside the root, whatever the URL parser folds', () => {
    for (const url of ['app://wardline/../../etc/passwd', 'app://wardline/%2e%2e/%2e%2e/etc/passwd', 'app://wardline/a/./../../b']) {
      const lookup = resolveAppRequest(root, url);
      if (lookup.kind === 'file') expect(isWithin(root, lookup.path), url).toBe(true);
    }
  });

  it('holds with Windows paths too', () => {
    const winRoot = 'C:\\Program Files\\Wardline\\resources\\app.asar\\renderer\\dist';
    expect(resolveAppRequest(winRoot, 'app://wardline/..%5c..%5c..%5capp.asar', path.win32).kind).toBe('forbidden');
    expect(resolveAppRequest(winRoot, 'app://wardline/assets/a.js', path.win32)).toEqual({
      kind: 'file',
      path: `${winRoot}\\assets\\a.js`,
    });
    expect(isWithin(winRoot, 'C:\\Program Files\\Wardline\\resources\\app.asar', path.win32)).toBe(false);
  });

  it('sends the strict CSP and a correct type on every file', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'",
    );
    const headers = fileResponseHeaders('/dist/assets/index.js');
    expect(headers['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(headers['Content-Type']).toBe('text/javascript; charset=utf-8');
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
    expect(contentTypeFor('index.HTML')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('blob.bin')).toBe('application/octet-stream');
  });
});

describe('web preferences', () => {
  it('pins every hardened value', () => {
    expect(HARDENED_WEB_PREFERENCES).toEqual({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      enableWebSQL: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    });
  });

  it('adds the bundled preload and keeps DevTools out of packaged builds', () => {
    const packaged = windowPolicy(true);
    expect(packaged).toEqual({ contentProtection: true, devTools: false });
    expect(windowPolicy(false)).toEqual({ contentProtection: true, devTools: true });
    const prefs = webPreferencesFor('/app/dist/electron/preload/index.cjs', packaged);
    expect(prefs).toMatchObject({ ...HARDENED_WEB_PREFERENCES, preload: '/app/dist/electron/preload/index.cjs', devTools: false });
  });

  it('finds the renderer and the bundled preload under the app root', () => {
    expect(appPaths('/app')).toEqual({
      rendererDist: path.join('/app', 'renderer', 'dist'),
      preload: path.join('/app', 'dist', 'electron', 'preload', 'index.cjs'),
    });
  });
});

describe('startup guards', () => {
  it('refuses every switch but the installer’s, in every spelling Chromium accepts', () => {
    const argv = ['Wardline.exe', '--remote-debugging-port=9222', '-remote-debugging-pipe', '/REMOTE-DEBUGGING-PORT=1', '--inspect-brk=0', '--js-flags=--allow-natives-syntax'];
    expect(findForbiddenSwitches(argv)).toEqual(argv.slice(1));
    // Missed by the old block-list (review finding): profiles moved, sandbox off, and the rest.
    const missed = ['--user-data-dir=C:\\Users\\Public\\w', '--no-sandbox', '/disable-features=x', '--lang=en-GB', '--proxy-server=evil:8080'];
    expect(findForbiddenSwitches(['Wardline.exe', ...missed])).toEqual(missed);
    expect(findForbiddenSwitches(['Wardline.exe', '--squirrel-firstrun', '--squirrel-updated=1.2.0', 'C:\\notes.txt'])).toEqual([]);
    expect(findForbiddenSwitches(['/Applications/Wardline.app/Contents/MacOS/Wardline', '-psn_0_123456'])).toEqual([]);
  });

  it('ignores the environment for userData in packaged builds', () => {
    const env = { WARDLINE_DATA_DIR: '/tmp/planted' };
    const base = { defaultDir: '/home/n/.config/Wardline', env, isAbsolute: path.isAbsolute };
    expect(chooseUserDataDir({ ...base, isPackaged: true })).toBe('/home/n/.config/Wardline');
    expect(chooseUserDataDir({ ...base, isPackaged: false })).toBe('/tmp/planted');
    expect(chooseUserDataDir({ ...base, isPackaged: false, env: { WARDLINE_DATA_DIR: 'relative' } })).toBe('/home/n/.config/Wardline');
  });

  it('takes a dev CA and trusted domains from the environment only in development builds', () => {
    const env = { WARDLINE_ADMIN_CA: '/tmp/planted-ca.pem', WARDLINE_TRUSTED_DOMAINS: 'Demo.Wardline.test, bad domain,evil' };
    expect(chooseDevChatTrust({ isPackaged: true, env, isAbsolute: path.isAbsolute })).toEqual({ trustedDomains: [] });
    expect(chooseDevChatTrust({ isPackaged: false, env, isAbsolute: path.isAbsolute })).toEqual({
      adminCa: { paths: ['/tmp/planted-ca.pem'] },
      trustedDomains: ['demo.wardline.test'],
    });
    expect(chooseDevChatTrust({ isPackaged: false, env: { WARDLINE_ADMIN_CA: 'relative.pem' }, isAbsolute: path.isAbsolute })).toEqual({ trustedDomains: [] });
  });

  it('handles Squirrel installer runs on Windows only', () => {
    expect(squirrelAction('win32', ['W.exe', '--squirrel-install', '1.0.0'], 'Wardline.exe')).toEqual({
      kind: 'update-shortcuts',
      updateArgs: ['--createShortcut', 'Wardline.exe'],
    });
    expect(squirrelAction('win32', ['W.exe', '--squirrel-uninstall'], 'Wardline.exe')).toEqual({
      kind: 'update-shortcuts',
      updateArgs: ['--removeShortcut', 'Wardline.exe'],
    });
    expect(squirrelAction('win32', ['W.exe', '--squirrel-obsolete'], 'Wardline.exe')).toEqual({ kind: 'quit' });
    expect(squirrelAction('win32', ['W.exe', '--squirrel-firstrun'], 'Wardline.exe')).toEqual({ kind: 'none' });
    expect(squirrelAction('linux', ['w', '--squirrel-install'], 'wardline')).toEqual({ kind: 'none' });
  });

  it('locks on OS lock, suspend and user switch', () => {
    expect(LOCK_TRIGGERS).toEqual({ 'lock-screen': 'os-lock', suspend: 'suspend', 'user-did-resign-active': 'user-switch' });
  });
});

describe('a window page that dies or hangs', () => {
  /** A BrowserWindow as far as the watch uses it: its events, its page's events and actions. */
  function fakeWindow() {
    const contents = Object.assign(new EventEmitter(), { reload: vi.fn(), forcefullyCrashRenderer: vi.fn() });
    const window = Object.assign(new EventEmitter(), { webContents: contents, isDestroyed: () => false });
    return { window, contents };
  }

  function watched() {
    const { window, contents } = fakeWindow();
    const lock = vi.fn(async () => undefined);
    const lockedListeners: (() => void)[] = [];
    const lines: string[] = [];
    const session = { locked: false };
    watchRenderer(window as never, {
      lock,
      onLocked: (callback) => (lockedListeners.push(callback), () => undefined),
      isLocked: () => session.locked,
      log: (line) => lines.push(line),
    });
    const locked = () => {
      session.locked = true;
      lockedListeners.forEach((callback) => callback());
    };
    return { window, contents, lock, lines, session, locked };
  }

  it('locks the session, then reloads the page (the lock screen), and gives up on a page that keeps dying', async () => {
    const { contents, lock, lines } = watched();
    for (let n = 0; n <= MAX_RELOADS; n += 1) contents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 11 });
    await vi.waitFor(() => expect(lines.filter((l) => l.startsWith('window page-gone again'))).toHaveLength(1));
    expect(lock).toHaveBeenCalledTimes(MAX_RELOADS + 1);
    expect(contents.reload).toHaveBeenCalledTimes(MAX_RELOADS);
    expect(lines).toContain('window page-gone reason=crashed exit=11');
  });

  it('allows reloads again once the last ones are older than the window', () => {
    const recovery = rendererRecovery();
    const t0 = 1_000_000;
    for (let n = 0; n < MAX_RELOADS; n += 1) expect(recovery.afterGone(t0 + n)).toBe('reload');
    expect(recovery.afterGone(t0 + 10)).toBe('give-up');
    expect(recovery.afterGone(t0 + RELOAD_WINDOW_MS + MAX_RELOADS)).toBe('reload');
  });

  it('ends a hung page at a lock (it cannot take the conversation off the screen), and leaves a responsive one alone', () => {
    const { window, contents, session, locked } = watched();
    locked();
    expect(contents.forcefullyCrashRenderer).not.toHaveBeenCalled();
    session.locked = false;
    window.emit('unresponsive');
    locked();
    expect(contents.forcefullyCrashRenderer).toHaveBeenCalledTimes(1);
    session.locked = false;
    window.emit('responsive');
    locked();
    expect(contents.forcefullyCrashRenderer).toHaveBeenCalledTimes(1);
  });

  it('ends a page found hung only after the lock (it never drew the lock screen), not one hung while unlocked', () => {
    const { window, contents, locked } = watched();
    window.emit('unresponsive');
    expect(contents.forcefullyCrashRenderer).not.toHaveBeenCalled();
    window.emit('responsive');
    locked();
    expect(contents.forcefullyCrashRenderer).not.toHaveBeenCalled();
    window.emit('unresponsive');
    expect(contents.forcefullyCrashRenderer).toHaveBeenCalledTimes(1);
  });
});

describe('packaging file selection', () => {
  it('ships only built output, package.json and production modules', () => {
    for (const kept of ['', '/package.json', '/dist', '/dist/electron/main/index.js', '/dist/electron/preload/index.cjs', '/renderer', '/renderer/dist/index.html', '/node_modules/zod/index.js']) {
      expect(isIgnoredInPackage(kept), kept).toBe(false);
    }
    for (const dropped of ['/electron/main/index.ts', '/renderer/src/App.svelte', '/renderer/index.html', '/tests/unit/x.test.ts', '/tools/chromium-shell.ts', '/forge.config.ts', '/test-results/a.png', '/.git/config', '/node_modules/.bin/tsc', '/dist/electron/main/index.js.map', '/README.md']) {
      expect(isIgnoredInPackage(dropped), dropped).toBe(true);
    }
  });
});

describe('preload api', () => {
  function fakeTransport() {
    const invoked: Array<[string, unknown]> = [];
    const listeners = new Map<string, Set<(payload: unknown) => void>>();
    const transport: PreloadTransport = {
      invoke: async (channel, payload) => {
        invoked.push([channel, payload]);
        return { ok: true, value: { echoed: channel } };
      },
      subscribe: (channel, listener) => {
        const set = listeners.get(channel) ?? new Set();
        listeners.set(channel, set);
        set.add(listener);
        return () => set.delete(listener);
      },
    };
    const emit = (channel: string, payload: unknown): void => listeners.get(channel)?.forEach((l) => l(payload));
    return { transport, invoked, emit };
  }

  it('forwards contract channels under the wardline: prefix', async () => {
    const { transport, invoked } = fakeTransport();
    const api = createWardlineApi(transport);
    await expect(api.invoke('app:info', {})).resolves.toEqual({ ok: true, value: { echoed: 'wardline:app:info' } });
    expect(invoked).toEqual([['wardline:app:info', {}]]);
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.keys(api).sort()).toEqual(['invoke', 'on']);
  });

  it('refuses channels outside the contract without touching IPC', async () => {
    const { transport, invoked } = fakeTransport();
    const invoke = createWardlineApi(transport).invoke as (channel: unknown, payload: unknown) => Promise<unknown>;
    for (const channel of ['evil:channel', 'wardline:app:info', '__proto__', 42, null]) {
      await expect(invoke(channel, {})).resolves.toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    }
    expect(invoked).toEqual([]);
  });

  it('turns IPC rejections into a plain result', async () => {
    const api = createWardlineApi({
      invoke: () => Promise.reject(new Error('Error invoking remote method: /home/nurse/.config secret detail')),
      subscribe: () => () => {},
    });
    const result = await api.invoke('app:info', {});
    expect(result).toEqual({ ok: false, error: { code: 'internal', message: 'Wardline did not answer. Try again; if it keeps happening, close and reopen Wardline, and tell IT.' } });
  });

  it('delivers contract events as payload only, with unsubscribe', () => {
    const { transport, emit } = fakeTransport();
    const api = createWardlineApi(transport);
    const seen: unknown[] = [];
    const off = api.on('session:changed', (payload) => seen.push(payload));
    emit('wardline:session:changed', { kind: 'no-profile', profiles: [] });
    off();
    emit('wardline:session:changed', { kind: 'no-profile', profiles: [] });
    expect(seen).toEqual([{ kind: 'no-profile', profiles: [] }]);
    const on = api.on as (event: unknown, listener: unknown) => unknown;
    expect(() => on('ipc:anything', () => {})).toThrow(TypeError);
    expect(() => on('session:changed', 'not a function')).toThrow(TypeError);
  });
});

describe('bundled preload', () => {
  it('is self-contained, leaves out zod, and exposes only window.wardline', async () => {
    const result = await bundlePreload(false);
    const code = result.outputFiles?.[0]?.text ?? '';
    expect(code.length).toBeGreaterThan(0);
    expect(code).not.toMatch(/zod/i);
    expect(code.length).toBeLessThan(10_000);

    const required: string[] = [];
    const exposed = new Map<string, unknown>();
    const sent: string[] = [];
    const fakeElectron = {
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
      ipcRenderer: {
        invoke: async (channel: string) => {
          sent.push(channel);
          return { ok: true, value: null };
        },
        on: () => undefined,
        removeListener: () => undefined,
      },
    };
    const load = new Function('require', 'module', 'exports', code) as (r: (id: string) => unknown, m: object, e: object) => void;
    const exportsObject = {};
    load((id) => {
      required.push(id);
      return fakeElectron;
    }, { exports: exportsObject }, exportsObject);

    expect(required).toEqual(['electron']);
    expect([...exposed.keys()]).toEqual(['wardline']);
    const api = exposed.get('wardline') as { invoke(c: string, p: unknown): Promise<unknown> };
    await expect(api.invoke('nope', {})).resolves.toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    await api.invoke('session:state', {});
    expect(sent).toEqual(['wardline:session:state']);
  });
});

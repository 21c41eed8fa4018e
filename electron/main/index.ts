/**
 * Wardline's Electron main process: lifecycle only. Policy lives in
 * ./policy (pure, unit-tested), business logic in ../core (plain Node).
 */
import { app, BrowserWindow, session } from 'electron';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { createWardlineCore, type WardlineCore } from '../core/wardlineCore.js';
import { openLogFile, type LogFile } from '../core/diagnostics/logFile.js';
import { DEFAULT_ADMIN_POLICY } from '../core/policy/adminPolicy.js';
import { loadAdminPolicy, policyFilePath, type PolicyTrust } from '../core/policy/policyFile.js';
import { administratorGroups } from '../core/policy/policyTrust.js';
import { readWindowsPolicyPin } from './os/policyPin.js';
import { registerAppScheme, serveAppProtocol } from './appProtocol.js';
import { guardWebContents } from './contentsGuards.js';
import { createConfirmAndOpen } from './externalLinks.js';
import { forwardEvents, registerIpc } from './ipc.js';
import { createIdleSource } from './os/idle.js';
import { notificationPort } from './os/notifications.js';
import { createLockSignals } from './os/powerEvents.js';
import { forgetSelection, osClipboard } from './os/clipboard.js';
import { createSaveDialogExport } from './os/saveDialog.js';
import { handleSquirrelEvent } from './os/squirrelStartup.js';
import { appPaths } from './paths.js';
import { applyPermissionPolicy } from './permissions.js';
import { watchRenderer } from './rendererWatch.js';
import { APP_ORIGIN } from './policy/origin.js';
import { chooseDevChatTrust, chooseUserDataDir, findForbiddenSwitches, isDevelopmentRun } from './policy/startupGuards.js';
import { windowPolicy } from './policy/webPreferences.js';
import { createMainWindow, focusWindow } from './window.js';

// Must match Squirrel's shortcut identity so Windows attributes notifications to us.
const WINDOWS_APP_USER_MODEL_ID = 'com.squirrel.wardline.Wardline';

/** Opened once this instance holds the single-instance lock (one writer per data folder). */
let logFile: LogFile | null = null;

function log(line: string): void {
  // Operational lines only; never payloads (they may hold message text).
  console.log(`[wardline] ${line}`);
  logFile?.write(line);
}

function start(): void {
  // Every "packaged only" guard below keys on this, never on Electron's isPackaged alone (an executable's file name).
  const isPackaged = !isDevelopmentRun({ isPackaged: app.isPackaged, defaultApp: process.defaultApp, appPath: app.getAppPath() });
  const forbidden = isPackaged ? findForbiddenSwitches(process.argv) : [];
  if (forbidden.length > 0) {
    console.error(`[wardline] refusing to start with command-line switches: ${forbidden.join(' ')}`);
    app.exit(1);
    return;
  }

  // Before the single-instance lock: the lock is keyed on the userData directory.
  app.setPath(
    'userData',
    chooseUserDataDir({
      isPackaged,
      defaultDir: app.getPath('userData'),
      env: process.env,
      isAbsolute: path.isAbsolute,
    }),
  );

  // One instance per OS login: a second launch must not open a second, separately-locked session.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }

  try {
    logFile = openLogFile(app.getPath('userData'));
  } catch (error) {
    // The console still has every line; a log file is for IT, not a reason not to start.
    const code = (error as NodeJS.ErrnoException | null)?.code;
    log(`log-file unavailable error=${typeof code === 'string' ? code : 'unknown'}`);
  }

  registerAppScheme();
  app.enableSandbox();
  if (process.platform === 'win32') app.setAppUserModelId(WINDOWS_APP_USER_MODEL_ID);

  let mainWindow: BrowserWindow | null = null;
  let core: WardlineCore | null = null;
  const getWindow = (): BrowserWindow | null => mainWindow;
  const confirmAndOpen = createConfirmAndOpen(getWindow);
  const paths = appPaths(app.getAppPath());
  let policy = windowPolicy(isPackaged);

  // Every webContents, including any we did not expect, gets the navigation guards.
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, confirmAndOpen));

  const openWindow = (): void => {
    const window = createMainWindow(paths.preload, policy);
    mainWindow = window;
    window.on('closed', () => {
      mainWindow = null;
    });
    const opened = core;
    if (opened === null) return;
    watchRenderer(window, {
      lock: () => opened.session.lock('window-lost'),
      onLocked: (callback) => opened.events.on('session:changed', (state) => state.kind !== 'unlocked' && callback()),
      isLocked: () => opened.session.state().kind !== 'unlocked',
      log,
    });
  };

  app.on('second-instance', () => {
    // The second launch's argv is ignored on purpose: nothing from outside drives this process.
    if (mainWindow) focusWindow(mainWindow);
  });

  void app.whenReady().then(async () => {
    applyPermissionPolicy(session.defaultSession);
    // webPreferences.spellcheck only stops the squiggles: the session's spellchecker still fetches
    // Hunspell dictionaries from Google's CDN on Windows and Linux (electron/electron#22995), a network
    // request nobody asked for from a clinical workstation. Off for the whole session.
    session.defaultSession.setSpellCheckerEnabled(false);
    // Files leave Wardline only through the export port (save dialog, still-allowed check, audit).
    // Without a handler, a download the page starts (<a download>, a blob: or data: URL) gets
    // Chromium's own save dialog, past all of that.
    session.defaultSession.on('will-download', (event) => event.preventDefault());
    serveAppProtocol(paths.rendererDist);
    // The machine-wide policy; an invalid one blocks every profile (the window shows IT's message).
    // Packaged: only a policy an administrator wrote (root-owned on macOS/Linux, pinned in HKLM on Windows).
    const trust: PolicyTrust | undefined = !isPackaged
      ? undefined
      : process.platform === 'win32'
        ? { kind: 'windows-pin', readPin: () => readWindowsPolicyPin() }
        : { kind: 'posix-root', lstat: (file) => lstat(file), adminGroups: administratorGroups(process.platform) };
    const adminPolicy = await loadAdminPolicy({ path: policyFilePath(process.platform, process.env, { isPackaged }), ...(trust ? { trust } : {}) });
    log(`policy ${adminPolicy.kind} path=${adminPolicy.path}`);
    const admin = adminPolicy.kind === 'managed' ? adminPolicy.policy : DEFAULT_ADMIN_POLICY;
    // Fail closed: an invalid policy keeps content protection on.
    policy = windowPolicy(isPackaged, adminPolicy.kind === 'invalid' || admin.contentProtection);
    const devTrust = isPackaged ? null : chooseDevChatTrust({ isPackaged: false, env: process.env, isAbsolute: path.isAbsolute });
    core = createWardlineCore({
      dataDir: app.getPath('userData'),
      shell: 'electron',
      version: app.getVersion(),
      platform: process.platform,
      appOrigin: APP_ORIGIN,
      idle: createIdleSource(),
      adminPolicy,
      exportFile: createSaveDialogExport(getWindow),
      clipboard: osClipboard,
      // Development only: a throwaway CA and domains from the environment, when given; otherwise policy.
      ...(devTrust && (devTrust.adminCa || devTrust.trustedDomains.length > 0) ? { chatTrust: devTrust } : {}),
      // Already redacted by the core's notification policy; a click brings the window forward.
      notify: notificationPort(() => {
        if (mainWindow) focusWindow(mainWindow);
      }),
      log,
    });
    const sessionController = core.session;
    // A new pseudonym key at every lock and unlock: one person's session links up in the log for IT,
    // but not with the next person's on the same PC.
    let lastSessionKind = sessionController.state().kind;
    core.events.on('session:changed', (state) => {
      if (state.kind !== lastSessionKind) logFile?.rekey();
      if (state.kind !== lastSessionKind && lastSessionKind === 'unlocked') forgetSelection();
      lastSessionKind = state.kind;
    });
    // The OS locking, suspending or switching user locks Wardline too, enforced here in main.
    createLockSignals().onShouldLock((reason) => void sessionController.lockForOs(reason).catch(() => undefined));
    registerIpc(core);
    forwardEvents(core, getWindow);
    openWindow();
  });

  app.on('activate', () => {
    if (core && BrowserWindow.getAllWindows().length === 0) openWindow();
  });

  // Closing the window ends the session on every platform, macOS included:
  // an unlocked profile must not linger in a windowless process.
  app.on('window-all-closed', () => app.quit());

  let closed = false;
  app.on('will-quit', (event) => {
    if (closed || !core) return;
    event.preventDefault();
    void core.close().finally(() => {
      closed = true;
      logFile?.close();
      app.quit();
    });
  });
}

// Installer hook runs (Windows Squirrel) only manage shortcuts, then quit.
if (!handleSquirrelEvent()) start();

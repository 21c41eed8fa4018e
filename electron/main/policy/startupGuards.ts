/**
 * Command-line switches a packaged Wardline refuses to start with: all of them, but the installer's.
 * A block-list kept missing some: --remote-debugging-* hands the unlocked renderer to anything on
 * the machine, --user-data-dir moves the profiles (and the single-instance lock with them),
 * --no-sandbox turns Chromium's sandbox off, and Chromium has hundreds more. A packaged build
 * needs none: Squirrel's install events (--squirrel-*) and macOS's -psn_ are the only ones let
 * through. (The Chromium dev shell is the debugging tool, and it cannot ship.)
 */
const ALLOWED_PREFIXES = ['squirrel-', 'psn_'];

/** Chromium accepts "--x", "-x" and, on Windows, "/x"; names are case-insensitive there. */
function switchName(arg: string): string | null {
  const match = /^(?:--|-|\/)([A-Za-z][\w-]*)(?:=.*)?$/s.exec(arg);
  return match?.[1]?.toLowerCase() ?? null;
}

export function findForbiddenSwitches(argv: readonly string[]): string[] {
  return argv.filter((arg) => {
    const name = switchName(arg);
    return name !== null && !ALLOWED_PREFIXES.some((prefix) => name.startsWith(prefix));
  });
}

/**
 * The userData directory (profiles, Chromium state). A packaged build honours
 * nothing from the environment: a planted variable must not redirect a
 * clinician's encrypted profile. Development builds may use WARDLINE_DATA_DIR.
 */
export function chooseUserDataDir(input: {
  isPackaged: boolean;
  defaultDir: string;
  env: Readonly<Record<string, string | undefined>>;
  isAbsolute: (p: string) => boolean;
}): string {
  if (input.isPackaged) return input.defaultDir;
  const fromEnv = input.env['WARDLINE_DATA_DIR'];
  return fromEnv && input.isAbsolute(fromEnv) ? fromEnv : input.defaultDir;
}

/**
 * Messaging trust for development builds (npm run demo, local servers with a
 * throwaway CA): WARDLINE_ADMIN_CA (a PEM file) and WARDLINE_TRUSTED_DOMAINS
 * (comma-separated). A packaged build ignores both: there the hospital's CA and
 * domains come from the managed admin policy, never from the environment.
 */
export function chooseDevChatTrust(input: {
  isPackaged: boolean;
  env: Readonly<Record<string, string | undefined>>;
  isAbsolute: (p: string) => boolean;
}): { adminCa?: { paths: string[] }; trustedDomains: string[] } {
  if (input.isPackaged) return { trustedDomains: [] };
  const ca = input.env['WARDLINE_ADMIN_CA'];
  const domains = (input.env['WARDLINE_TRUSTED_DOMAINS'] ?? '')
    .split(',')
    .map((d) => d.trim().toLowerCase())
    .filter((d) => /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(d));
  return ca && input.isAbsolute(ca) ? { adminCa: { paths: [ca] }, trustedDomains: domains } : { trustedDomains: domains };
}

/**
 * Whether this run is a development build (`electron .` from the project), and so may honour
 * WARDLINE_* variables, any command-line switch, DevTools and an unvetted policy file.
 * Not `app.isPackaged` alone: Electron decides that from the executable's file name only
 * (`basename(process.execPath) !== 'electron'`), so a shipped Wardline copied to a user folder and
 * renamed electron(.exe) counted as development. A development run is started by Electron's
 * default app (`process.defaultApp`), which packaging leaves out, and never loads from an asar.
 */
export function isDevelopmentRun(input: { isPackaged: boolean; defaultApp: boolean | undefined; appPath: string }): boolean {
  return !input.isPackaged && input.defaultApp === true && !/\.asar(?:[\\/]|$)/i.test(input.appPath);
}

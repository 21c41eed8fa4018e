import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const INSTALL_HINT =
  'Chromium was not found. Install it with `sudo apt-get install chromium` (Debian/Ubuntu), ' +
  'or point WARDLINE_CHROMIUM at a Chromium/Chrome executable.';

/** WARDLINE_CHROMIUM wins; otherwise the first `chromium`/`chromium-browser` on PATH. Never downloads a browser. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.WARDLINE_CHROMIUM;
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new Error(`WARDLINE_CHROMIUM=${explicit} is not an executable file. ${INSTALL_HINT}`);
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const candidate = join(dir, name);
      if (dir && isExecutable(candidate)) return candidate;
    }
  }
  throw new Error(INSTALL_HINT);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

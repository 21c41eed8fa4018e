import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Display {
  display: string;
  started: boolean;
  stop(): void;
}

/** Headed Chromium needs an X display; where there is none, start a private Xvfb. */
export async function ensureDisplay(env: NodeJS.ProcessEnv = process.env): Promise<Display> {
  if (env.DISPLAY || env.WAYLAND_DISPLAY || process.platform !== 'linux') {
    return { display: env.DISPLAY ?? '', started: false, stop: () => {} };
  }
  if (spawnSync('which', ['Xvfb']).status !== 0) {
    throw new Error('No display and no Xvfb. Install it with `sudo apt-get install xvfb`, or set DISPLAY.');
  }
  let n = 90;
  while (existsSync(`/tmp/.X11-unix/X${n}`) || existsSync(`/tmp/.X${n}-lock`)) n++;
  const display = `:${n}`;
  const xvfb = spawn('Xvfb', [display, '-screen', '0', '1600x1000x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
  for (let i = 0; i < 50 && !existsSync(`/tmp/.X11-unix/X${n}`); i++) await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(`/tmp/.X11-unix/X${n}`)) {
    xvfb.kill();
    throw new Error(`Xvfb did not start on ${display}`);
  }
  env.DISPLAY = display;
  return { display, started: true, stop: () => xvfb.kill() };
}

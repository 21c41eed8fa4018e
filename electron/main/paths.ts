/** Where the built pieces live, relative to the app root (the project dir in development, app.asar when packaged). */
import path from 'node:path';

export interface AppPaths {
  rendererDist: string;
  preload: string;
}

export function appPaths(appRoot: string): AppPaths {
  return {
    rendererDist: path.join(appRoot, 'renderer', 'dist'),
    // Bundled by tools/build-preload.ts: a sandboxed preload cannot load our modules.
    preload: path.join(appRoot, 'dist', 'electron', 'preload', 'index.cjs'),
  };
}

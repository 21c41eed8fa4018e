/**
 * Bundles electron/preload/index.ts into dist/electron/preload/index.cjs.
 * A sandboxed preload can require only 'electron' and a few builtins, so
 * everything else must be inlined. To keep it small, the contract module is
 * replaced by its channel names, generated here from the real contract: the
 * preload's allowlist cannot drift, and zod stays out of the renderer process.
 * If the preload ever imports anything else from the contract, esbuild fails
 * the build ("No matching export") instead of silently bundling schemas.
 */
import { build, type BuildResult, type Plugin } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { eventNames, ipcChannelName, requestChannels } from '../electron/common/contract.js';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
export const PRELOAD_ENTRY = path.join(root, 'electron', 'preload', 'index.ts');
export const PRELOAD_OUTFILE = path.join(root, 'dist', 'electron', 'preload', 'index.cjs');

export function contractNamesModule(): string {
  const ipcNames = Object.fromEntries([...requestChannels, ...eventNames].map((name) => [name, ipcChannelName(name)]));
  return [
    `export const requestChannels = Object.freeze(${JSON.stringify(requestChannels)});`,
    `export const eventNames = Object.freeze(${JSON.stringify(eventNames)});`,
    `const IPC_NAMES = Object.freeze(${JSON.stringify(ipcNames)});`,
    `export const ipcChannelName = (name) => IPC_NAMES[name];`,
  ].join('\n');
}

const contractNamesOnly: Plugin = {
  name: 'wardline-contract-names',
  setup(b) {
    b.onResolve({ filter: /[\\/]common[\\/]contract\.js$/ }, () => ({ path: 'contract-names', namespace: 'wardline' }));
    b.onLoad({ filter: /.*/, namespace: 'wardline' }, () => ({ contents: contractNamesModule(), loader: 'js' }));
  },
};

export function bundlePreload(write: boolean): Promise<BuildResult<{ write: boolean; metafile: true }>> {
  return build({
    entryPoints: [PRELOAD_ENTRY],
    outfile: PRELOAD_OUTFILE,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    external: ['electron'],
    plugins: [contractNamesOnly],
    write,
    metafile: true,
    logLevel: write ? 'info' : 'silent',
    legalComments: 'none',
    sourcemap: false,
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await bundlePreload(true);
  const inputs = Object.keys(result.metafile.inputs);
  console.log(`preload bundled from ${inputs.length} module(s) → ${path.relative(root, PRELOAD_OUTFILE)}`);
}

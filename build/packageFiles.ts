/**
 * What goes into app.asar: the compiled main process and bundled preload
 * (dist/), the built renderer (renderer/dist/), package.json, and production
 * node_modules (packager prunes devDependencies itself). Sources, tests,
 * tools and test fixtures never ship.
 *
 * Packager calls this with paths relative to the project root, "/"-separated
 * and starting with "/" (the root itself is "").
 */
const KEPT_TREES = ['/dist', '/renderer/dist', '/node_modules'];
// Directories that must be walked to reach a kept tree, without keeping their other contents.
const PARENTS = new Set(['', '/renderer']);
const DROPPED_INSIDE_KEPT = [/^\/node_modules\/\.(bin|cache|vite)(\/|$)/, /\.map$/, /\.tsbuildinfo$/];

export function isIgnoredInPackage(file: string): boolean {
  if (PARENTS.has(file) || file === '/package.json') return false;
  if (!KEPT_TREES.some((tree) => file === tree || file.startsWith(`${tree}/`))) return true;
  return DROPPED_INSIDE_KEPT.some((pattern) => pattern.test(file));
}

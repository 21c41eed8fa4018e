/**
 * Serves renderer/dist on app://wardline. A standard+secure scheme gives the
 * page a real origin (so 'self' in the CSP and the IPC sender check mean
 * something) without file://'s broad filesystem reach.
 */
import { protocol } from 'electron';
import { readFile, realpath } from 'node:fs/promises';
import { APP_SCHEME } from './policy/origin.js';
import { appResponseHeaders, fileResponseHeaders, isWithin, resolveAppRequest } from './policy/protocolPath.js';

/** Must run before app 'ready'. No bypassCSP, no serviceWorkers, no CORS widening. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

function refusal(status: 403 | 404 | 405): Response {
  return new Response(null, { status, headers: appResponseHeaders('text/plain; charset=utf-8') });
}

export function serveAppProtocol(rendererDist: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refusal(405);
    const lookup = resolveAppRequest(rendererDist, request.url);
    if (lookup.kind !== 'file') return refusal(403);
    try {
      // A symlink inside dist must not lead outside it either.
      const [root, file] = await Promise.all([realpath(rendererDist), realpath(lookup.path)]);
      if (!isWithin(root, file)) return refusal(403);
      const body = request.method === 'HEAD' ? null : await readFile(file);
      return new Response(body, { status: 200, headers: fileResponseHeaders(file) });
    } catch {
      return refusal(404);
    }
  });
}

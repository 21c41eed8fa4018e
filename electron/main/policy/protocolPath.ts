/**
 * Maps an app://wardline/... request to a file inside renderer/dist, or
 * refuses. Everything the page can name is attacker-influenced (a hostile
 * message could try `app://wardline/..%2f..%2fprofile.db`), so we decode
 * each segment ourselves and refuse anything that could climb out of the root.
 */
import nodePath from 'node:path';
import { CONTENT_SECURITY_POLICY } from '../../common/csp.js';
import { APP_HOST, APP_SCHEME } from './origin.js';
import { contentTypeFor } from './contentTypes.js';

export type AppFileLookup =
  | { kind: 'file'; path: string }
  | { kind: 'forbidden' };

type PathApi = Pick<typeof nodePath, 'resolve' | 'relative' | 'isAbsolute'>;

// Separators (both kinds), NUL, and ':' (Windows drive letters and NTFS alternate data streams).
const HOSTILE_SEGMENT = /[\\/\0:]/;

/** True if `candidate` is `root` itself or lies beneath it. */
export function isWithin(root: string, candidate: string, path: PathApi = nodePath): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(candidate));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export function resolveAppRequest(root: string, requestUrl: string, path: PathApi = nodePath): AppFileLookup {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { kind: 'forbidden' };
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return { kind: 'forbidden' };

  const segments: string[] = [];
  for (const raw of url.pathname.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { kind: 'forbidden' };
    }
    // Dot-segments and dotfiles: the URL parser already folded literal "..",
    // so one that survives decoding was smuggled in encoded.
    if (segment.startsWith('.') || HOSTILE_SEGMENT.test(segment)) return { kind: 'forbidden' };
    segments.push(segment);
  }
  if (segments.length === 0) segments.push('index.html');

  const file = path.resolve(root, ...segments);
  // Belt and braces: whatever the checks above missed, never leave the root.
  if (!isWithin(root, file, path) || path.resolve(root) === file) return { kind: 'forbidden' };
  return { kind: 'file', path: file };
}

/** Headers on every app:// response, errors included: the CSP is never optional. */
export function appResponseHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

export function fileResponseHeaders(file: string): Record<string, string> {
  return appResponseHeaders(contentTypeFor(file));
}

/**
 * Where our own page lives. The renderer is served from a privileged custom
 * scheme (never file://), so "same origin" has one exact meaning.
 */
import { isOwnPage } from '../../core/ipc/dispatcher.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'wardline';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** True only for URLs on exactly app://wardline (no other host, no port, no other scheme). */
export function isAppUrl(raw: string): boolean {
  return isOwnPage(APP_ORIGIN, raw);
}

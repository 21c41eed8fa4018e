/**
 * Web permission policy: everything is denied except notifications, and those
 * only for our own page. (The clipboard is written by main, which can clear it on lock.) Camera, microphone, geolocation, clipboard reads,
 * screen capture, HID/USB/serial, etc. have no place in a ward messaging tool.
 */
import { isAppUrl } from './origin.js';

const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['notifications']);

export function isPermissionAllowed(permission: string, requestingUrl: string): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isAppUrl(requestingUrl);
}

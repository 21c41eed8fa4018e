/**
 * Web permission policy: everything is denied except notifications and clipboard
 * writes, and those only for our own page. Camera, microphone, geolocation, clipboard reads,
 * screen capture, HID/USB/serial, etc. have no place in a ward messaging tool.
 */
import { isAppUrl } from './origin.js';

// clipboard-sanitized-write: "Copy note for the record" puts the transcription on the clipboard
// (write only, sanitised; reading the clipboard stays denied).
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['notifications', 'clipboard-sanitized-write']);

export function isPermissionAllowed(permission: string, requestingUrl: string): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isAppUrl(requestingUrl);
}

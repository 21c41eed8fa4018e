/** Installs the permission policy (policy/permissions.ts) on a session: deny by default. */
import type { Session } from 'electron';
import { isPermissionAllowed } from './policy/permissions.js';

export function applyPermissionPolicy(session: Session): void {
  session.setPermissionRequestHandler((_webContents, permission, callback, details) => {
    callback(details.isMainFrame && isPermissionAllowed(permission, details.requestingUrl));
  });
  session.setPermissionCheckHandler((_webContents, permission, requestingOrigin, details) =>
    details.isMainFrame && isPermissionAllowed(permission, requestingOrigin),
  );
  // USB/HID/serial/Bluetooth device pickers: never.
  session.setDevicePermissionHandler(() => false);
}

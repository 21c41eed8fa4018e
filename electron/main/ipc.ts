/**
 * Wires the contract onto Electron IPC. Every decision (sender, channel,
 * lock, schema) is the core dispatcher's; this file only reports who sent
 * the call, as Electron saw it, never as the page claims.
 */
import { ipcMain, type BrowserWindow } from 'electron';
import { eventNames, ipcChannelName, requestChannels } from '../common/contract.js';
import type { WardlineCore } from '../core/wardlineCore.js';
import { isAppUrl } from './policy/origin.js';

export function registerIpc(core: WardlineCore): () => void {
  for (const channel of requestChannels) {
    ipcMain.handle(ipcChannelName(channel), (event, payload: unknown) =>
      core.dispatch(
        { senderUrl: event.senderFrame?.url ?? '', isMainFrame: event.senderFrame === event.sender.mainFrame },
        channel,
        payload,
      ),
    );
  }
  return () => requestChannels.forEach((channel) => ipcMain.removeHandler(ipcChannelName(channel)));
}

/** Pushes core events to the window, but only while it shows our own page. */
export function forwardEvents(core: WardlineCore, getWindow: () => BrowserWindow | null): () => void {
  const offs = eventNames.map((name) =>
    core.events.on(name, (payload) => {
      const window = getWindow();
      if (!window || window.isDestroyed()) return;
      const contents = window.webContents;
      if (!isAppUrl(contents.getURL())) return;
      contents.send(ipcChannelName(name), payload);
    }),
  );
  return () => offs.forEach((off) => off());
}

/**
 * Preload: exposes the typed contract on window.wardline via contextBridge.
 * Runs sandboxed, so it is bundled (tools/build-preload.ts) into one CJS
 * file with only 'electron' left external.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { createWardlineApi } from './api.js';

const api = createWardlineApi({
  invoke: (ipcChannel, payload) => ipcRenderer.invoke(ipcChannel, payload),
  subscribe: (ipcChannel, listener) => {
    // The IpcRendererEvent stays here: it carries `sender`, which must never reach the page.
    const handler = (_event: IpcRendererEvent, payload: unknown): void => listener(payload);
    ipcRenderer.on(ipcChannel, handler);
    return () => {
      ipcRenderer.removeListener(ipcChannel, handler);
    };
  },
});

contextBridge.exposeInMainWorld('wardline', api);

/**
 * Builds `window.wardline` from an IPC transport. Kept free of Electron so
 * tests exercise the real allowlist logic; index.ts plugs in ipcRenderer.
 * The page gets two functions and nothing else: no ipcRenderer, no event
 * objects, no way to name a channel the contract does not list.
 */
import {
  eventNames,
  ipcChannelName,
  requestChannels,
  type EventName,
  type Result,
  type WardlineApi,
} from '../common/contract.js';

/** The slice of ipcRenderer the preload needs. Listeners receive payloads only. */
export interface PreloadTransport {
  invoke(ipcChannel: string, payload: unknown): Promise<unknown>;
  subscribe(ipcChannel: string, listener: (payload: unknown) => void): () => void;
}

const REQUESTS: ReadonlySet<string> = new Set(requestChannels);
const EVENTS: ReadonlySet<string> = new Set(eventNames);

/** The request never reached Wardline's main process (it stopped, or the window lost its link to it). */
export const TRANSPORT_FAILED = 'Wardline did not answer. Try again; if it keeps happening, close and reopen Wardline, and tell IT.';

const refused = (message: string): Result<never> => ({ ok: false, error: { code: 'unknown-channel', message } });

export function createWardlineApi(transport: PreloadTransport): WardlineApi {
  const invoke = async (channel: unknown, payload: unknown): Promise<unknown> => {
    if (typeof channel !== 'string' || !REQUESTS.has(channel)) {
      return refused('Wardline does not recognise this request.');
    }
    try {
      return await transport.invoke(ipcChannelName(channel as (typeof requestChannels)[number]), payload);
    } catch {
      // Electron's rejection text can carry main-process details; the page gets a plain result.
      // Main never saw the call, so there is no reference to give: say what to do instead.
      return { ok: false, error: { code: 'internal', message: TRANSPORT_FAILED } };
    }
  };

  const on = (event: unknown, listener: unknown): (() => void) => {
    if (typeof event !== 'string' || !EVENTS.has(event) || typeof listener !== 'function') {
      throw new TypeError('Unknown Wardline event.');
    }
    return transport.subscribe(ipcChannelName(event as EventName), (payload) => {
      (listener as (payload: unknown) => void)(payload);
    });
  };

  // Typed for the page; checked at runtime above because the page is not trusted to respect types.
  return Object.freeze({ invoke, on }) as WardlineApi;
}

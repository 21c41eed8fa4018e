/**
 * The main process's gate for every IPC call: sender check, channel allowlist,
 * lock check, payload and response validation. Electron's ipcMain and the
 * Chromium bridge both call through here, so both enforce the same rules.
 */
import {
  isRequestChannel,
  requests,
  type RequestChannel,
  type RequestOf,
  type ResponseOf,
  type Result,
  type WardlineError,
} from '../../common/contract.js';
import { randomBytes } from 'node:crypto';
import { errorName } from '../logSafeErrors.js';
import { WardlineFailure } from './failure.js';
import { payloadProblem } from './payloadProblem.js';
import { storeFailureForPerson } from './storeFailure.js';

export type Handlers = {
  [C in RequestChannel]: (payload: RequestOf<C>) => Promise<ResponseOf<C>> | ResponseOf<C>;
};

export interface CallContext {
  /** URL of the frame that sent the call, as reported by the transport (never by the page). */
  senderUrl: string;
  /** False for sub-frames: only our top-level app page may call. */
  isMainFrame: boolean;
}

export interface DispatcherOptions {
  /** Origin our own page is served from, e.g. `app://wardline`. */
  appOrigin: string;
  handlers: Handlers;
  isUnlocked(): boolean;
  /** Changes on every lock; data fetched before a lock is not returned after it. */
  lockEpoch(): number;
  /**
   * False when the unlocked profile may not use this channel at all (a control-room display has
   * no conversation access). Checked after the lock, before the payload is even parsed.
   */
  profileAllows?(channel: RequestChannel): boolean;
  /**
   * Security-relevant refusals. Payloads are never logged: they may hold message text. `cause`:
   * for an internal error, the failing error's name or kind (never its message).
   */
  onRefused?(channel: string, error: WardlineError, cause?: string): void;
}

export type Dispatch = (ctx: CallContext, channel: unknown, payload: unknown) => Promise<Result<unknown>>;

const DISPLAY_ONLY: WardlineError = {
  code: 'rejected',
  message: 'This is a control-room display profile: it has no access to conversations or messages.',
};
const LOCKED: WardlineError = { code: 'locked', message: 'Wardline is locked. Unlock with your PIN to continue.' };

export function isOwnPage(appOrigin: string, senderUrl: string): boolean {
  try {
    const url = new URL(senderUrl);
    // `new URL('app://wardline/x').origin` is "null" for non-special schemes; compare parts instead.
    return `${url.protocol}//${url.host}` === appOrigin;
  } catch {
    return false;
  }
}

export function createDispatcher(options: DispatcherOptions): Dispatch {
  const refuse = (channel: string, error: WardlineError, cause?: string): Result<never> => {
    options.onRefused?.(channel, error, cause);
    return { ok: false, error };
  };
  // Said with a reference the log line carries too, so IT can find what failed from what the person reads out.
  const internal = (channel: string, cause: string): Result<never> => {
    const reference = randomBytes(4).toString('hex').toUpperCase();
    const message = `Wardline hit an internal error (reference ${reference}). Please try again; if it happens again, give IT the reference.`;
    return refuse(channel, { code: 'internal', message, reference }, cause);
  };

  return async (ctx, channel, payload) => {
    const name = typeof channel === 'string' ? channel.slice(0, 64) : '(non-string)';
    if (!ctx.isMainFrame || !isOwnPage(options.appOrigin, ctx.senderUrl)) {
      return refuse(name, { code: 'forbidden-sender', message: 'This request did not come from Wardline itself.' });
    }
    if (!isRequestChannel(channel)) {
      return refuse(name, { code: 'unknown-channel', message: 'Wardline does not recognise this request.' });
    }
    const spec = requests[channel];
    const guarded = spec.locked === 'refuse';
    const epoch = options.lockEpoch();
    if (guarded && !options.isUnlocked()) return refuse(name, LOCKED);
    if (options.isUnlocked() && options.profileAllows?.(channel) === false) return refuse(name, DISPLAY_ONLY);
    const parsed = spec.request.safeParse(payload ?? {});
    if (!parsed.success) return refuse(name, payloadProblem(parsed.error.issues, payload, 'fields' in spec ? spec.fields : undefined));
    try {
      const handler = options.handlers[channel] as (p: unknown) => Promise<unknown> | unknown;
      const value = await handler(parsed.data);
      // The lock may have fallen while the handler awaited: its data must not reach a locked screen.
      if (guarded && (!options.isUnlocked() || options.lockEpoch() !== epoch)) return refuse(name, LOCKED);
      // Validate outbound too: a bug in core must not leak extra fields to the page.
      const checked = spec.response.safeParse(value);
      if (!checked.success) return internal(name, 'response-schema');
      return { ok: true, value: checked.data };
    } catch (err) {
      if (err instanceof WardlineFailure) return { ok: false, error: err.toError() };
      const forPerson = storeFailureForPerson(err);
      return forPerson === null ? internal(name, errorName(err)) : refuse(name, forPerson);
    }
  };
}

// The account's connection: keeps one XMPP session alive across network trouble. It logs in,
// resumes the XEP-0198 session after a drop (resending what the server had not acknowledged), falls
// back to a fresh session when resumption is refused (handing the unacknowledged stanzas back),
// and retries with jittered backoff, except after a refusal that retrying cannot fix (bad password).
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { login, type LoginOutcome, type SaslMechanismName, type TlsMode } from './login.js';
import type { SaltedPasswordCache } from './scram.js';
import { parseH, SM_NS, StreamManagementLedger, type OutboundEntry } from './streamManagementLedger.js';
import { ADMIN_CA_UNUSABLE, createTrustContext, loadAdminCa, type AdminCaBundle } from './tlsTrust.js';
import { xml, type XmlElement } from './xml.js';
import { DEFAULT_STREAM_LIMITS, type XmlStream } from './xmlStream.js';
import { asXmppError, XmppError, type XmppErrorData } from './xmppError.js';

export interface XmppConnectionOptions {
  /** The account's bare JID, e.g. "j.jones@hospital.example". */
  jid: string;
  password: string;
  /** Where to connect. Defaults: the JID's domain; 5222 for STARTTLS, 5223 for direct TLS. No SRV lookup. */
  host?: string;
  port?: number;
  /** 'starttls' (default; refused if the server does not offer it) or 'direct' TLS (xmpps). */
  tls?: TlsMode;
  /** The hospital's CA bundle, trusted in addition to the OS store. */
  adminCa?: AdminCaBundle;
  /** SASL PLAIN (inside TLS) as a last resort. Off by default; Wardline itself never sets it (no policy key does). */
  allowPlain?: boolean;
  /** Resource to bind; default "wardline-" plus random hex, kept for this connection's life. */
  resource?: string;
  backoff?: BackoffPolicy;
  /** TCP + TLS + SASL + bind must finish within this, or the attempt counts as failed. */
  loginTimeoutMs?: number;
  /** Inbound silence after which we probe the link with <r/>. */
  keepaliveMs?: number;
  /** How long the server gets to answer that probe before the link counts as dead. */
  probeTimeoutMs?: number;
  /** Injectable for tests: [0, 1) like Math.random, the timer used for backoff waits, and how long a session lasted. */
  random?: () => number;
  timers?: Timers;
  sessionClock?: () => number;
  /** Sees each new TCP socket (tests use it to drop the connection under the stream). */
  onSocket?: (socket: Socket) => void;
  /** Content-free diagnostics (never stanza contents). */
  log?: (event: string, details?: Record<string, string | number | boolean>) => void;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type XmppConnectionState =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'online'; since: number; jid: string; mechanism: SaslMechanismName }
  /** `since`: when the outage began (kept across failed attempts). `retryAt`: null when we have stopped for good. */
  | { kind: 'offline'; since: number; reason: XmppErrorData; retryAt: number | null };

export interface XmppConnectionEvents {
  state: XmppConnectionState;
  /** Every inbound message, presence, and iq that is not the answer to our own iq(). */
  stanza: XmlElement;
  /** The SM session survived a reconnect; `resent` stanzas went out again (the server had not acked them). */
  resumed: { resent: number };
  /**
   * A fresh session replaced a lost one. `unacked` may or may not have reached the server; their
   * send() promises were rejected with kind 'not-acked'. Resend them (de-duplicated by origin-id)
   * from this listener to keep them ahead of later sends. Also the cue for a MAM catch-up.
   */
  'session-restarted': { unacked: XmlElement[] };
  /** A session ended (before any reconnect): how, e.g. a stream error's condition. Stanzas it had not acknowledged are still held. */
  'session-ended': { kind: XmppErrorData['kind']; condition: string | null };
}

export interface XmppConnection {
  state(): XmppConnectionState;
  on<E extends keyof XmppConnectionEvents>(event: E, listener: (payload: XmppConnectionEvents[E]) => void): () => void;
  /** Resolves when the server acknowledges the stanza (XEP-0198); queued while offline. */
  send(stanza: XmlElement): Promise<void>;
  /** Sends an iq get/set and resolves with the result; rejects with kind 'iq' (type='error') or 'timeout'. */
  iq(request: XmlElement, timeoutMs?: number): Promise<XmlElement>;
  /** Ends the stream politely and stops reconnecting; outstanding sends reject with kind 'closed'. */
  close(): Promise<void>;
}

const STANZA_NAMES = new Set(['message', 'presence', 'iq']);
/** A session that lasted this long was working: if it drops, reconnect at once rather than back off. */
export const STABLE_SESSION_MS = 10_000;
const CLIENT_NS = 'jabber:client';

interface PendingIq {
  entry: OutboundEntry;
  to: string | undefined;
  resolve(result: XmlElement): void;
  reject(error: XmppError): void;
  timer: NodeJS.Timeout;
}

/** Starts connecting at once; watch on('state'). */
export function connectXmpp(options: XmppConnectionOptions): XmppConnection {
  return new Connection(options);
}

class Connection implements XmppConnection {
  readonly #options: XmppConnectionOptions;
  readonly #username: string;
  readonly #domain: string;
  readonly #resource: string;
  readonly #timers: Timers;
  readonly #emitter = new EventEmitter();
  readonly #ledger = new StreamManagementLedger();
  readonly #saltedPasswords: SaltedPasswordCache = new Map();
  /** Accepted by send() while no session was writable; written when one is. */
  #queued: OutboundEntry[] = [];
  readonly #iqs = new Map<string, PendingIq>();
  #state: XmppConnectionState = { kind: 'connecting', attempt: 1 };
  #stream: XmlStream | undefined;
  #jid = '';
  /** Bumped per fresh (not resumed) session, so iqs sent on a lost session can be told apart. */
  #generation = 0;
  #secureContext: SecureContext | undefined;
  #adminCaLoad: Promise<string[]> | undefined;
  #closed = false;
  #loginAbort: AbortController | undefined;
  #wake: (() => void) | undefined;
  #ackRequested = false;
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(options: XmppConnectionOptions) {
    const match = /^([^@/]+)@([^@/]+)$/.exec(options.jid);
    if (match?.[1] === undefined || match[2] === undefined) throw new TypeError(`Not a bare JID: ${options.jid}`);
    this.#options = options;
    this.#username = match[1];
    this.#domain = match[2].toLowerCase();
    this.#resource = options.resource ?? `wardline-${randomBytes(4).toString('hex')}`;
    this.#timers = options.timers ?? { setTimeout: (callback, ms) => setTimeout(callback, ms), clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout) };
    void this.#run();
  }

  state(): XmppConnectionState {
    return this.#state;
  }

  on<E extends keyof XmppConnectionEvents>(event: E, listener: (payload: XmppConnectionEvents[E]) => void): () => void {
    this.#emitter.on(event, listener);
    return () => this.#emitter.off(event, listener);
  }

  send(stanza: XmlElement): Promise<void> {
    return this.#enqueue(stanza).promise;
  }

  iq(request: XmlElement, timeoutMs = 15_000): Promise<XmlElement> {
    const type = request.attrs['type'];
    if (!request.is('iq') || (type !== 'get' && type !== 'set')) return Promise.reject(new TypeError('iq() sends <iq type="get|set"/> only.'));
    const id = request.attrs['id'] ?? randomBytes(8).toString('hex');
    request.attrs['id'] = id;
    if (this.#iqs.has(id)) return Promise.reject(new TypeError(`An iq with id ${id} is already pending.`));
    const promise = new Promise<XmlElement>((resolve, reject) => {
      const { entry, promise: sent } = this.#enqueue(request);
      // Refused outright (closed, stopped): no answer can come, so no timeout to wait out.
      sent.catch((error: unknown) => {
        if (error instanceof XmppError && error.kind === 'closed' && this.#iqs.get(id)?.entry === entry) this.#settleIq(id, error);
      });
      const timer = setTimeout(() => {
        this.#iqs.delete(id);
        reject(new XmppError('timeout', `No answer to the iq within ${timeoutMs} ms.`));
      }, timeoutMs);
      this.#iqs.set(id, { entry, to: request.attrs['to'], resolve, reject, timer });
    });
    promise.catch(() => undefined);
    return promise;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#loginAbort?.abort();
    this.#wake?.();
    this.#stopIdleTimer();
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream !== undefined) {
      // Tell the server what we handled, so it does not keep (or redeliver) those stanzas.
      stream.send(xml('a', { xmlns: SM_NS, h: this.#ledger.inbound }));
      await stream.end(500);
    }
    this.#abandonAll(new XmppError('closed', 'The connection was closed.'));
    for (const salted of this.#saltedPasswords.values()) salted.fill(0);
    this.#saltedPasswords.clear();
    this.#setState({ kind: 'offline', since: Date.now(), reason: { kind: 'closed', message: 'Signed out.' }, retryAt: null });
  }

  async #run(): Promise<void> {
    const policy = this.#options.backoff ?? DEFAULT_BACKOFF;
    const random = this.#options.random ?? Math.random;
    let failures = 0;
    let attempt = 0;
    let outageSince = Date.now();
    while (!this.#closed) {
      attempt += 1;
      if (this.#state.kind !== 'connecting' || this.#state.attempt !== attempt) this.#setState({ kind: 'connecting', attempt });
      let error: XmppError;
      try {
        const outcome = await this.#attempt();
        if (this.#closed) {
          outcome.stream.fail(new XmppError('closed', 'The connection was closed.'));
          return;
        }
        attempt = 0;
        const clock = this.#options.sessionClock ?? Date.now;
        const upAt = clock();
        error = await this.#runSession(outcome);
        outageSince = Date.now();
        this.#log('session-ended', technicalDetails(error));
        this.#emit('session-ended', { kind: error.kind, condition: error.condition ?? null });
        if (this.#closed) return;
        if (clock() - upAt >= STABLE_SESSION_MS) {
          // A link that was working most likely dropped for a moment: try again at once (the SM
          // session is still resumable), and only back off if that fails.
          failures = 0;
          if (!isPermanent(error)) {
            // Soon, but not in the same millisecond as every other client: a server restart or a
            // cluster node failure drops them all at once. Within the first backoff step, no 'offline'.
            // Shown as reconnecting meanwhile: the stream is gone, so 'online' would be wrong.
            this.#setState({ kind: 'connecting', attempt: attempt + 1 });
            await this.#sleep(backoffDelay(1, policy, random));
            continue;
          }
        } else {
          // Ended as soon as it began (a server closing every new session, a bogus ack): counted
          // as a failed attempt, so the wait grows instead of reconnecting in a tight loop.
          failures += 1;
        }
      } catch (thrown) {
        error = asXmppError(thrown, 'network');
        if (this.#closed) return;
        failures += 1;
        this.#log('login-failed', { ...technicalDetails(error), attempt });
      }
      if (isPermanent(error)) {
        this.#abandonAll(error);
        this.#setState({ kind: 'offline', since: outageSince, reason: error.toData(), retryAt: null });
        return;
      }
      const delay = backoffDelay(failures, policy, random);
      this.#setState({ kind: 'offline', since: outageSince, reason: error.toData(), retryAt: Date.now() + delay });
      await this.#sleep(delay);
    }
  }

  async #attempt(): Promise<LoginOutcome> {
    const options = this.#options;
    const abort = new AbortController();
    this.#loginAbort = abort;
    const timeoutMs = options.loginTimeoutMs ?? 20_000;
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      if (this.#secureContext === undefined) {
        // One read at a time: a read stuck on a dead network share is not started again per attempt
        // (each would hold a libuv pool thread, which PBKDF2 and DNS need too). A failed read is retried.
        const loading = (this.#adminCaLoad ??= loadAdminCa(options.adminCa).catch((error: unknown) => {
          this.#adminCaLoad = undefined;
          throw error;
        }));
        // The login timeout covers it: a read that never returns must not leave us "connecting" for ever.
        const timedOut = new Promise<never>((_resolve, reject) => {
          const onAbort = (): void => reject(new XmppError('timeout', 'Reading the admin CA bundle took too long.', { condition: ADMIN_CA_UNUSABLE }));
          if (abort.signal.aborted) onAbort();
          else abort.signal.addEventListener('abort', onAbort, { once: true });
        });
        this.#secureContext = createTrustContext(await Promise.race([loading, timedOut]));
      }
      const session = this.#ledger.session;
      return await login({
        host: options.host ?? this.#domain,
        port: options.port ?? (options.tls === 'direct' ? 5223 : 5222),
        domain: this.#domain,
        username: this.#username,
        password: options.password,
        resource: this.#resource,
        tlsMode: options.tls ?? 'starttls',
        secureContext: this.#secureContext,
        allowPlain: options.allowPlain ?? false,
        saltedPasswordCache: this.#saltedPasswords,
        resume: session?.resumable ? { previd: session.id, h: this.#ledger.inbound } : undefined,
        limits: DEFAULT_STREAM_LIMITS,
        signal: abort.signal,
        onSocket: options.onSocket,
      });
    } finally {
      clearTimeout(timer);
      this.#loginAbort = undefined;
    }
  }

  /** Runs one live session; resolves with the reason it ended. */
  #runSession(outcome: LoginOutcome): Promise<XmppError> {
    const { stream } = outcome;
    return new Promise((resolve) => {
      stream.onClose((error) => {
        if (this.#stream === stream) this.#stream = undefined;
        this.#stopIdleTimer();
        resolve(error);
      });
      if (stream.failure !== undefined) return;
      try {
        this.#startSession(outcome);
      } catch (error) {
        stream.fail(asXmppError(error, 'protocol'), 'undefined-condition');
      }
    });
  }

  /**
   * A server acknowledging stanzas we never sent has lost track of this stream: it must not be
   * resumed (every resume would fail the same way). The next attempt starts a fresh session and
   * hands the unacknowledged stanzas back to be resent (from the outbox, with their origin-ids).
   */
  #ackOrForget(h: number): void {
    try {
      this.#ledger.ack(h);
    } catch (error) {
      this.#ledger.forgetSession();
      throw error;
    }
  }

  #startSession(outcome: LoginOutcome): void {
    const { stream } = outcome;
    let resent = 0;
    let orphans: OutboundEntry[] = [];
    const firstSession = this.#generation === 0;
    if (outcome.kind === 'resumed') {
      this.#ackOrForget(outcome.h);
      // Exactly the stanzas the server did not count, in order; they stay in the ledger until acked.
      for (const entry of this.#ledger.unacked) stream.send(entry.wire);
      resent = this.#ledger.unacked.length;
    } else {
      this.#jid = outcome.jid;
      this.#generation += 1;
      if (outcome.resumeFailed?.h !== undefined) {
        try {
          this.#ledger.ack(outcome.resumeFailed.h);
        } catch {
          // A bogus h on a failed resume only costs us precision: everything is handed back.
        }
      }
      orphans = this.#ledger.start(outcome.sm);
      const lost = new XmppError('not-acked', 'The session was replaced before the server acknowledged this stanza.');
      for (const entry of orphans) entry.reject(lost);
      // Answers to iqs sent on the lost session will never come.
      for (const [id, pending] of this.#iqs) {
        if (pending.entry.sentGeneration !== null && pending.entry.sentGeneration < this.#generation) this.#settleIq(id, lost);
      }
    }
    this.#stream = stream;
    stream.handle((element) => this.#onElement(element));
    // Something the server sent along with <resumed/>/<enabled/> may already have broken the stream.
    if (stream.failure !== undefined) return;
    this.#armIdleTimer();
    this.#setState({ kind: 'online', since: Date.now(), jid: this.#jid, mechanism: outcome.mechanism });
    if (outcome.kind === 'resumed') this.#emit('resumed', { resent });
    else if (!firstSession) this.#emit('session-restarted', { unacked: orphans.map((entry) => entry.stanza) });
    const queued = this.#queued;
    this.#queued = [];
    for (const entry of queued) this.#write(entry);
    if (resent > 0) this.#requestAck();
  }

  #onElement(element: XmlElement): void {
    const stream = this.#stream;
    if (stream === undefined) return;
    this.#armIdleTimer();
    if (element.is('r', SM_NS)) {
      stream.send(xml('a', { xmlns: SM_NS, h: this.#ledger.inbound }));
      return;
    }
    if (element.is('a', SM_NS)) {
      const h = parseH(element.attrs['h']);
      try {
        if (h === undefined) throw new XmppError('protocol', '<a/> without a valid h.');
        this.#ackOrForget(h);
      } catch (error) {
        stream.fail(asXmppError(error, 'protocol'), 'undefined-condition');
      }
      return;
    }
    if (!STANZA_NAMES.has(element.getName()) || element.getNS() !== CLIENT_NS) {
      this.#log('ignored-element', { name: element.getName() });
      return;
    }
    // Counted before anyone looks at it: once we have seen it, it is ours to keep.
    this.#ledger.countInbound();
    if (element.getName() === 'iq' && this.#answersOurIq(element)) return;
    this.#emit('stanza', element);
  }

  #answersOurIq(element: XmlElement): boolean {
    const { id, type, from } = element.attrs;
    if ((type !== 'result' && type !== 'error') || id === undefined) return false;
    const pending = this.#iqs.get(id);
    if (pending === undefined || !this.#isFromExpected(from, pending.to)) return false;
    if (type === 'result') {
      this.#iqs.delete(id);
      clearTimeout(pending.timer);
      pending.resolve(element);
    } else {
      const condition = element.getChild('error')?.getChildElements().find((child) => child.getName() !== 'text')?.getName() ?? 'undefined-condition';
      this.#settleIq(id, new XmppError('iq', `The iq failed: ${condition}`, { condition }));
    }
    return true;
  }

  /** An answer must come from whom we asked; a spoofed 'from' must not settle our request. */
  #isFromExpected(from: string | undefined, to: string | undefined): boolean {
    const bare = `${this.#username}@${this.#domain}`.toLowerCase();
    const sameJid = (a: string, b: string): boolean => normaliseJid(a) === normaliseJid(b);
    if (to === undefined || sameJid(to, bare) || sameJid(to, this.#domain)) {
      return from === undefined || [bare, this.#domain, this.#jid].some((expected) => sameJid(from, expected));
    }
    return from !== undefined && sameJid(from, to);
  }

  #settleIq(id: string, error: XmppError): void {
    const pending = this.#iqs.get(id);
    if (pending === undefined) return;
    this.#iqs.delete(id);
    clearTimeout(pending.timer);
    pending.reject(error);
  }

  #enqueue(stanza: XmlElement): { entry: OutboundEntry; promise: Promise<void> } {
    let entry!: OutboundEntry;
    const promise = new Promise<void>((resolve, reject) => {
      entry = { stanza, wire: stanza.toString(), resolve, reject, sentGeneration: null };
    });
    // Rejections are information for whoever awaits; a fire-and-forget send must not crash the process.
    promise.catch(() => undefined);
    if (!STANZA_NAMES.has(stanza.name)) {
      entry.reject(new XmppError('protocol', `send() takes message, presence or iq stanzas, not <${stanza.name}>.`));
    } else if (this.#closed || this.#isStopped()) {
      entry.reject(new XmppError('closed', 'The connection is closed.'));
    } else if (this.#stream === undefined) {
      this.#queued.push(entry);
    } else {
      this.#write(entry);
    }
    return { entry, promise };
  }

  #write(entry: OutboundEntry): void {
    const stream = this.#stream;
    if (stream === undefined) {
      this.#queued.push(entry);
      return;
    }
    entry.sentGeneration = this.#generation;
    // Into the ledger before the write: if the socket is already dead, resumption resends it.
    this.#ledger.sent(entry);
    stream.send(entry.wire);
    this.#requestAck();
  }

  /** One <r/> per burst: sends in the same tick share it, and its <a/> settles them all. */
  #requestAck(): void {
    if (this.#ackRequested) return;
    this.#ackRequested = true;
    setImmediate(() => {
      this.#ackRequested = false;
      this.#stream?.send(xml('r', { xmlns: SM_NS }));
    });
  }

  /** Silence for keepaliveMs → send <r/>; still silent probeTimeoutMs later → the link is dead. */
  #armIdleTimer(): void {
    this.#stopIdleTimer();
    const keepaliveMs = this.#options.keepaliveMs ?? 30_000;
    const probeTimeoutMs = this.#options.probeTimeoutMs ?? 15_000;
    this.#idleTimer = setTimeout(() => {
      const stream = this.#stream;
      if (stream === undefined) return;
      stream.send(xml('r', { xmlns: SM_NS }));
      this.#idleTimer = setTimeout(() => stream.fail(new XmppError('network', 'The server stopped answering.')), probeTimeoutMs);
    }, keepaliveMs);
  }

  #stopIdleTimer(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const handle = this.#timers.setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        this.#timers.clearTimeout(handle);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  #isStopped(): boolean {
    return this.#state.kind === 'offline' && this.#state.retryAt === null;
  }

  /** Nothing more will be sent: every outstanding promise learns why. */
  #abandonAll(error: XmppError): void {
    for (const entry of [...this.#ledger.drain(), ...this.#queued]) entry.reject(error);
    this.#queued = [];
    for (const id of [...this.#iqs.keys()]) this.#settleIq(id, error);
  }

  #setState(state: XmppConnectionState): void {
    this.#state = state;
    this.#emit('state', state);
  }

  #emit<E extends keyof XmppConnectionEvents>(event: E, payload: XmppConnectionEvents[E]): void {
    try {
      this.#emitter.emit(event, payload);
    } catch (error) {
      // A throwing listener is the listener's bug; the connection carries on.
      this.#log('listener-failed', { event, error: error instanceof Error ? error.name : 'unknown' });
    }
  }

  #log(event: string, details?: Record<string, string | number | boolean>): void {
    this.#options.log?.(event, details);
  }
}

/**
 * What IT needs to tell failures apart, for the log: people are shown plain words instead
 * (chat/connectionReason.ts). Never the message: it can carry the server's free text.
 */
function technicalDetails(error: XmppError): Record<string, string> {
  return { kind: error.kind, ...(error.code ? { code: error.code } : {}), ...(error.condition ? { condition: error.condition } : {}) };
}

/** Failures that retrying cannot fix: wrong credentials, a server missing what we require, a resource conflict. */
function isPermanent(error: XmppError): boolean {
  if (error.kind === 'auth') return error.condition !== 'temporary-auth-failure';
  if (error.kind === 'unsupported' || error.kind === 'closed') return true;
  // Another login took our resource over; reconnecting would just kick it off in turn.
  return error.kind === 'stream' && error.condition === 'conflict';
}

/** Case-folds the parts of a JID that compare case-insensitively (local and domain, not resource). */
function normaliseJid(jid: string): string {
  const slash = jid.indexOf('/');
  return slash === -1 ? jid.toLowerCase() : jid.slice(0, slash).toLowerCase() + jid.slice(slash);
}

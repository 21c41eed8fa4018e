// One login attempt, start to finish: TCP (Nagle off) → TLS (STARTTLS, required, or direct TLS) →
// SASL (SCRAM-SHA-256 > SCRAM-SHA-1 > PLAIN only if allowPlain is set) → stream restart → either
// XEP-0198 resumption of the previous session, or resource binding plus a fresh SM session.
//
// Why our own negotiation instead of @xmpp/client's: its STARTTLS step calls tls.connect with no
// options, so it cannot carry our CA list, TLS floor or server name, and its SCRAM is the slow
// WebCrypto one. The wire protocol up to an SM-enabled session is a dozen elements, which is less
// code than working around the middleware, and each refusal becomes a typed XmppError.
import { randomBytes } from 'node:crypto';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type SecureContext, type TLSSocket } from 'node:tls';
import { domainToASCII } from 'node:url';
import { ScramClient, ScramError, SCRAM_MECHANISMS, type SaltedPasswordCache, type ScramMechanismName } from './scram.js';
import { parseH, SM_NS, type SmSession } from './streamManagementLedger.js';
import { xml, type XmlElement } from './xml.js';
import { XmlStream, type XmlStreamLimits, STREAM_NS } from './xmlStream.js';
import { asXmppError, XmppError } from './xmppError.js';

const TLS_NS = 'urn:ietf:params:xml:ns:xmpp-tls';
const SASL_NS = 'urn:ietf:params:xml:ns:xmpp-sasl';
const BIND_NS = 'urn:ietf:params:xml:ns:xmpp-bind';
const SESSION_NS = 'urn:ietf:params:xml:ns:xmpp-session';

export type TlsMode = 'starttls' | 'direct';
export type SaslMechanismName = ScramMechanismName | 'PLAIN';

export interface LoginParams {
  host: string;
  port: number;
  domain: string;
  username: string;
  password: string;
  resource: string;
  tlsMode: TlsMode;
  secureContext: SecureContext;
  allowPlain: boolean;
  saltedPasswordCache: SaltedPasswordCache;
  /** The previous SM session to resume, with the count of stanzas we handled on it. */
  resume: { previd: string; h: number } | undefined;
  limits: XmlStreamLimits;
  signal: AbortSignal;
  onSocket: ((socket: Socket) => void) | undefined;
}

export type LoginOutcome =
  | { kind: 'resumed'; stream: XmlStream; mechanism: SaslMechanismName; h: number }
  | {
      kind: 'bound';
      stream: XmlStream;
      mechanism: SaslMechanismName;
      jid: string;
      sm: SmSession;
      /** Resumption was attempted and refused; 'h' if the server said how many of ours it handled. */
      resumeFailed: { h: number | undefined } | undefined;
    };

export async function login(params: LoginParams): Promise<LoginOutcome> {
  const tcp = await openTcp(params);
  let stream: XmlStream | undefined;
  // Destroying the TCP socket also closes a TLS socket layered on it (and so the stream).
  const abort = (): void => {
    stream?.fail(new XmppError('timeout', 'The login was aborted.'));
    tcp.destroy();
  };
  params.signal.addEventListener('abort', abort, { once: true });
  try {
    let features: XmlElement;
    if (params.tlsMode === 'direct') {
      stream = new XmlStream(await secure(tcp, params), params.domain, params.limits);
      stream.open();
      features = await expectFeatures(stream);
    } else {
      const plain = new XmlStream(tcp, params.domain, params.limits);
      stream = plain;
      try {
        plain.open();
        features = await expectFeatures(plain);
        // No plaintext path: a server (or a network in between) that does not offer STARTTLS is refused.
        if (features.getChild('starttls', TLS_NS) === undefined) {
          throw new XmppError('tls', 'The server does not offer STARTTLS; refusing to continue without TLS.', { condition: 'starttls-not-offered' });
        }
        plain.send(xml('starttls', { xmlns: TLS_NS }));
        const answer = await plain.next();
        if (!answer.is('proceed', TLS_NS)) throw new XmppError('tls', 'The server refused STARTTLS.', { condition: 'starttls-failure' });
      } catch (error) {
        throw beforeTls(error);
      }
      plain.detach();
      stream = new XmlStream(await secure(tcp, params), params.domain, params.limits);
      stream.open();
      features = await expectFeatures(stream);
    }

    const mechanism = await authenticate(stream, features, params);
    stream.open();
    features = await expectFeatures(stream);

    const sm = features.getChild('sm', SM_NS);
    let resumeFailed: { h: number | undefined } | undefined;
    if (params.resume !== undefined && sm !== undefined) {
      stream.send(xml('resume', { xmlns: SM_NS, previd: params.resume.previd, h: params.resume.h }));
      const answer = await stream.next();
      if (answer.is('resumed', SM_NS)) {
        const h = parseH(answer.attrs['h']);
        if (h === undefined) throw new XmppError('protocol', '<resumed/> without a valid h.');
        return { kind: 'resumed', stream, mechanism, h };
      }
      if (!answer.is('failed', SM_NS)) throw unexpected(answer, 'an answer to <resume/>');
      resumeFailed = { h: parseH(answer.attrs['h']) };
    }

    const jid = await bind(stream, features, params.resource);
    // Stream management is what makes "no message lost" hold, so a server without it is refused.
    if (sm === undefined) throw new XmppError('unsupported', 'The server does not offer stream management (XEP-0198).', { condition: 'no-stream-management' });
    stream.send(xml('enable', { xmlns: SM_NS, resume: 'true' }));
    const enabled = await stream.next();
    if (!enabled.is('enabled', SM_NS)) throw new XmppError('protocol', 'The server refused to enable stream management.');
    const resume = enabled.attrs['resume'];
    const session: SmSession = { id: enabled.attrs['id'] ?? '', resumable: (resume === 'true' || resume === '1') && enabled.attrs['id'] !== undefined };
    return { kind: 'bound', stream, mechanism, jid, sm: session, resumeFailed };
  } catch (error) {
    const failure = asXmppError(error, 'network');
    stream?.fail(failure);
    tcp.destroy();
    // A socket torn down by our abort reports "closed"; say what really happened.
    throw params.signal.aborted && failure.kind === 'network' ? new XmppError('timeout', 'The login took too long.', { cause: failure }) : failure;
  } finally {
    params.signal.removeEventListener('abort', abort);
  }
}

/**
 * Whatever arrives before TLS is unauthenticated: anyone on the path can write it. A stream error
 * or protocol fault there (a forged <conflict/>, <not-authorized/>, <host-unknown/>…) must neither
 * stop reconnecting for good nor be shown to people as the server's verdict on their account.
 */
function beforeTls(error: unknown): XmppError {
  const failure = asXmppError(error, 'network');
  if (failure.kind !== 'stream' && failure.kind !== 'protocol') return failure;
  return new XmppError('tls', 'The connection was ended before TLS was set up.', { condition: 'starttls-failure', cause: failure });
}

function openTcp(params: LoginParams): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (params.signal.aborted) {
      reject(new XmppError('timeout', 'The login was aborted.'));
      return;
    }
    const socket = connectTcp({ host: params.host, port: params.port });
    // A listener for the socket's whole life: errors after the TLS handover must never go unhandled.
    socket.on('error', () => undefined);
    socket.setNoDelay(true);
    params.onSocket?.(socket);
    const onAbort = (): void => {
      socket.destroy();
      reject(new XmppError('timeout', 'The TCP connection took too long.'));
    };
    params.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      params.signal.removeEventListener('abort', onAbort);
      resolve(socket);
    });
    // destroy() without an error emits only 'close'; the attempt must still end.
    socket.once('close', () => reject(new XmppError('network', `The connection to ${params.host}:${params.port} closed.`)));
    socket.once('error', (error) => {
      params.signal.removeEventListener('abort', onAbort);
      reject(new XmppError('network', `Cannot connect to ${params.host}:${params.port}: ${error.message}`, { code: codeOf(error), cause: error }));
    });
  });
}

/** TLS over the TCP socket, verified against our SecureContext and the XMPP domain's name. */
function secure(tcp: Socket, params: LoginParams): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({
      socket: tcp,
      // SNI and the certificate check both need the A-label (xn--…) of an internationalised domain.
      servername: domainToASCII(params.domain) || params.domain,
      secureContext: params.secureContext,
      // XEP-0368 asks direct-TLS clients to name the protocol; harmless after STARTTLS too.
      ALPNProtocols: params.tlsMode === 'direct' ? ['xmpp-client'] : [],
    });
    const onError = (error: Error): void => {
      socket.destroy();
      reject(new XmppError('tls', `TLS with ${params.domain} failed: ${error.message}`, { code: codeOf(error), cause: error }));
    };
    const onClose = (): void => {
      // Our own login timeout tears the socket down: a server silent mid-handshake is slow, not an attack.
      if (params.signal.aborted) {
        socket.destroy();
        reject(new XmppError('timeout', `The TLS handshake with ${params.domain} took too long.`));
        return;
      }
      onError(new Error('the connection closed during the TLS handshake'));
    };
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.once('secureConnect', () => {
      socket.off('error', onError);
      socket.off('close', onClose);
      // rejectUnauthorized is on (the default), so this is belt and braces.
      if (!socket.authorized) {
        socket.destroy();
        // Typed as an Error, but a client socket's is OpenSSL's verdict code as a string (Node's _tls_wrap).
        const verdict: unknown = socket.authorizationError;
        const code = typeof verdict === 'string' ? verdict : codeOf(verdict);
        reject(new XmppError('tls', `The certificate of ${params.domain} is not trusted.`, { code: code ?? 'CERT_REJECTED' }));
        return;
      }
      resolve(socket);
    });
  });
}

/** Our preference order among what the server offers. PLAIN (even inside TLS) only with allowPlain, which Wardline never sets. */
export function chooseMechanism(offered: readonly string[], allowPlain: boolean): SaslMechanismName | undefined {
  const preference: SaslMechanismName[] = ['SCRAM-SHA-256', 'SCRAM-SHA-1', ...(allowPlain ? (['PLAIN'] as const) : [])];
  return preference.find((name) => offered.includes(name));
}

async function authenticate(stream: XmlStream, features: XmlElement, params: LoginParams): Promise<SaslMechanismName> {
  const offered = (features.getChild('mechanisms', SASL_NS)?.getChildren('mechanism') ?? []).map((element) => element.text().trim());
  const mechanism = chooseMechanism(offered, params.allowPlain);
  if (mechanism === undefined) {
    throw new XmppError('unsupported', `No acceptable SASL mechanism (the server offers: ${offered.join(', ') || 'none'}).`, {
      condition: 'no-acceptable-mechanism',
    });
  }
  const encode = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
  const decode = (element: XmlElement): string => Buffer.from(element.text().trim(), 'base64').toString('utf8');

  if (mechanism === 'PLAIN') {
    stream.send(xml('auth', { xmlns: SASL_NS, mechanism }, encode(`\0${params.username}\0${params.password}`)));
    await expectSuccess(await stream.next());
    return mechanism;
  }

  const scram = new ScramClient({
    hash: SCRAM_MECHANISMS[mechanism],
    username: params.username,
    password: params.password,
    cache: params.saltedPasswordCache,
  });
  try {
    stream.send(xml('auth', { xmlns: SASL_NS, mechanism }, encode(scram.clientFirst())));
    const challenge = await stream.next();
    if (!challenge.is('challenge', SASL_NS)) {
      await expectSuccess(challenge);
      throw new XmppError('protocol', 'The server skipped the SCRAM challenge.');
    }
    stream.send(xml('response', { xmlns: SASL_NS }, encode(await scram.clientFinal(decode(challenge)))));
    let answer = await stream.next();
    // RFC 6120 lets the server send its final message as a challenge (then <success/> is empty).
    let verified = false;
    if (answer.is('challenge', SASL_NS)) {
      scram.verifyServerFinal(decode(answer));
      verified = true;
      stream.send(xml('response', { xmlns: SASL_NS }));
      answer = await stream.next();
    }
    await expectSuccess(answer);
    if (!verified) scram.verifyServerFinal(decode(answer));
  } catch (error) {
    if (error instanceof ScramError) {
      stream.send(xml('abort', { xmlns: SASL_NS }));
      throw new XmppError('auth', error.message, { condition: 'server-not-verified', cause: error });
    }
    throw error;
  }
  return mechanism;
}

async function expectSuccess(answer: XmlElement): Promise<void> {
  if (answer.is('success', SASL_NS)) return;
  if (answer.is('failure', SASL_NS)) {
    const condition = answer.getChildElements().find((child) => child.getName() !== 'text')?.getName() ?? 'not-authorized';
    const text = answer.getChildText('text', SASL_NS);
    const reason = condition === 'not-authorized' ? 'wrong username or password' : condition;
    throw new XmppError('auth', `Login refused: ${reason}${text ? ` (${text})` : ''}.`, { condition });
  }
  throw unexpected(answer, 'a SASL answer');
}

async function bind(stream: XmlStream, features: XmlElement, resource: string): Promise<string> {
  if (features.getChild('bind', BIND_NS) === undefined) throw new XmppError('protocol', 'The server offers no resource binding.');
  const id = randomBytes(6).toString('hex');
  stream.send(xml('iq', { type: 'set', id }, xml('bind', { xmlns: BIND_NS }, xml('resource', {}, resource))));
  const answer = await stream.next();
  const jid = answer.is('iq') && answer.attrs['id'] === id && answer.attrs['type'] === 'result' ? answer.getChild('bind', BIND_NS)?.getChildText('jid') : undefined;
  if (jid == null || jid === '') throw new XmppError('protocol', 'Resource binding failed.', { condition: stanzaErrorCondition(answer) });

  // RFC 3921 sessions: only old servers still require it (Prosody marks it <optional/>).
  const session = features.getChild('session', SESSION_NS);
  if (session !== undefined && session.getChild('optional') === undefined) {
    stream.send(xml('iq', { type: 'set', id: `${id}-s` }, xml('session', { xmlns: SESSION_NS })));
    const reply = await stream.next();
    if (reply.attrs['type'] !== 'result') throw new XmppError('protocol', 'Session establishment failed.');
  }
  return jid;
}

async function expectFeatures(stream: XmlStream): Promise<XmlElement> {
  const element = await stream.next();
  if (!element.is('features', STREAM_NS)) throw unexpected(element, '<stream:features/>');
  return element;
}

function unexpected(element: XmlElement, wanted: string): XmppError {
  return new XmppError('protocol', `Expected ${wanted}, got <${element.name}>.`);
}

function stanzaErrorCondition(element: XmlElement): string {
  return element.getChild('error')?.getChildElements().find((child) => child.getName() !== 'text')?.getName() ?? 'undefined-condition';
}

function codeOf(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

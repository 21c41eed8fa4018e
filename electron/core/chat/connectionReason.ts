/**
 * Why messaging is offline, in words a ward clerk or consultant can act on: what happened, then
 * what to do (wait, check the network, sign in again, or call the IT service desk). Pure policy:
 * the connection layer's technical message ("connect ECONNREFUSED 10.0.0.5:5222") never reaches
 * a person; IT reads kind, code and condition in the log lines of xmppConnection.ts instead.
 * Nothing here sees message content, and no output carries a host name or a raw error string.
 */
import { ADMIN_CA_UNUSABLE, type XmppErrorData } from '../xmpp/index.js';

/** What the person can do about it. */
type Advice =
  /** Passing trouble: Wardline retries; `escalate` if it lasts. */
  | { kind: 'wait'; escalate: string }
  /** Only the person can fix it (a password, a setting): waiting changes nothing. */
  | { kind: 'act'; action: string }
  /** Only IT can fix it, on the server or in the account's server settings. */
  | { kind: 'it'; because: string }
  /** Could be someone in the middle: never suggest a way round it, only IT. */
  | { kind: 'security' };

interface Explanation {
  what: string;
  advice: Advice;
}

const IT = 'call the IT service desk';
const CHECK_NETWORK = "check this computer's network cable or Wi-Fi";

// Node socket codes (libuv / getaddrinfo), grouped by what a person can do about them.
const REFUSED: ReadonlySet<string> = new Set(['ECONNREFUSED']);
const UNREACHABLE: ReadonlySet<string> = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'EADDRNOTAVAIL']);
const NAME_NOT_FOUND: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const TIMED_OUT: ReadonlySet<string> = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);

/** OpenSSL's verify results (as Node names them) and Node's own host-name check: the certificate was not accepted. */
const CERTIFICATE_REFUSED: ReadonlySet<string> = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Stream errors (RFC 6120 §4.9.3) that mean the two sides did not understand each other. */
const STREAM_PROTOCOL: ReadonlySet<string> = new Set([
  'bad-format',
  'bad-namespace-prefix',
  'invalid-from',
  'invalid-namespace',
  'invalid-xml',
  'not-well-formed',
  'restricted-xml',
  'unsupported-encoding',
  'unsupported-feature',
  'unsupported-stanza-type',
  'unsupported-version',
]);

/** SASL failures (RFC 6120 §6.5) that are the server's set-up, not the person's password. */
const AUTH_SET_UP: ReadonlySet<string> = new Set(['encryption-required', 'invalid-mechanism', 'mechanism-too-weak']);

const NETWORK_DROPPED: Explanation = {
  what: 'The network or the messaging server cut the connection.',
  advice: { kind: 'wait', escalate: `${CHECK_NETWORK}, or ${IT}` },
};
const TIMEOUT: Explanation = { what: 'The messaging server took too long to answer.', advice: { kind: 'wait', escalate: IT } };
const PROTOCOL: Explanation = { what: 'Wardline and the messaging server did not understand each other.', advice: { kind: 'wait', escalate: IT } };
const UNKNOWN: Explanation = { what: 'An unexpected problem interrupted the connection.', advice: { kind: 'wait', escalate: IT } };

export function reasonForPeople(error: XmppErrorData, retrying: boolean): string {
  const { what, advice } = explain(error);
  return `${what} ${adviceText(advice, retrying)}`;
}

function explain(error: XmppErrorData): Explanation {
  switch (error.kind) {
    case 'network':
      return network(error.code);
    case 'timeout':
      return TIMEOUT;
    case 'tls':
      return tls(error);
    case 'auth':
      return auth(error.condition);
    case 'stream':
      return stream(error.condition);
    case 'protocol':
      return PROTOCOL;
    case 'unsupported':
      // No acceptable SASL mechanism, or no stream management (XEP-0198): the condition in the log says which.
      return {
        what: 'The messaging server lacks something Wardline needs to connect safely.',
        advice: { kind: 'it', because: "the server's configuration must be changed" },
      };
    case 'closed':
      return { what: 'Messaging was signed out on this computer.', advice: { kind: 'act', action: 'sign in again to continue' } };
    // Stanza-level failures do not end a connection, but a view must still say something; and a
    // kind added later (or bad data across a boundary) gets the generic sentence, not a crash.
    case 'not-acked':
    case 'iq':
    default:
      return UNKNOWN;
  }
}

function network(code: string | undefined): Explanation {
  if (code === undefined) return NETWORK_DROPPED;
  if (REFUSED.has(code)) {
    return { what: 'The messaging server is not accepting connections: it may be down or restarting.', advice: { kind: 'wait', escalate: IT } };
  }
  if (UNREACHABLE.has(code)) {
    return { what: 'This computer cannot reach the messaging server over the network.', advice: { kind: 'wait', escalate: `${CHECK_NETWORK}, then ${IT}` } };
  }
  if (NAME_NOT_FOUND.has(code)) {
    return {
      what: "The messaging server's name cannot be found on the network.",
      advice: { kind: 'wait', escalate: `check the server name in your account settings, or ${IT}` },
    };
  }
  if (TIMED_OUT.has(code)) return TIMEOUT;
  // ECONNRESET, EPIPE, ECONNABORTED and anything new: the link went, whoever ended it.
  return NETWORK_DROPPED;
}

function tls(error: XmppErrorData): Explanation {
  if (error.condition === ADMIN_CA_UNUSABLE) {
    return {
      what: "This computer's copy of the hospital's trusted certificates is missing or damaged, so Wardline cannot check the messaging server.",
      advice: { kind: 'it', because: "Wardline's set-up on this computer must be repaired" },
    };
  }
  if (error.condition === 'starttls-not-offered' || error.condition === 'starttls-failure') {
    return { what: 'The messaging server did not offer a secure connection, so Wardline did not connect.', advice: { kind: 'security' } };
  }
  if (error.code !== undefined && CERTIFICATE_REFUSED.has(error.code)) {
    return { what: "The messaging server's security certificate is not trusted, so Wardline did not connect.", advice: { kind: 'security' } };
  }
  // A handshake that failed another way: still never worked round.
  return { what: 'A secure connection to the messaging server could not be set up.', advice: { kind: 'security' } };
}

function auth(condition: string | undefined): Explanation {
  switch (condition) {
    case undefined:
    case 'not-authorized':
      return {
        what: 'The server refused this messaging address or password.',
        advice: { kind: 'act', action: `check them and sign in again, or ${IT}` },
      };
    case 'account-disabled':
      return { what: 'The hospital has disabled this messaging account.', advice: { kind: 'act', action: IT } };
    case 'credentials-expired':
      return {
        what: 'The password of this messaging account has expired.',
        advice: { kind: 'act', action: 'ask the IT service desk to reset it, then sign in again' },
      };
    case 'invalid-password-characters':
      return {
        what: 'The messaging address or password contains characters that sign-in does not allow.',
        advice: { kind: 'act', action: 'check them and sign in again, or ask the IT service desk for a new password' },
      };
    case 'temporary-auth-failure':
      return { what: 'The messaging server could not check the sign-in just now.', advice: { kind: 'wait', escalate: IT } };
    case 'server-not-verified':
      // SCRAM: the server could not prove it holds this account's password.
      return { what: "The messaging server could not prove it is the hospital's server, so Wardline did not sign in.", advice: { kind: 'security' } };
    default:
      if (AUTH_SET_UP.has(condition)) {
        return {
          what: 'The messaging server does not accept the way Wardline signs in.',
          advice: { kind: 'it', because: "the server's configuration must be changed" },
        };
      }
      return { what: 'The messaging server refused the sign-in.', advice: { kind: 'act', action: `sign in again, and if it is refused again, ${IT}` } };
  }
}

function stream(condition: string | undefined): Explanation {
  switch (condition) {
    case 'conflict':
      return {
        what: 'This messaging account was signed in from another place, which took over from this computer.',
        advice: { kind: 'act', action: `sign in again to use it here, and if that was not you, ${IT}` },
      };
    case 'system-shutdown':
      return { what: 'The messaging server is shutting down or restarting.', advice: { kind: 'wait', escalate: IT } };
    case 'see-other-host':
      // Wardline does not follow redirects: the account's server settings must change.
      return {
        what: 'The messaging server asked Wardline to use a different server.',
        advice: { kind: 'it', because: 'the server settings of this account need changing' },
      };
    case 'policy-violation':
      return { what: 'The messaging server refused something this computer sent and ended the connection.', advice: { kind: 'wait', escalate: IT } };
    case 'connection-timeout':
      return { what: 'The messaging server ended a connection it took to be idle.', advice: { kind: 'wait', escalate: IT } };
    case 'resource-constraint':
      return { what: 'The messaging server is too busy to serve this computer just now.', advice: { kind: 'wait', escalate: IT } };
    case 'host-unknown':
    case 'host-gone':
    case 'improper-addressing':
      return {
        what: 'The messaging server does not serve the domain in this messaging address.',
        advice: { kind: 'act', action: `check the address in your account settings, or ${IT}` },
      };
    case 'not-authorized':
      return { what: 'The messaging server ended the session and refused this account.', advice: { kind: 'act', action: `sign in again, and if it is refused again, ${IT}` } };
    default:
      if (condition !== undefined && STREAM_PROTOCOL.has(condition)) return PROTOCOL;
      // reset, internal-server-error, remote-connection-failed, undefined-condition, anything new.
      return { what: 'The messaging server ended the connection.', advice: { kind: 'wait', escalate: IT } };
  }
}

function adviceText(advice: Advice, retrying: boolean): string {
  // Say whether Wardline is still trying: it decides whether the person waits or acts.
  switch (advice.kind) {
    case 'wait':
      return retrying
        ? `Wardline keeps trying by itself; if this lasts more than a few minutes, ${advice.escalate}.`
        : `Wardline will not try again by itself: sign in again, and if this keeps happening, ${advice.escalate}.`;
    case 'act':
      return retrying ? `To fix this, ${advice.action}.` : `Wardline will not try again by itself: ${advice.action}.`;
    case 'it':
      return retrying
        ? `Waiting will not fix this: ${IT}, as ${advice.because}.`
        : `Wardline will not try again by itself: ${IT}, as ${advice.because}.`;
    case 'security':
      return retrying
        ? `Wardline keeps trying, but ${IT} now: this could be an attack or a setup fault.`
        : `Wardline will not try again by itself: ${IT}, as this could be an attack or a setup fault.`;
  }
}

import { describe, expect, it } from 'vitest';
import { reasonForPeople } from '../../electron/core/chat/connectionReason.js';
import type { XmppErrorData, XmppErrorKind } from '../../electron/core/xmpp/index.js';

const KEEPS_TRYING = 'Wardline keeps trying by itself; if this lasts more than a few minutes,';
const STOPPED = 'Wardline will not try again by itself:';
const SECURITY_RETRYING = 'Wardline keeps trying, but call the IT service desk now: this could be an attack or a setup fault.';
const SECURITY_STOPPED = 'Wardline will not try again by itself: call the IT service desk, as this could be an attack or a setup fault.';
const IT_CONFIG = "call the IT service desk, as the server's configuration must be changed.";

function error(kind: XmppErrorKind, details: { code?: string; condition?: string; message?: string } = {}): XmppErrorData {
  return { kind, message: details.message ?? 'technical', ...(details.code ? { code: details.code } : {}), ...(details.condition ? { condition: details.condition } : {}) };
}

/** Every kind, code and condition the connection layer produces (and some it might), with the messages it writes. */
const EVERY_ERROR: readonly XmppErrorData[] = [
  error('network', { code: 'ECONNREFUSED', message: 'Cannot connect to 127.0.0.1:5222: connect ECONNREFUSED 127.0.0.1:5222' }),
  error('network', { code: 'EHOSTUNREACH', message: 'Cannot connect to xmpp.trust.nhs.uk:5222: connect EHOSTUNREACH 10.1.2.3:5222' }),
  error('network', { code: 'ENETUNREACH', message: 'Cannot connect to 10.1.2.3:5222: connect ENETUNREACH 10.1.2.3:5222' }),
  error('network', { code: 'ENOTFOUND', message: 'Cannot connect to xmpp.trust.nhs.uk:5222: getaddrinfo ENOTFOUND xmpp.trust.nhs.uk' }),
  error('network', { code: 'EAI_AGAIN', message: 'Cannot connect to xmpp.trust.nhs.uk:5222: getaddrinfo EAI_AGAIN xmpp.trust.nhs.uk' }),
  error('network', { code: 'ETIMEDOUT', message: 'Cannot connect to 10.1.2.3:5222: connect ETIMEDOUT 10.1.2.3:5222' }),
  error('network', { code: 'ECONNRESET', message: 'read ECONNRESET' }),
  error('network', { code: 'EWHATEVER', message: 'something new EWHATEVER' }),
  error('network', { message: 'The server closed the connection.' }),
  error('network', { message: 'The connection to 127.0.0.1:5222 closed.' }),
  error('network', { message: 'The server stopped answering.' }),
  error('timeout', { message: 'No answer to the iq within 10000 ms.' }),
  error('timeout', { message: 'The login took too long.' }),
  error('tls', { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', message: 'TLS with trust.nhs.uk failed: unable to verify the first certificate' }),
  error('tls', { code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "TLS with trust.nhs.uk failed: Hostname/IP does not match certificate's altnames" }),
  error('tls', { code: 'ECONNRESET', message: 'TLS with trust.nhs.uk failed: Client network socket disconnected before secure TLS connection was established' }),
  error('tls', { message: 'TLS with trust.nhs.uk failed: the connection closed during the TLS handshake' }),
  error('tls', { condition: 'starttls-not-offered', message: 'The server does not offer STARTTLS; refusing to continue without TLS.' }),
  error('tls', { condition: 'starttls-failure', message: 'The server refused STARTTLS.' }),
  error('tls', { condition: 'admin-ca-unusable', message: 'The admin CA bundle /etc/wardline/ca.pem cannot be read.' }),
  error('auth', { condition: 'not-authorized', message: 'Login refused: wrong username or password.' }),
  error('auth', { message: 'Login refused.' }),
  error('auth', { condition: 'account-disabled', message: 'Login refused: account-disabled (Call IT on 4444).' }),
  error('auth', { condition: 'credentials-expired', message: 'Login refused: credentials-expired.' }),
  error('auth', { condition: 'invalid-password-characters', message: 'The account name or password contains characters…' }),
  error('auth', { condition: 'temporary-auth-failure', message: 'Login refused: temporary-auth-failure.' }),
  error('auth', { condition: 'server-not-verified', message: 'The server signature does not match.' }),
  error('auth', { condition: 'mechanism-too-weak', message: 'Login refused: mechanism-too-weak.' }),
  error('auth', { condition: 'encryption-required', message: 'Login refused: encryption-required.' }),
  error('auth', { condition: 'invalid-mechanism', message: 'Login refused: invalid-mechanism.' }),
  error('auth', { condition: 'malformed-request', message: 'Login refused: malformed-request.' }),
  error('stream', { condition: 'conflict', message: 'The server ended the stream: conflict (Replaced by new connection)' }),
  error('stream', { condition: 'system-shutdown', message: 'The server ended the stream: system-shutdown' }),
  error('stream', { condition: 'see-other-host', message: 'The server ended the stream: see-other-host' }),
  error('stream', { condition: 'policy-violation', message: 'The server ended the stream: policy-violation (stanza too large)' }),
  error('stream', { condition: 'connection-timeout', message: 'The server ended the stream: connection-timeout' }),
  error('stream', { condition: 'resource-constraint', message: 'The server ended the stream: resource-constraint' }),
  error('stream', { condition: 'host-unknown', message: 'The server ended the stream: host-unknown' }),
  error('stream', { condition: 'host-gone', message: 'The server ended the stream: host-gone' }),
  error('stream', { condition: 'improper-addressing', message: 'The server ended the stream: improper-addressing' }),
  error('stream', { condition: 'not-authorized', message: 'The server ended the stream: not-authorized' }),
  error('stream', { condition: 'not-well-formed', message: 'The server ended the stream: not-well-formed' }),
  error('stream', { condition: 'unsupported-version', message: 'The server ended the stream: unsupported-version' }),
  error('stream', { condition: 'reset', message: 'The server ended the stream: reset' }),
  error('stream', { condition: 'internal-server-error', message: 'The server ended the stream: internal-server-error' }),
  error('stream', { message: 'The server ended the stream' }),
  error('protocol', { message: 'Malformed XML from the server: Unexpected end' }),
  error('protocol', { message: 'Expected <stream:features/>, got <iq>.' }),
  error('unsupported', { condition: 'no-stream-management', message: 'The server does not offer stream management (XEP-0198).' }),
  error('unsupported', { condition: 'no-acceptable-mechanism', message: 'No acceptable SASL mechanism (the server offers: PLAIN).' }),
  error('closed', { message: 'Signed out.' }),
  error('not-acked', { message: 'The session was replaced before the server acknowledged this stanza.' }),
  error('iq', { condition: 'item-not-found', message: 'The iq failed: item-not-found' }),
];

describe('why messaging is offline, for people (reasonForPeople)', () => {
  it('network: refused, unreachable, name not found, dropped — and says Wardline keeps trying', () => {
    expect(reasonForPeople(error('network', { code: 'ECONNREFUSED' }), true)).toBe(
      `The messaging server is not accepting connections: it may be down or restarting. ${KEEPS_TRYING} call the IT service desk.`,
    );
    for (const code of ['EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN']) {
      expect(reasonForPeople(error('network', { code }), true), code).toBe(
        `This computer cannot reach the messaging server over the network. ${KEEPS_TRYING} check this computer's network cable or Wi-Fi, then call the IT service desk.`,
      );
    }
    for (const code of ['ENOTFOUND', 'EAI_AGAIN']) {
      expect(reasonForPeople(error('network', { code }), true), code).toBe(
        `The messaging server's name cannot be found on the network. ${KEEPS_TRYING} check the server name in your account settings, or call the IT service desk.`,
      );
    }
    const dropped = `The network or the messaging server cut the connection. ${KEEPS_TRYING} check this computer's network cable or Wi-Fi, or call the IT service desk.`;
    // Closed or dropped without a code, reset, and any code this policy has not met.
    for (const code of [undefined, 'ECONNRESET', 'EPIPE', 'EWHATEVER']) expect(reasonForPeople(error('network', code ? { code } : {}), true), String(code)).toBe(dropped);
  });

  it('timeouts, whether ours or the socket’s', () => {
    const slow = `The messaging server took too long to answer. ${KEEPS_TRYING} call the IT service desk.`;
    expect(reasonForPeople(error('timeout'), true)).toBe(slow);
    expect(reasonForPeople(error('network', { code: 'ETIMEDOUT' }), true)).toBe(slow);
  });

  it('a passing problem that has stopped (not retried) asks for a sign-in, then escalation', () => {
    expect(reasonForPeople(error('network', { code: 'ECONNREFUSED' }), false)).toBe(
      `The messaging server is not accepting connections: it may be down or restarting. ${STOPPED} sign in again, and if this keeps happening, call the IT service desk.`,
    );
  });

  it('TLS: an untrusted certificate, no STARTTLS, or a failed handshake is never to be worked round: call IT', () => {
    for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']) {
      expect(reasonForPeople(error('tls', { code }), true), code).toBe(
        `The messaging server's security certificate is not trusted, so Wardline did not connect. ${SECURITY_RETRYING}`,
      );
    }
    for (const condition of ['starttls-not-offered', 'starttls-failure']) {
      expect(reasonForPeople(error('tls', { condition }), false), condition).toBe(
        `The messaging server did not offer a secure connection, so Wardline did not connect. ${SECURITY_STOPPED}`,
      );
    }
    // This computer's own trusted-certificate list is broken: its set-up, for IT, not an attack.
    expect(reasonForPeople(error('tls', { condition: 'admin-ca-unusable' }), true)).toBe(
      "This computer's copy of the hospital's trusted certificates is missing or damaged, so Wardline cannot check the messaging server. Waiting will not fix this: call the IT service desk, as Wardline's set-up on this computer must be repaired.",
    );
    expect(reasonForPeople(error('tls', { code: 'ECONNRESET' }), true)).toBe(`A secure connection to the messaging server could not be set up. ${SECURITY_RETRYING}`);
    expect(reasonForPeople(error('tls'), false)).toBe(`A secure connection to the messaging server could not be set up. ${SECURITY_STOPPED}`);
    for (const retrying of [true, false]) {
      const text = reasonForPeople(error('tls', { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }), retrying);
      expect(text).not.toMatch(/continue|anyway|accept|ignore/i);
    }
  });

  it('sign-in refused: the address or password, a disabled or expired account, and the rest', () => {
    const wrong = `The server refused this messaging address or password. ${STOPPED} check them and sign in again, or call the IT service desk.`;
    expect(reasonForPeople(error('auth', { condition: 'not-authorized' }), false)).toBe(wrong);
    expect(reasonForPeople(error('auth'), false)).toBe(wrong);
    expect(reasonForPeople(error('auth', { condition: 'account-disabled' }), false)).toBe(
      `The hospital has disabled this messaging account. ${STOPPED} call the IT service desk.`,
    );
    expect(reasonForPeople(error('auth', { condition: 'credentials-expired' }), false)).toBe(
      `The password of this messaging account has expired. ${STOPPED} ask the IT service desk to reset it, then sign in again.`,
    );
    expect(reasonForPeople(error('auth', { condition: 'invalid-password-characters' }), false)).toBe(
      `The messaging address or password contains characters that sign-in does not allow. ${STOPPED} check them and sign in again, or ask the IT service desk for a new password.`,
    );
    // The one auth failure that is retried.
    expect(reasonForPeople(error('auth', { condition: 'temporary-auth-failure' }), true)).toBe(
      `The messaging server could not check the sign-in just now. ${KEEPS_TRYING} call the IT service desk.`,
    );
    // Our refusal of a server that could not prove it knows the password: treated like a bad certificate.
    expect(reasonForPeople(error('auth', { condition: 'server-not-verified' }), false)).toBe(
      `The messaging server could not prove it is the hospital's server, so Wardline did not sign in. ${SECURITY_STOPPED}`,
    );
    for (const condition of ['mechanism-too-weak', 'encryption-required', 'invalid-mechanism']) {
      expect(reasonForPeople(error('auth', { condition }), false), condition).toBe(`The messaging server does not accept the way Wardline signs in. ${STOPPED} ${IT_CONFIG}`);
    }
    for (const condition of ['malformed-request', 'aborted', 'something-new']) {
      expect(reasonForPeople(error('auth', { condition }), false), condition).toBe(
        `The messaging server refused the sign-in. ${STOPPED} sign in again, and if it is refused again, call the IT service desk.`,
      );
    }
  });

  it('a person action still reads well in the (unexpected) case of a retry', () => {
    expect(reasonForPeople(error('auth', { condition: 'not-authorized' }), true)).toBe(
      'The server refused this messaging address or password. To fix this, check them and sign in again, or call the IT service desk.',
    );
  });

  it('stream errors: signed in elsewhere, restarts, redirects, refusals and the rest', () => {
    expect(reasonForPeople(error('stream', { condition: 'conflict' }), false)).toBe(
      `This messaging account was signed in from another place, which took over from this computer. ${STOPPED} sign in again to use it here, and if that was not you, call the IT service desk.`,
    );
    expect(reasonForPeople(error('stream', { condition: 'system-shutdown' }), true)).toBe(
      `The messaging server is shutting down or restarting. ${KEEPS_TRYING} call the IT service desk.`,
    );
    expect(reasonForPeople(error('stream', { condition: 'see-other-host' }), true)).toBe(
      'The messaging server asked Wardline to use a different server. Waiting will not fix this: call the IT service desk, as the server settings of this account need changing.',
    );
    expect(reasonForPeople(error('stream', { condition: 'see-other-host' }), false)).toBe(
      `The messaging server asked Wardline to use a different server. ${STOPPED} call the IT service desk, as the server settings of this account need changing.`,
    );
    expect(reasonForPeople(error('stream', { condition: 'policy-violation' }), true)).toBe(
      `The messaging server refused something this computer sent and ended the connection. ${KEEPS_TRYING} call the IT service desk.`,
    );
    expect(reasonForPeople(error('stream', { condition: 'connection-timeout' }), true)).toBe(
      `The messaging server ended a connection it took to be idle. ${KEEPS_TRYING} call the IT service desk.`,
    );
    expect(reasonForPeople(error('stream', { condition: 'resource-constraint' }), true)).toBe(
      `The messaging server is too busy to serve this computer just now. ${KEEPS_TRYING} call the IT service desk.`,
    );
    for (const condition of ['host-unknown', 'host-gone', 'improper-addressing']) {
      expect(reasonForPeople(error('stream', { condition }), true), condition).toBe(
        'The messaging server does not serve the domain in this messaging address. To fix this, check the address in your account settings, or call the IT service desk.',
      );
    }
    expect(reasonForPeople(error('stream', { condition: 'not-authorized' }), true)).toBe(
      'The messaging server ended the session and refused this account. To fix this, sign in again, and if it is refused again, call the IT service desk.',
    );
    for (const condition of ['not-well-formed', 'unsupported-version', 'invalid-namespace']) {
      expect(reasonForPeople(error('stream', { condition }), true), condition).toBe(
        `Wardline and the messaging server did not understand each other. ${KEEPS_TRYING} call the IT service desk.`,
      );
    }
    for (const condition of [undefined, 'reset', 'internal-server-error', 'undefined-condition', 'something-new']) {
      expect(reasonForPeople(error('stream', condition ? { condition } : {}), true), String(condition)).toBe(
        `The messaging server ended the connection. ${KEEPS_TRYING} call the IT service desk.`,
      );
    }
  });

  it('protocol errors, a server lacking what Wardline needs, and a sign-out', () => {
    expect(reasonForPeople(error('protocol'), true)).toBe(`Wardline and the messaging server did not understand each other. ${KEEPS_TRYING} call the IT service desk.`);
    for (const condition of ['no-stream-management', 'no-acceptable-mechanism', undefined]) {
      expect(reasonForPeople(error('unsupported', condition ? { condition } : {}), false), String(condition)).toBe(
        `The messaging server lacks something Wardline needs to connect safely. ${STOPPED} ${IT_CONFIG}`,
      );
    }
    expect(reasonForPeople(error('closed'), false)).toBe(`Messaging was signed out on this computer. ${STOPPED} sign in again to continue.`);
  });

  it('anything else falls back to a generic sentence', () => {
    const generic = `An unexpected problem interrupted the connection. ${KEEPS_TRYING} call the IT service desk.`;
    expect(reasonForPeople(error('not-acked'), true)).toBe(generic);
    expect(reasonForPeople(error('iq', { condition: 'item-not-found' }), true)).toBe(generic);
    // A kind this policy has not met (a newer connection layer, or bad data across a boundary).
    expect(reasonForPeople({ kind: 'something-new' as XmppErrorKind, message: 'x' }, true)).toBe(generic);
  });

  it('never shows the technical message, a Node error code, a host, an address or the server’s own text', () => {
    for (const data of EVERY_ERROR) {
      for (const retrying of [true, false]) {
        const text = reasonForPeople(data, retrying);
        const label = `${data.kind} ${data.code ?? ''} ${data.condition ?? ''} ${String(retrying)}`;
        expect(text, label).not.toContain(data.message);
        expect(text, label).not.toMatch(/\bE[A-Z_]{3,}\b|ECONNREFUSED|connect E|Cannot connect|getaddrinfo/);
        if (data.code) expect(text, label).not.toContain(data.code);
        // Conditions are XMPP's words, not people's.
        if (data.condition) expect(text, label).not.toContain(data.condition);
        expect(text, label).not.toMatch(/\d+\.\d+\.\d+\.\d+|:5222|trust\.nhs\.uk|xmpp|XEP|SASL|TLS|STARTTLS|stream|iq\b|stanza|Call IT on/i);
        // One or two sentences: what happened, then what to do.
        expect(text.split(/(?<=\.) /).length, label).toBeLessThanOrEqual(2);
        expect(text, label).toMatch(/\.$/);
      }
    }
  });
});

/**
 * XMPP connection layer: one account's TLS-only, SCRAM-authenticated, stream-managed link to the
 * hospital's server. Plain Node (no Electron). Stanza meaning (messages, receipts, MAM…) lives above.
 *
 *   connectXmpp(options: XmppConnectionOptions): XmppConnection    starts connecting at once
 *
 *   XmppConnection
 *     state(): XmppConnectionState
 *       | { kind: 'connecting', attempt }
 *       | { kind: 'online', since, jid, mechanism }
 *       | { kind: 'offline', since, reason: XmppErrorData, retryAt: number | null }   null: stopped for good
 *     on('state', (state) => …)                       every change
 *     on('stanza', (element) => …)                    inbound message / presence / iq (not answers to our iq())
 *     on('resumed', ({ resent }) => …)                SM session survived a drop; nothing lost either way
 *     on('session-restarted', ({ unacked }) => …)     fresh session: resend `unacked` (origin-id de-dups), catch up via MAM
 *       on() returns an unsubscribe function.
 *     send(stanza): Promise<void>                     resolves when the server acks it (XEP-0198); queued while offline;
 *                                                     rejects: 'not-acked' (session replaced), 'closed', or the fatal error
 *     iq(request, timeoutMs = 15000): Promise<Element> get/set → result; rejects 'iq' (with condition) or 'timeout'
 *     close(): Promise<void>                          polite </stream:stream>, no more reconnects
 *
 * Errors are XmppError { kind, condition?, code? }; kinds in xmppError.ts. An 'auth' failure (wrong
 * password), 'unsupported' (no SCRAM, no XEP-0198) or a resource 'conflict' stops the connection:
 * make a new one after fixing the cause. Everything else is retried: at once after a working link
 * drops, then with full-jitter exponential backoff (1 s base, 60 s cap by default).
 *
 * Security: TLS is mandatory (STARTTLS required, or direct TLS), TLS 1.2+, the certificate checked
 * against the OS store plus the admin CA bundle for the JID's domain. SASL prefers SCRAM-SHA-256,
 * then SCRAM-SHA-1, verifies the server's signature, and uses PLAIN only if allowPlain is set.
 */
export { connectXmpp } from './xmppConnection.js';
export type { Timers, XmppConnection, XmppConnectionEvents, XmppConnectionOptions, XmppConnectionState } from './xmppConnection.js';
export { XmppError, type XmppErrorData, type XmppErrorKind } from './xmppError.js';
export { type AdminCaBundle, ADMIN_CA_UNUSABLE, parsePemBundle } from './tlsTrust.js';
export { type BackoffPolicy, DEFAULT_BACKOFF } from './backoff.js';
export type { SaslMechanismName, TlsMode } from './login.js';
export { xml, type XmlElement, type XmlNode } from './xml.js';

// One error type for the connection layer, told apart by `kind` (like StoreError). The state's
// offline reason carries the same data as plain JSON, so it can cross IPC to the UI unchanged.

export type XmppErrorKind =
  /** Credentials refused (SASL failure): never retried automatically. */
  | 'auth'
  /** STARTTLS missing or refused, handshake failed, or the certificate is not trusted. */
  | 'tls'
  /** TCP connect failed, the socket dropped, or the server went silent. */
  | 'network'
  /** The server ended the stream with <stream:error/> (condition says why). */
  | 'stream'
  /** The server broke the protocol: malformed XML, an unexpected element, bad SM counts. */
  | 'protocol'
  /** The server lacks something we require (an acceptable SASL mechanism, XEP-0198). */
  | 'unsupported'
  | 'timeout'
  /** close() was called. */
  | 'closed'
  /** The stream was replaced by a fresh session before the server acknowledged this stanza. */
  | 'not-acked'
  /** An <iq type='error'/> answer (condition from its <error/>). */
  | 'iq';

export interface XmppErrorData {
  kind: XmppErrorKind;
  message: string;
  /**
   * XMPP defined condition (SASL, stream or stanza error), e.g. 'not-authorized', or one of ours
   * where XMPP has none ('starttls-not-offered', 'server-not-verified', 'no-stream-management',
   * 'no-acceptable-mechanism'…): it is what the log carries for IT, and what people's words follow.
   */
  condition?: string;
  /** Node error code, e.g. 'ECONNREFUSED' or 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'. */
  code?: string;
}

export class XmppError extends Error {
  readonly kind: XmppErrorKind;
  readonly condition: string | undefined;
  readonly code: string | undefined;

  constructor(kind: XmppErrorKind, message: string, details: { condition?: string; code?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'XmppError';
    this.kind = kind;
    this.condition = details.condition;
    this.code = details.code;
  }

  toData(): XmppErrorData {
    return {
      kind: this.kind,
      message: this.message,
      ...(this.condition === undefined ? {} : { condition: this.condition }),
      ...(this.code === undefined ? {} : { code: this.code }),
    };
  }
}

/** Wraps anything thrown below us (socket errors, parser errors) as an XmppError of `kind`. */
export function asXmppError(error: unknown, kind: XmppErrorKind): XmppError {
  if (error instanceof XmppError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return new XmppError(kind, message, { ...(typeof code === 'string' ? { code } : {}), cause: error });
}

// SASLprep (RFC 4013), enough for passwords: Node has no stringprep, and SCRAM hashes the prepared
// form, so "café" typed as NFD must hash like the server's NFKC copy. Prosody applies the same
// profile when it stores a password.
import { XmppError } from './xmppError.js';

// RFC 3454 C.1.2 non-ASCII spaces map to U+0020; B.1 "commonly mapped to nothing" are removed.
const NON_ASCII_SPACE = /[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000]/g;
const MAPPED_TO_NOTHING = /[\u00ad\u034f\u1806\u180b-\u180d\u200c\u200d\u2060\ufe00-\ufe0f\ufeff]/g;
// Prohibited output (C.2 control characters, C.3 private use, C.8 bidi/format controls, surrogates
// and non-characters). A password containing these is refused rather than silently altered.
const PROHIBITED = /[\u0000-\u001f\u007f-\u009f\u06dd\u070f\u180e\u200e\u200f\u202a-\u202e\u2061-\u2064\u206a-\u206f\ue000-\uf8ff\ufff9-\ufffd\ud800-\udfff]/u;

export function saslPrep(value: string): string {
  const prepared = value.replace(NON_ASCII_SPACE, ' ').replace(MAPPED_TO_NOTHING, '').normalize('NFKC');
  // \ud800-\udfff with the u flag only matches lone surrogates, which is what we want to refuse.
  // An account problem, not a network one: retrying cannot help, so it is never retried.
  if (PROHIBITED.test(prepared)) {
    throw new XmppError('auth', 'The account name or password contains characters XMPP sign-in does not allow (control characters). Check it, or ask IT to set a new password.', {
      condition: 'invalid-password-characters',
    });
  }
  return prepared;
}

import { describe, expect, it } from 'vitest';
import { isRevocation } from '../../electron/core/chat/chatService.js';

describe('isRevocation', () => {
  it('is the server refusing the account itself, nothing else', () => {
    for (const condition of ['not-authorized', 'account-disabled', 'credentials-expired']) expect(isRevocation(condition), condition).toBe(true);
    // Our own refusal of the server, a mechanism or configuration problem, a temporary failure:
    // none of these may sign a person out, let alone wipe their profile.
    for (const condition of ['server-not-verified', 'invalid-mechanism', 'mechanism-too-weak', 'malformed-request', 'aborted', 'temporary-auth-failure', 'encryption-required']) {
      expect(isRevocation(condition), condition).toBe(false);
    }
    expect(isRevocation(undefined)).toBe(false);
  });
});

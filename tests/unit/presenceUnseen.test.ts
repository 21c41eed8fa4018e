// When the header says "colleagues see you offline until reconnected" beside the status select.
import { describe, expect, it } from 'vitest';
import { presenceUnseen } from '../../renderer/src/lib/presenceUnseen.js';

describe('presenceUnseen', () => {
  it('says so while offline, and while reconnecting after a failure or after having been online', () => {
    expect(presenceUnseen({ kind: 'offline', since: 1, reason: 'x', retryAt: 2 }, false)).toBe(true);
    expect(presenceUnseen({ kind: 'connecting', attempt: 2 }, false)).toBe(true);
    // A dropped session starts again at attempt 1.
    expect(presenceUnseen({ kind: 'connecting', attempt: 1 }, true)).toBe(true);
  });

  it('not on the first connect of a sign-in, nor while online or before messaging is set up', () => {
    expect(presenceUnseen({ kind: 'connecting', attempt: 1 }, false)).toBe(false);
    expect(presenceUnseen({ kind: 'online', since: 1, history: 'complete' }, true)).toBe(false);
    expect(presenceUnseen({ kind: 'not-configured' }, false)).toBe(false);
  });
});

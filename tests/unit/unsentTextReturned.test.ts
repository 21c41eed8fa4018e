/**
 * A send that failed after the person came back to its conversation: its text goes back into the
 * open box, ahead of what they typed since, and never twice (while it was on its way its draft was
 * still kept, so the re-opened box loaded it and the person may have typed on after it).
 */
import { describe, expect, it } from 'vitest';
import { withReturnedText } from '../../renderer/src/lib/unsentReport.js';

const SENT = 'Can you review bed 12 before 5pm?';

describe('unsent text returned to a re-opened box', () => {
  it('fills an empty box', () => {
    expect(withReturnedText('', SENT)).toBe(SENT);
  });

  it('goes ahead of something else typed since', () => {
    expect(withReturnedText('Also bed 14.', SENT)).toBe(`${SENT}\nAlso bed 14.`);
  });

  it('is not added again to a box that loaded it and was typed on after it', () => {
    expect(withReturnedText(SENT, SENT)).toBe(SENT);
    expect(withReturnedText(`${SENT}\nAlso bed 14.`, SENT)).toBe(`${SENT}\nAlso bed 14.`);
  });
});

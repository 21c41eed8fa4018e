import { describe, expect, it } from 'vitest';
import { newMessagesStart } from '../../renderer/src/lib/newMessages.js';

const page = (...unread: boolean[]) => unread.map((u, i) => ({ id: i + 10, unread: u }));

describe('newMessagesStart', () => {
  it('is the first unread message after ones already seen', () => {
    expect(newMessagesStart(page(false, false, true, true), true)).toBe(12);
    // Our own reply in between does not move it: it starts at the first unseen one.
    expect(newMessagesStart(page(false, true, false, true), false)).toBe(11);
  });

  it('is the first message when the whole history is new', () => {
    expect(newMessagesStart(page(true, true), false)).toBe(10);
  });

  it('is nowhere when nothing is new, or when the new ones start before this page', () => {
    expect(newMessagesStart(page(false, false), false)).toBeNull();
    expect(newMessagesStart(page(true, true), true)).toBeNull();
    expect(newMessagesStart([], false)).toBeNull();
  });
});

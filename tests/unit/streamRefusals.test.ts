import { describe, expect, it } from 'vitest';
import { REFUSAL_WINDOW_MS, StreamRefusals } from '../../electron/core/chat/streamRefusals.js';

const NOW = 1_800_000_000_000;
const recent = (messageId: number, conversationId = 10) => ({ messageId, conversationId, sentAt: NOW - 100 });

function harness() {
  const failed: number[] = [];
  const notified: number[] = [];
  const refusals = new StreamRefusals(
    {
      store: { markFailed: async (messageId) => (failed.includes(messageId) ? false : (failed.push(messageId), true)) },
      changed: () => undefined,
      failedForGood: (conversationId) => notified.push(conversationId),
      log: () => undefined,
    },
    () => NOW,
  );
  return { refusals, failed, notified };
}

describe('messages a server ends the stream over', () => {
  it('fails only a message unacknowledged at two refusals in a row', async () => {
    const { refusals, failed, notified } = harness();
    await refusals.sessionRefused([recent(1), recent(2)]);
    expect(failed).toEqual([]);
    // Message 1 went through meanwhile; 2 was with the connection again when the stream ended.
    await refusals.sessionRefused([recent(2), recent(3, 11)]);
    expect(failed).toEqual([2]);
    expect(notified).toEqual([10]);
  });

  it('starts again from zero for a message not unacknowledged at the refusal in between', async () => {
    const { refusals, failed } = harness();
    await refusals.sessionRefused([recent(1)]);
    await refusals.sessionRefused([recent(2)]);
    await refusals.sessionRefused([recent(1)]);
    expect(failed).toEqual([]);
  });

  it('does not suspect a message that was with the connection long before the stream ended (review finding)', async () => {
    const { refusals, failed } = harness();
    const old = { messageId: 4, conversationId: 10, sentAt: NOW - REFUSAL_WINDOW_MS - 1 };
    // Two refusals at once (fired without waiting): handled one after the other.
    await Promise.all([refusals.sessionRefused([old]), refusals.sessionRefused([old])]);
    expect(failed).toEqual([]);
  });
});

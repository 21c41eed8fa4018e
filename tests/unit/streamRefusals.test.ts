import { describe, expect, it } from 'vitest';
import { StreamRefusals } from '../../electron/core/chat/streamRefusals.js';

function harness() {
  const failed: number[] = [];
  const notified: number[] = [];
  const refusals = new StreamRefusals({
    store: { markFailed: async (messageId) => (failed.includes(messageId) ? false : (failed.push(messageId), true)) },
    changed: () => undefined,
    failedForGood: (conversationId) => notified.push(conversationId),
    log: () => undefined,
  });
  return { refusals, failed, notified };
}

describe('messages a server ends the stream over', () => {
  it('fails only a message unacknowledged at two refusals in a row', async () => {
    const { refusals, failed, notified } = harness();
    await refusals.sessionRefused([{ messageId: 1, conversationId: 10 }, { messageId: 2, conversationId: 10 }]);
    expect(failed).toEqual([]);
    // Message 1 went through meanwhile; 2 was with the connection again when the stream ended.
    await refusals.sessionRefused([{ messageId: 2, conversationId: 10 }, { messageId: 3, conversationId: 11 }]);
    expect(failed).toEqual([2]);
    expect(notified).toEqual([10]);
  });

  it('starts again from zero for a message not unacknowledged at the refusal in between', async () => {
    const { refusals, failed } = harness();
    await refusals.sessionRefused([{ messageId: 1, conversationId: 10 }]);
    await refusals.sessionRefused([{ messageId: 2, conversationId: 10 }]);
    await refusals.sessionRefused([{ messageId: 1, conversationId: 10 }]);
    expect(failed).toEqual([]);
  });
});

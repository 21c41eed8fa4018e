// A temporary ('wait') bounce is resent automatically later; by then the person may have left the
// room, or it may have shut them out: the resend must not go back into the outbox to wait for ever.
import { describe, expect, it } from 'vitest';
import { DeliveryFailures } from '../../electron/core/chat/deliveryFailures.js';
import { parseBounce } from '../../electron/core/messaging/index.js';
import type { OutboxEntry, WardlineStore } from '../../electron/core/store/index.js';
import { xml } from '../../electron/core/xmpp/xml.js';

const ROOM = 'ward7@conference.trust.test';

function harness(shut: boolean) {
  const failedAs: string[] = [];
  const resent: number[] = [];
  const requeued: number[] = [];
  const cleared: unknown[] = [];
  let fire: () => void = () => undefined;
  const entry = { messageId: 5, conversationId: 2, conversationJid: ROOM, conversationKind: 'room' } as OutboxEntry;
  const store = {
    findOutgoing: async () => ({ messageId: 5 }),
    markFailed: async (_id: number, reason: string) => (failedAs.push(reason), true),
    requeueFailed: async (id: number) => (requeued.push(id), entry),
  } as unknown as WardlineStore;
  const failures = new DeliveryFailures({
    store,
    ownDomain: 'trust.test',
    sentRecently: () => ({ conversationId: 2, conversationJid: ROOM, conversationKind: 'room' }),
    resend: (e) => resent.push(e.messageId),
    changed: () => undefined,
    failedForGood: () => undefined,
    log: () => undefined,
    roomShut: () => shut,
    timers: { setTimeout: (callback) => ((fire = callback), 1), clearTimeout: (handle) => void cleared.push(handle) },
  });
  const bounce = parseBounce(
    xml(
      'message',
      { xmlns: 'jabber:client', type: 'error', id: 'o-5', from: ROOM, to: 'alice@trust.test/ward' },
      xml('error', { type: 'wait' }, xml('resource-constraint', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' })),
    ),
  );
  return { failures, bounce, failedAs, resent, requeued, cleared, fire: () => fire() };
}

describe('automatic resend after a temporary refusal', () => {
  it('goes back into the outbox while the room takes messages', async () => {
    const h = harness(false);
    await h.failures.bounced(h.bounce!);
    h.fire();
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.resent).toEqual([5]);
  });

  it('is failed again, for the person to see, once they have left the room or it shut them out (review finding)', async () => {
    const h = harness(true);
    await h.failures.bounced(h.bounce!);
    h.fire();
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.resent).toEqual([]);
    expect(h.failedAs.at(-1)).toBe('not-allowed-in-room');
  });

  it('waiting when Wardline locks: put back in the outbox before the store closes, for the next session to send (review finding)', async () => {
    const h = harness(false);
    await h.failures.bounced(h.bounce!);
    await h.failures.stop();
    expect(h.cleared).toEqual([1]);
    expect(h.requeued).toEqual([5]);
    // The cancelled timer sends nothing in this session.
    h.fire();
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.resent).toEqual([]);
  });

  it('a temporary refusal handled while stopping is put back in the outbox too, not left failed unannounced', async () => {
    const h = harness(false);
    const stopping = h.failures.stop();
    await h.failures.bounced(h.bounce!);
    await stopping;
    expect(h.requeued).toEqual([5]);
  });
});

// A flush asked for while the outbox is not ready (offline) does not stop every later flush. The
// flush body, not ready, never awaits: its finally (which clears #flushing) ran before the
// assignment, so #flushing kept a settled promise for good and every later flush() returned it.
import { describe, expect, it } from 'vitest';
import { Outbox } from '../../electron/core/chat/outbox.js';
import type { OutboxEntry, WardlineStore } from '../../electron/core/store/index.js';
import type { XmlElement } from '../../electron/core/xmpp/index.js';

const typedOffline: OutboxEntry = {
  messageId: 11,
  conversationId: 1,
  conversationJid: 'bob@trust.test',
  conversationKind: 'direct',
  originId: 'wl-typed-offline',
  body: 'Bed 12 needs a porter',
  urgency: 'normal',
  attempts: 0,
  createdAt: 0,
};

describe('Outbox flush while not ready', () => {
  it('a flush called offline (e.g. after a room catch-up cut short by a drop) does not stop the next session’s flush', async () => {
    const sent: XmlElement[] = [];
    const pending: OutboxEntry[] = [typedOffline];
    const store = {
      pendingOutbox: async () => [...pending],
      markSent: async () => true,
      recordSendAttempt: async () => undefined,
    } as unknown as WardlineStore;
    const outbox = new Outbox({
      store,
      send: (stanza) => {
        sent.push(stanza);
        return new Promise<void>(() => undefined);
      },
      self: { name: 'Alice', role: 'Bed manager' },
      canSend: () => true,
      changed: () => undefined,
      log: () => undefined,
    });
    // Offline: ChatService's #roomEntered flushes after its catch-up whatever the connection state.
    outbox.setReady(false);
    expect(await outbox.flush()).toBe(0);
    // The next session's set-up: ready, then flush (chatService #setUpSession).
    outbox.setReady(true);
    const flushed = await outbox.flush();
    expect(flushed).toBe(1);
    expect(sent).toHaveLength(1);
  });
});

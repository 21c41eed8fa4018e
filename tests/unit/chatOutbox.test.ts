// The outbox's hand-off to the connection, with the store and connection faked (one module): a
// retry made while the bounced attempt is still awaiting its server ack is not swallowed by that
// ack (security review M1: the message would show ✓ though the only stanza sent was bounced).
import { describe, expect, it } from 'vitest';
import { Outbox } from '../../electron/core/chat/outbox.js';
import type { OutboxEntry, WardlineStore } from '../../electron/core/store/index.js';
import type { XmlElement } from '../../electron/core/xmpp/index.js';

const entry: OutboxEntry = {
  messageId: 7,
  conversationId: 1,
  conversationJid: 'newcomer@trust.test',
  conversationKind: 'direct',
  originId: 'wl-abc',
  body: 'Side room 3 is free',
  urgency: 'normal',
  attempts: 0,
  createdAt: 0,
};

function harness(storeOverride?: WardlineStore) {
  const acks: (() => void)[] = [];
  const sent: XmlElement[] = [];
  const marked: number[] = [];
  const store = storeOverride ?? ({ markSent: async (id: number) => (marked.push(id), true), recordSendAttempt: async () => undefined } as unknown as WardlineStore);
  const outbox = new Outbox({
    store,
    send: (stanza) => {
      sent.push(stanza);
      return new Promise<void>((resolve) => acks.push(resolve));
    },
    self: { name: 'Alice', role: 'Bed manager' },
    canSend: () => true,
    changed: () => undefined,
    log: () => undefined,
  });
  outbox.setReady(true);
  return { outbox, acks, sent, marked };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('Outbox', () => {
  it('a retry while the bounced attempt awaits its ack goes out after that ack, and only its own ack marks it sent', async () => {
    const { outbox, acks, sent, marked } = harness();
    outbox.queued(entry);
    expect(sent).toHaveLength(1);
    outbox.retried(entry); // bounced, then retried before the server's ack for the first stanza
    expect(sent).toHaveLength(1);
    acks[0]!();
    await settle();
    expect(marked).toEqual([]); // the first attempt's ack says nothing about the retry
    expect(sent).toHaveLength(2);
    expect(sent[1]?.getChild('origin-id', 'urn:xmpp:sid:0')?.attrs['id']).toBe('wl-abc');
    acks[1]!();
    await settle();
    expect(marked).toEqual([7]);
  });

  it('a retry with nothing in flight goes out at once', async () => {
    const { outbox, sent } = harness();
    outbox.retried(entry);
    expect(sent).toHaveLength(1);
  });
});

describe('Outbox and a flush racing the server’s ack (XMPP review finding)', () => {
  it('does not send a message twice when a flush reads the outbox while its "sent" write is still queued', async () => {
    // The store is one serial worker: calls run in the order made, each a little later.
    let queue: Promise<unknown> = Promise.resolve();
    const serial = <T>(work: () => T): Promise<T> => {
      const next = queue.then(() => new Promise<T>((resolve) => setTimeout(() => resolve(work()), 2)));
      queue = next;
      return next;
    };
    const pending = new Map<number, OutboxEntry>([[entry.messageId, entry]]);
    const store = {
      pendingOutbox: () => serial(() => [...pending.values()]),
      markSent: (id: number) => serial(() => pending.delete(id)),
      recordSendAttempt: () => serial(() => undefined),
    } as unknown as WardlineStore;
    const { outbox, acks, sent } = harness(store);
    outbox.queued(entry); // on the wire, awaiting the server's ack
    acks.shift()!(); // the server acks; 'sent' goes to the store's queue...
    const flushing = outbox.flush(); // ...behind which a flush (a room joined, a resume) reads the outbox
    await flushing;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent.map((stanza) => stanza.attrs['id'])).toEqual(['wl-abc']);
  });

  it('one at a time (after the server ended a stream over a stanza): each waits for the ack before it, until the outbox empties', async () => {
    const second: OutboxEntry = { ...entry, messageId: 8, originId: 'wl-def', body: 'Bed 4 is free' };
    let pending = [entry, second];
    const store = {
      pendingOutbox: async () => pending,
      markSent: async (id: number) => ((pending = pending.filter((e) => e.messageId !== id)), true),
      recordSendAttempt: async () => undefined,
    } as unknown as WardlineStore;
    const { outbox, acks, sent } = harness(store);
    outbox.oneAtATime();
    await outbox.flush();
    expect(sent.map((s) => s.getChild('origin-id', 'urn:xmpp:sid:0')?.attrs['id'])).toEqual(['wl-abc']);
    outbox.queued(second); // typed meanwhile: still waits its turn
    expect(sent).toHaveLength(1);
    acks[0]!();
    await settle();
    await settle();
    expect(sent.map((s) => s.getChild('origin-id', 'urn:xmpp:sid:0')?.attrs['id'])).toEqual(['wl-abc', 'wl-def']);
    acks[1]!();
    await settle();
    await settle();
    // Emptied: back to sending at once.
    const third: OutboxEntry = { ...entry, messageId: 9, originId: 'wl-ghi' };
    pending = [third];
    outbox.queued(third);
    outbox.queued({ ...third, messageId: 10, originId: 'wl-jkl' });
    expect(sent).toHaveLength(4);
  });
});

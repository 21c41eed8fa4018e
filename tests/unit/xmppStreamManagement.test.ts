// XEP-0198 bookkeeping: which of our stanzas the server has handled, and what a lost session hands back.
import { describe, expect, it } from 'vitest';
import { parseH, StreamManagementLedger, type OutboundEntry } from '../../electron/core/xmpp/streamManagementLedger.js';
import { xml } from '../../electron/core/xmpp/xml.js';
import type { XmppError } from '../../electron/core/xmpp/xmppError.js';

function entry(id: string, outcome: Map<string, string>): OutboundEntry {
  const stanza = xml('message', { id });
  return {
    stanza,
    wire: stanza.toString(),
    resolve: () => outcome.set(id, 'acked'),
    reject: (error: XmppError) => outcome.set(id, error.kind),
    sentGeneration: 1,
  };
}

describe('stream management ledger', () => {
  it('settles exactly the stanzas each <a h/> covers, oldest first', () => {
    const outcome = new Map<string, string>();
    const ledger = new StreamManagementLedger();
    ledger.start({ id: 'sm1', resumable: true });
    for (const id of ['m1', 'm2', 'm3']) ledger.sent(entry(id, outcome));
    ledger.ack(2);
    expect([...outcome]).toEqual([['m1', 'acked'], ['m2', 'acked']]);
    expect(ledger.unacked.map((e) => e.stanza.attrs['id'])).toEqual(['m3']);
    ledger.ack(2);
    expect(outcome.size).toBe(2);
    ledger.ack(3);
    expect(outcome.get('m3')).toBe('acked');
  });

  it('refuses an h that acknowledges more than was sent', () => {
    const ledger = new StreamManagementLedger();
    ledger.start({ id: 'sm1', resumable: true });
    ledger.sent(entry('m1', new Map()));
    expect(() => ledger.ack(2)).toThrow(/acknowledged 2/);
  });

  it('reads h only as a 32-bit unsigned counter', () => {
    expect(parseH('0')).toBe(0);
    expect(parseH('4294967295')).toBe(4294967295);
    expect(parseH('4294967296')).toBeUndefined();
    expect(parseH('-1')).toBeUndefined();
    expect(parseH('1e3')).toBeUndefined();
    expect(parseH(undefined)).toBeUndefined();
  });

  it('a fresh session hands back what the old one left unacknowledged and resets the counters', () => {
    const outcome = new Map<string, string>();
    const ledger = new StreamManagementLedger();
    ledger.start({ id: 'sm1', resumable: true });
    ledger.countInbound();
    ledger.countInbound();
    for (const id of ['m1', 'm2', 'm3']) ledger.sent(entry(id, outcome));
    ledger.ack(1);
    const orphans = ledger.start({ id: 'sm2', resumable: true });
    expect(orphans.map((e) => e.stanza.attrs['id'])).toEqual(['m2', 'm3']);
    expect(ledger.inbound).toBe(0);
    expect(ledger.unacked).toEqual([]);
    ledger.sent(entry('m4', outcome));
    ledger.ack(1);
    expect(outcome.get('m4')).toBe('acked');
  });
});

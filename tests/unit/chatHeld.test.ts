// Messages held from outside the organisation (issue 4 §6), with the store's settings faked: the
// per-sender cap (one outsider only ever pushes out their own), the global cap, persistence of
// every change, and a damaged stored value that must neither crash start-up nor reach the log.
import { describe, expect, it } from 'vitest';
import { HELD_SETTING, HeldMessages, parseHeld } from '../../electron/core/chat/heldMessages.js';
import type { IncomingMessage } from '../../electron/core/messaging/index.js';

const SECRET = 'Bed 12 potassium 6.8, repeat now';

function message(from: string, n: number, overrides: Partial<IncomingMessage> = {}): IncomingMessage {
  return {
    kind: 'message',
    source: 'live',
    direction: 'in',
    type: 'chat',
    from: `${from}/phone`,
    conversation: from,
    author: null,
    to: 'alice@trust.test',
    nick: null,
    messageId: `${from}-m${n}`,
    originId: `${from}-o${n}`,
    stanzaId: `${from}-s${n}`,
    body: `${SECRET} #${n}`,
    truncated: false,
    urgency: 'normal',
    receiptRequested: true,
    markable: true,
    patientIdentifier: false,
    sentAt: 1_000 + n,
    untrusted: true,
    archiveQueryId: null,
    ...overrides,
  };
}

function fakeStore(initial: Record<string, string> = {}) {
  const settings = new Map(Object.entries(initial));
  let writes = 0;
  return {
    settings,
    writes: () => writes,
    getSetting: async (key: string) => settings.get(key) ?? null,
    setSetting: async (key: string, value: string) => {
      writes += 1;
      settings.set(key, value);
    },
  };
}

function held(store = fakeStore(), caps: { perSender?: number; total?: number } = {}) {
  const logs: string[] = [];
  const list = new HeldMessages({ store, log: (line) => logs.push(line), ...caps });
  return { list, logs, store };
}

describe('held messages', () => {
  it('keeps at most the per-sender cap for each sender, dropping that sender’s oldest, and never anyone else’s', async () => {
    const { list, logs, store } = held(fakeStore(), { perSender: 50, total: 500 });
    await list.load();
    await list.add(message('visitor@partner.test', 0)).saved;
    await list.add(message('locum@agency.test', 0)).saved;
    for (let n = 1; n <= 500; n++) list.add(message('flood@spam.test', n));
    await list.save();

    const of = (jid: string) => list.of(jid).map((m) => m.messageId);
    expect(of('visitor@partner.test')).toEqual(['visitor@partner.test-m0']);
    expect(of('locum@agency.test')).toEqual(['locum@agency.test-m0']);
    // The flood's newest 50 survive.
    expect(of('flood@spam.test')).toEqual(Array.from({ length: 50 }, (_, i) => `flood@spam.test-m${451 + i}`));
    expect(logs.filter((l) => l.startsWith('chat held-dropped reason=sender-cap domain=spam.test'))).toHaveLength(450);

    // What is in the store is what is held.
    const stored = parseHeld(store.settings.get(HELD_SETTING) ?? null);
    expect(stored.invalid).toBe(0);
    expect(stored.messages.map((m) => m.messageId)).toEqual(list.all().map((m) => m.messageId));
    // Logs carry counts and bare JIDs only.
    expect(logs.join('\n')).not.toContain('potassium');
  });

  it('at the global cap drops from whoever holds the most', async () => {
    const { list, logs } = held(fakeStore(), { perSender: 5, total: 8 });
    await list.load();
    for (let n = 0; n < 5; n++) list.add(message('a@x.test', n));
    for (let n = 0; n < 2; n++) list.add(message('b@y.test', n));
    list.add(message('c@z.test', 0));
    list.add(message('c@z.test', 1));
    expect(list.all()).toHaveLength(8);
    expect(list.of('a@x.test').map((m) => m.messageId)).toEqual(['a@x.test-m1', 'a@x.test-m2', 'a@x.test-m3', 'a@x.test-m4']);
    expect(list.of('b@y.test')).toHaveLength(2);
    expect(list.of('c@z.test')).toHaveLength(2);
    expect(logs).toContain('chat held-dropped reason=total-cap domain=x.test held=8');
  });

  it('holds the same message once, whichever copy (live, archive) brings it', async () => {
    const { list } = held();
    await list.load();
    expect(list.add(message('v@p.test', 1)).added).toBe(true);
    expect(list.add(message('v@p.test', 1, { source: 'archive', messageId: null, originId: null })).added).toBe(false);
    expect(list.add(message('v@p.test', 1, { stanzaId: null, messageId: 'other' })).added).toBe(false);
    expect(list.all()).toHaveLength(1);
  });

  it('survives a restart: a new list over the same store has what the old one held, minus what was accepted or declined', async () => {
    const store = fakeStore();
    const first = held(store).list;
    await first.load();
    await Promise.all([1, 2, 3].map((n) => first.add(message('v@p.test', n, { urgency: n === 2 ? 'urgent' : 'normal' })).saved));
    await first.add(message('w@q.test', 1)).saved;
    expect(await first.remove('w@q.test')).toBe(1);

    const second = held(store);
    await second.list.load();
    expect(second.list.all().map((m) => [m.conversation, m.messageId, m.urgency])).toEqual([
      ['v@p.test', 'v@p.test-m1', 'normal'],
      ['v@p.test', 'v@p.test-m2', 'urgent'],
      ['v@p.test', 'v@p.test-m3', 'normal'],
    ]);
    expect(second.list.all()[0]).toMatchObject({ body: `${SECRET} #1`, untrusted: true, receiptRequested: false, archiveQueryId: null });
    expect(second.logs).toEqual(['chat held-loaded count=3']);
  });

  it('a damaged stored value starts empty (or keeps what is readable), logs no content, and is rewritten', async () => {
    for (const damaged of ['{not json', '"a string"', '{"v":1}', 'null']) {
      const { list, logs, store } = held(fakeStore({ [HELD_SETTING]: damaged }));
      await expect(list.load()).resolves.toBeUndefined();
      expect(list.all()).toEqual([]);
      expect(logs).toEqual(['chat held-load-invalid dropped=1']);
      expect(store.settings.get(HELD_SETTING)).toBe('[]');
    }

    const good = JSON.stringify([{ v: 1, ...pick(message('v@p.test', 1)) }]);
    const mixed = `[${good.slice(1, -1)},{"v":1,"body":"${SECRET}","conversation":"v@p.test"},42,{"v":2}]`;
    const { list, logs } = held(fakeStore({ [HELD_SETTING]: mixed }));
    await list.load();
    expect(list.all().map((m) => m.messageId)).toEqual(['v@p.test-m1']);
    expect(logs).toContain('chat held-load-invalid dropped=3');
    expect(logs.join('\n')).not.toContain('potassium');
  });

  it('drops stored messages older than the retention policy on load', async () => {
    const store = fakeStore();
    const first = held(store).list;
    await first.load();
    await first.add(message('v@p.test', 1, { sentAt: 100 })).saved;
    await first.add(message('v@p.test', 2, { sentAt: 5_000 })).saved;
    const { list, logs } = held(store);
    await list.load(1_000);
    expect(list.all().map((m) => m.messageId)).toEqual(['v@p.test-m2']);
    expect(logs).toContain('chat held-load-expired dropped=1');
  });

  it('a message held before the stored list was read neither replaces it nor is lost', async () => {
    const store = fakeStore();
    const first = held(store).list;
    await first.load();
    await first.add(message('v@p.test', 1)).saved;

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = { ...store, getSetting: async (key: string) => (await gate, store.getSetting(key)) };
    const second = new HeldMessages({ store: slow, log: () => undefined });
    const loading = second.load();
    const saved = second.add(message('w@q.test', 1)).saved;
    const writesBefore = store.writes();
    release();
    await Promise.all([loading, saved]);
    expect(store.writes()).toBeGreaterThan(writesBefore);
    expect(parseHeld(store.settings.get(HELD_SETTING) ?? null).messages.map((m) => m.conversation)).toEqual(['v@p.test', 'w@q.test']);
  });
});

function pick(m: IncomingMessage) {
  const { source, direction, type, from, conversation, to, nick, messageId, originId, stanzaId, body, truncated, urgency, patientIdentifier, sentAt } = m;
  return { source, direction, type, from, conversation, to, nick, messageId, originId, stanzaId, body, truncated, urgency, patientIdentifier, sentAt };
}

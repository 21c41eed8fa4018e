// The notification redaction policy: what an OS notification may say (issue 5 §1).
// Pure, so tested exhaustively, plus a property-style sweep with a seeded generator.
import { describe, expect, it } from 'vitest';
import {
  arrivalKind,
  DEFAULT_NOTIFICATION_POLICY,
  MAX_SENDER_NAME,
  neutraliseSenderName,
  redactNotification,
  type NotificationContent,
  type NotificationInput,
  type NotificationKind,
} from '../../electron/core/notify/notificationPolicy.js';
import { seededRandom } from '../fixtures/seededRandom.js';

const base: NotificationInput = {
  kind: 'message',
  senderName: 'Dr Amara Okafor',
  sessionLocked: false,
  conversationFocused: false,
  policy: { content: 'private' },
};

describe('redactNotification', () => {
  it('defaults to private: 2 minutes, 5 reminders', () => {
    expect(DEFAULT_NOTIFICATION_POLICY).toEqual({ content: 'private', urgentIntervalMs: 120_000, urgentMaxReminders: 5 });
    expect(Object.isFrozen(DEFAULT_NOTIFICATION_POLICY)).toBe(true);
  });

  it('private: "Wardline" / "New message" or "Urgent message", never the sender', () => {
    expect(redactNotification(base)).toEqual({ title: 'Wardline', body: 'New message' });
    expect(redactNotification({ ...base, kind: 'urgent' })).toEqual({ title: 'Wardline', body: 'Urgent message' });
    expect(redactNotification({ ...base, kind: 'urgent', count: 4 })).toEqual({ title: 'Wardline', body: 'Urgent message' });
    expect(redactNotification({ ...base, senderName: null })).toEqual({ title: 'Wardline', body: 'New message' });
  });

  it('sender-only: names the sender, nothing else', () => {
    const policy = { content: 'sender-only' as const };
    expect(redactNotification({ ...base, policy })).toEqual({ title: 'Wardline', body: 'New message from Dr Amara Okafor' });
    expect(redactNotification({ ...base, policy, kind: 'urgent' })).toEqual({ title: 'Wardline', body: 'Urgent message from Dr Amara Okafor' });
  });

  it('sender-only: an NHS number in the name the sender chose is masked (the OS keeps notifications)', () => {
    const policy = { content: 'sender-only' as const };
    const shown = redactNotification({ ...base, policy, kind: 'urgent', senderName: 'Pt 943 476 5919 DNR bay4' });
    expect(shown).toEqual({ title: 'Wardline', body: 'Urgent message from Pt [NHS no. hidden] DNR bay4' });
    expect(JSON.stringify(shown)).not.toMatch(/943\s?476\s?5919/);
    // Unspaced, and cut by the length cap: masked before the cap, so no digits survive at the end.
    expect(neutraliseSenderName(`${'x'.repeat(30)} 9434765919`)).not.toMatch(/\d/);
  });

  it('sender-only without a usable name falls back to the private text', () => {
    const policy = { content: 'sender-only' as const };
    for (const senderName of [null, '', '   ', '\u202E\u200F\u0000', '\n\t']) {
      expect(redactNotification({ ...base, policy, senderName })).toEqual({ title: 'Wardline', body: 'New message' });
    }
  });

  it('an unknown content mode is treated as private (fail closed)', () => {
    const policy = { content: 'everything' as unknown as NotificationContent };
    expect(redactNotification({ ...base, policy })).toEqual({ title: 'Wardline', body: 'New message' });
  });

  it('no notification for the conversation that is open in the focused window', () => {
    for (const kind of ['message', 'urgent'] as const) {
      for (const content of ['private', 'sender-only'] as const) {
        expect(redactNotification({ ...base, kind, policy: { content }, conversationFocused: true })).toBeNull();
      }
    }
  });

  it('locked: counts at most, never a name, even under sender-only, and focus does not suppress', () => {
    const locked = { ...base, sessionLocked: true, policy: { content: 'sender-only' as const } };
    expect(redactNotification(locked)).toEqual({ title: 'Wardline', body: 'New message' });
    expect(redactNotification({ ...locked, conversationFocused: true })).toEqual({ title: 'Wardline', body: 'New message' });
    expect(redactNotification({ ...locked, count: 3 })).toEqual({ title: 'Wardline', body: '3 new messages' });
    expect(redactNotification({ ...locked, kind: 'urgent', count: 2 })).toEqual({ title: 'Wardline', body: '2 urgent messages' });
    expect(redactNotification({ ...locked, kind: 'urgent', count: 1 })).toEqual({ title: 'Wardline', body: 'Urgent message' });
    for (const count of [0, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY, null, undefined]) {
      expect(redactNotification({ ...locked, kind: 'urgent', count })).toEqual({ title: 'Wardline', body: 'Urgent message' });
    }
  });

  it('the full truth table: only these bodies ever come out', () => {
    const allowed = new Set([
      'New message', 'Urgent message', 'You were mentioned',
      'New message from X', 'Urgent message from X', 'You were mentioned by X',
      '7 new messages', '7 urgent messages',
    ]);
    for (const kind of ['message', 'mention', 'urgent'] as const)
      for (const sessionLocked of [false, true])
        for (const conversationFocused of [false, true])
          for (const content of ['private', 'sender-only'] as const)
            for (const senderName of [null, 'X'])
              for (const count of [null, 7]) {
                const out = redactNotification({ kind, senderName, sessionLocked, conversationFocused, policy: { content }, count });
                if (out === null) {
                  expect(conversationFocused && !sessionLocked).toBe(true);
                  continue;
                }
                expect(out.title).toBe('Wardline');
                expect(allowed.has(out.body)).toBe(true);
                if (out.body.includes('X')) expect({ content, sessionLocked }).toEqual({ content: 'sender-only', sessionLocked: false });
                if (out.body.startsWith('7')) expect(sessionLocked).toBe(true);
              }
  });

  it('a mention says so, names the writer only under sender-only, and never becomes a count while locked', () => {
    expect(redactNotification({ ...base, kind: 'mention' })).toEqual({ title: 'Wardline', body: 'You were mentioned' });
    expect(redactNotification({ ...base, kind: 'mention', policy: { content: 'sender-only' } })?.body).toBe('You were mentioned by Dr Amara Okafor');
    expect(redactNotification({ ...base, kind: 'mention', sessionLocked: true, count: 4, policy: { content: 'sender-only' } })?.body).toBe('You were mentioned');
  });

  it('message text is not an input: extra fields are ignored, not echoed', () => {
    const sneaky = { ...base, body: 'Patient 943 476 5919 in bed 4', text: 'secret' } as NotificationInput;
    expect(JSON.stringify(redactNotification({ ...sneaky, policy: { content: 'sender-only' } }))).not.toMatch(/943|bed 4|secret/);
  });
});

describe('arrivalKind: what a new, not urgent arrival notifies as at its room level', () => {
  it.each([
    ['all', false, 'message'],
    ['all', true, 'mention'],
    ['mentions', false, null],
    ['mentions', true, 'mention'],
    ['urgent', false, null],
    ['urgent', true, null],
  ] as const)('%s, mentions you: %s → %s', (level, mentions, kind) => {
    expect(arrivalKind(level, mentions)).toBe(kind);
  });
});

describe('neutraliseSenderName', () => {
  it('removes control, bidi and invisible formatting characters and flattens whitespace', () => {
    expect(neutraliseSenderName('Dr\u202E evil\u202C Smith')).toBe('Dr evil Smith');
    expect(neutraliseSenderName('A\u200Fli\u2066ce\u2069')).toBe('Alice');
    expect(neutraliseSenderName('Bob\nBed 4 is free\r\n')).toBe('Bob Bed 4 is free');
    expect(neutraliseSenderName('\u0007Carol\u0000\u009B\uFEFF')).toBe('Carol');
    expect(neutraliseSenderName('  Dee   Dee  ')).toBe('Dee Dee');
    expect(neutraliseSenderName(null)).toBeNull();
    expect(neutraliseSenderName('\u202A\u202B')).toBeNull();
  });

  it('caps the length at a code-point boundary with an ellipsis', () => {
    const long = 'N'.repeat(200);
    const capped = neutraliseSenderName(long)!;
    expect(Array.from(capped)).toHaveLength(MAX_SENDER_NAME);
    expect(capped.endsWith('…')).toBe(true);
    const emoji = '😀'.repeat(100);
    const cut = neutraliseSenderName(emoji)!;
    expect(Array.from(cut)).toHaveLength(MAX_SENDER_NAME);
    expect(cut).not.toMatch(/\p{Cs}/u);
    expect(neutraliseSenderName('N'.repeat(MAX_SENDER_NAME))).toBe('N'.repeat(MAX_SENDER_NAME));
  });
});

const ALPHABET = [
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-\'',
  ...'éøßΩЖ中文😀',
  '\u202E', '\u200F', '\u2066', '\u0000', '\n', '\t', '\u0085', '\uFEFF', '\u200D',
];

function randomName(next: () => number): string {
  const length = 1 + Math.floor(next() * 80);
  let out = '';
  for (let i = 0; i < length; i += 1) out += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return out;
}

describe('property: private never names the sender', () => {
  it('for 5,000 random inputs, no output under private (or while locked) contains the name or any 4+ char piece of it', { timeout: 30_000 }, () => {
    const next = seededRandom(0x5eed);
    const kinds: NotificationKind[] = ['message', 'urgent'];
    for (let i = 0; i < 5_000; i += 1) {
      const senderName = randomName(next);
      const content: NotificationContent = next() < 0.5 ? 'private' : 'sender-only';
      const sessionLocked = next() < 0.3;
      const input: NotificationInput = {
        kind: kinds[Math.floor(next() * 2)]!,
        senderName,
        sessionLocked,
        conversationFocused: next() < 0.2,
        policy: { content },
        count: next() < 0.5 ? Math.floor(next() * 20) : null,
      };
      const out = redactNotification(input);
      if (out === null) continue;
      expect(out.title).toBe('Wardline');
      // Nothing invisible or directional ever reaches the OS.
      expect(out.body).not.toMatch(/[\p{Cc}\u202A-\u202E\u2066-\u2069\u200E\u200F\uFEFF]/u);
      expect(Array.from(out.body).length).toBeLessThanOrEqual('Urgent message from '.length + MAX_SENDER_NAME);
      if (content === 'private' || sessionLocked) {
        expect(out.body).toMatch(/^(New message|Urgent message|\d+ new messages|\d+ urgent messages)$/);
        const visible = neutraliseSenderName(senderName);
        if (visible !== null && visible.length >= 4 && !/^(?:[Nn]ew|[Uu]rgent|message|\s|\d)+$/.test(visible)) {
          expect(out.body.includes(visible)).toBe(false);
        }
      } else {
        const visible = neutraliseSenderName(senderName);
        expect(out.body).toBe(`${input.kind === 'urgent' ? 'Urgent message' : 'New message'}${visible === null ? '' : ` from ${visible}`}`);
      }
    }
  });
  it('not delivered: the same words under every policy and while locked, never a name', () => {
    for (const content of ['private', 'sender-only'] as const) {
      for (const sessionLocked of [false, true]) {
        expect(redactNotification({ ...base, kind: 'not-delivered', policy: { content }, sessionLocked, count: 3 })).toEqual({
          title: 'Wardline',
          body: 'A message you sent was not delivered',
        });
      }
    }
  });
});

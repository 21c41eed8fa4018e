// The notifier: chat events + focus + lock state → redacted OS notifications, and its wiring
// through createWardlineCore (contract channel 'ui:focus', session lock, urgent policy).
// Fakes for the chat and store here; tests/integration/notifications.test.ts uses real ones.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatEvent, ChatService, ChatServiceOptions } from '../../electron/core/chat/chatTypes.js';
import type { NotifyLevel } from '../../electron/common/notifyLevels.js';
import type { CallContext } from '../../electron/core/ipc/dispatcher.js';
import { DEFAULT_NOTIFICATION_POLICY } from '../../electron/core/notify/notificationPolicy.js';
import { DEFAULT_MESSAGE_QUIET_MS, Notifier, urgentReminderOptions, type NotificationPort } from '../../electron/core/notify/notifier.js';
import type { WardlineStore } from '../../electron/core/store/index.js';
import { memoryKeychain } from '../../electron/core/vault/memoryKeychain.js';
import { createWardlineCore } from '../../electron/core/wardlineCore.js';

type Shown = Parameters<NotificationPort['show']>[0];

function recorder(): { port: NotificationPort; shown: Shown[]; withdrawn: number[] } {
  const shown: Shown[] = [];
  const withdrawn: number[] = [];
  return { port: { show: (n) => void shown.push(n), withdrawAll: () => void withdrawn.push(shown.length) }, shown, withdrawn };
}

const arrived = (
  conversationId: number,
  senderName: string | null = 'Dr Okafor',
  urgent = false,
  room: { mentionsYou?: boolean; notify?: NotifyLevel } = {},
): ChatEvent => ({
  type: 'message-arrived',
  conversationId,
  urgent,
  senderName,
  mentionsYou: room.mentionsYou ?? false,
  notify: room.notify ?? 'all',
});
const pending = (conversationId: number, unreadUrgent = 1): ChatEvent => ({ type: 'urgent-pending', conversationId, unreadUrgent });

function unlockedNotifier(options: Partial<ConstructorParameters<typeof Notifier>[0]> = {}) {
  const { port, shown } = recorder();
  let now = 1_000_000;
  const notifier = new Notifier({ port, now: () => now, ...options });
  notifier.setLocked(false);
  return { notifier, shown, advance: (ms: number) => (now += ms) };
}

describe('Notifier', () => {
  it('a new message: "Wardline" / "New message", not urgent, no sender by default', () => {
    const { notifier, shown } = unlockedNotifier();
    notifier.handle(arrived(1));
    expect(shown).toEqual([{ title: 'Wardline', body: 'New message', urgent: false }]);
  });

  it('a major-incident call-in awaiting an answer: "Urgent message", no content; counts only while locked', () => {
    const { notifier, shown } = unlockedNotifier();
    notifier.incidentPending(0);
    notifier.incidentPending(1);
    expect(shown).toEqual([{ title: 'Wardline', body: 'Urgent message', urgent: true }]);
    notifier.setLocked(true);
    notifier.incidentPending(2);
    expect(shown.at(-1)).toEqual({ title: 'Wardline', body: '2 urgent messages', urgent: true });
  });

  it('one of ours refused for good: "A message you sent was not delivered", kept on screen, no name; not while its conversation is in front of the person', () => {
    const { notifier, shown } = unlockedNotifier({ policy: { content: 'sender-only' } });
    notifier.handle({ type: 'delivery-failed', conversationId: 3 });
    expect(shown).toEqual([{ title: 'Wardline', body: 'A message you sent was not delivered', urgent: true }]);
    notifier.focus({ conversationId: 3, windowFocused: true });
    notifier.handle({ type: 'delivery-failed', conversationId: 3 });
    expect(shown).toHaveLength(1);
  });

  it('ignores events that are not arrivals or urgent reminders', () => {
    const { notifier, shown } = unlockedNotifier();
    notifier.handle({ type: 'conversations-changed', conversationIds: [1] });
    notifier.handle({ type: 'directory-changed' });
    notifier.handle({ type: 'connection', state: { kind: 'online', since: 1, history: 'complete' } });
    notifier.handle(pending(1, 0));
    expect(shown).toEqual([]);
  });

  it('urgent: the arrival itself is silent, every urgent-pending (arrival and each reminder) shows', () => {
    const { notifier, shown } = unlockedNotifier();
    notifier.handle(arrived(1, 'Dr Okafor', true));
    expect(shown).toEqual([]);
    notifier.handle(pending(1));
    notifier.handle(pending(1));
    notifier.handle(pending(1, 2));
    expect(shown).toEqual(Array(3).fill({ title: 'Wardline', body: 'Urgent message', urgent: true }));
  });

  it('sender-only: names the sender of messages and of urgent reminders', () => {
    const { notifier, shown } = unlockedNotifier({ policy: { content: 'sender-only' } });
    notifier.handle(arrived(1, 'Dr\u202E Okafor'));
    notifier.handle(arrived(2, 'Sister Jones', true));
    notifier.handle(pending(2));
    notifier.handle(pending(3)); // no arrival seen (e.g. a reminder for an older message): no name
    expect(shown.map((n) => n.body)).toEqual(['New message from Dr Okafor', 'Urgent message from Sister Jones', 'Urgent message']);
  });

  it('nothing for the conversation open in the focused window; others and unfocused windows still notify', () => {
    const { notifier, shown } = unlockedNotifier({ messageQuietMs: 0 });
    notifier.focus({ conversationId: 1, windowFocused: true });
    notifier.handle(arrived(1));
    notifier.handle(pending(1));
    expect(shown).toEqual([]);
    notifier.handle(arrived(2));
    notifier.handle(pending(2));
    expect(shown.map((n) => n.body)).toEqual(['New message', 'Urgent message']);
    notifier.focus({ conversationId: 1, windowFocused: false });
    notifier.handle(pending(1));
    notifier.focus({ conversationId: null, windowFocused: true });
    notifier.handle(arrived(1));
    expect(shown.map((n) => n.body)).toEqual(['New message', 'Urgent message', 'Urgent message', 'New message']);
  });

  it('coalesces bursts of new-message notifications, never urgent ones', () => {
    const { notifier, shown, advance } = unlockedNotifier();
    for (let i = 1; i <= 20; i += 1) notifier.handle(arrived(i));
    expect(shown).toHaveLength(1);
    advance(DEFAULT_MESSAGE_QUIET_MS);
    notifier.handle(arrived(1));
    expect(shown).toHaveLength(2);
    for (let i = 1; i <= 5; i += 1) notifier.handle(pending(i));
    expect(shown).toHaveLength(7);
  });

  it('a quieter team room: silent for ordinary messages, "You were mentioned" when named (unless urgent only), urgent always', () => {
    const { notifier, shown, advance } = unlockedNotifier();
    notifier.handle(arrived(4, 'Dr Okafor', false, { notify: 'mentions' }));
    notifier.handle(arrived(5, 'Dr Okafor', false, { notify: 'urgent' }));
    notifier.handle(arrived(5, 'Dr Okafor', false, { notify: 'urgent', mentionsYou: true }));
    expect(shown).toEqual([]);
    notifier.handle(arrived(4, 'Dr Okafor', false, { notify: 'mentions', mentionsYou: true }));
    expect(shown).toEqual([{ title: 'Wardline', body: 'You were mentioned', urgent: false }]);
    advance(DEFAULT_MESSAGE_QUIET_MS);
    notifier.handle(arrived(5, 'Dr Okafor', true, { notify: 'urgent' }));
    notifier.handle(pending(5));
    expect(shown.at(-1)).toEqual({ title: 'Wardline', body: 'Urgent message', urgent: true });
  });

  it('a mention is not held back by an ordinary message a moment before, only by another mention', () => {
    const { notifier, shown, advance } = unlockedNotifier();
    notifier.handle(arrived(1));
    notifier.handle(arrived(2, 'Dr Okafor', false, { mentionsYou: true }));
    notifier.handle(arrived(3, 'Dr Okafor', false, { mentionsYou: true }));
    notifier.handle(arrived(4));
    expect(shown.map((n) => n.body)).toEqual(['New message', 'You were mentioned']);
    advance(DEFAULT_MESSAGE_QUIET_MS);
    notifier.handle(arrived(3, 'Dr Okafor', false, { mentionsYou: true }));
    expect(shown.map((n) => n.body)).toEqual(['New message', 'You were mentioned', 'You were mentioned']);
  });

  it('a suppressed (focused) message does not start the quiet period', () => {
    const { notifier, shown } = unlockedNotifier();
    notifier.focus({ conversationId: 1, windowFocused: true });
    notifier.handle(arrived(1));
    notifier.handle(arrived(2));
    expect(shown).toHaveLength(1);
  });

  it('starts locked (counts only, no names) and locking forgets focus and remembered senders', () => {
    const { port, shown } = recorder();
    const notifier = new Notifier({ port, policy: { content: 'sender-only' }, messageQuietMs: 0 });
    notifier.handle(arrived(1, 'Dr Okafor'));
    notifier.handle(pending(1, 3));
    expect(shown.map((n) => n.body)).toEqual(['New message', '3 urgent messages']);
    notifier.setLocked(false);
    notifier.handle(arrived(1, 'Dr Okafor', true));
    notifier.focus({ conversationId: 1, windowFocused: true });
    notifier.setLocked(true);
    notifier.setLocked(false);
    notifier.handle(pending(1));
    expect(shown.at(-1)?.body).toBe('Urgent message');
  });

  it('a failing OS adapter is logged without content and does not throw', () => {
    const logs: string[] = [];
    const notifier = new Notifier({ port: { show: () => { throw new Error('no D-Bus'); } }, log: (l) => logs.push(l) });
    notifier.setLocked(false);
    expect(() => notifier.handle(pending(1))).not.toThrow();
    expect(logs).toEqual(['notify show-failed kind=urgent']);
  });

  it('maps the policy to the chat’s urgent options (2 min / 5 by default)', () => {
    expect(urgentReminderOptions(DEFAULT_NOTIFICATION_POLICY)).toEqual({ intervalMs: 120_000, maxReminders: 5 });
  });
});

describe('createWardlineCore notify wiring', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function fakeStore(): WardlineStore {
    const settings = new Map<string, string>();
    const store = {
      getSetting: async (key: string) => settings.get(key) ?? null,
      setSetting: async (key: string, value: string) => void settings.set(key, value),
      unreadCounts: async () => ({ unread: 0, urgent: 0 }),
      close: async () => {},
      onFailure: () => {},
      appendAudit: async () => ({}),
      purgeSentBefore: async () => ({ deleted: 0, checkpointed: true }),
    };
    return store as unknown as WardlineStore;
  }

  function fakeChat(): { chat: ChatService; emit(event: ChatEvent): void } {
    const listeners = new Set<(event: ChatEvent) => void>();
    const chat = {
      connection: () => ({ kind: 'connecting', attempt: 1 }),
      on: (listener: (event: ChatEvent) => void) => (listeners.add(listener), () => listeners.delete(listener)),
      stop: async () => {},
    };
    return { chat: chat as unknown as ChatService, emit: (event) => listeners.forEach((l) => l(event)) };
  }

  it('notifies through the port, honours ui:focus, passes the urgent policy, and is silent for a locked profile’s chat', { timeout: 30_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wardline-notify-'));
    dirs.push(dataDir);
    const { port, shown, withdrawn } = recorder();
    const started: ChatServiceOptions[] = [];
    const chats: ReturnType<typeof fakeChat>[] = [];
    const core = createWardlineCore({
      dataDir,
      shell: 'electron',
      version: '1',
      platform: 'test',
      appOrigin: 'app://wardline',
      idle: { idleSeconds: () => 0 },
      keychain: memoryKeychain(),
      ticker: { every: () => () => {} },
      openStore: async () => fakeStore(),
      startChat: (options) => {
        started.push(options);
        const fake = fakeChat();
        chats.push(fake);
        return fake.chat;
      },
      notify: port,
      notificationPolicy: { content: 'sender-only', urgentIntervalMs: 1_000, urgentMaxReminders: 9 },
    });
    const ctx: CallContext = { senderUrl: 'app://wardline/index.html', isMainFrame: true };
    const call = (channel: string, payload: unknown) => core.dispatch(ctx, channel, payload);

    // 'ui:focus' is allowed while locked (no data) and validated.
    expect(await call('ui:focus', { conversationId: null, windowFocused: false })).toEqual({ ok: true, value: { ok: true } });
    expect(await call('ui:focus', { conversationId: 'x', windowFocused: true })).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    expect(await call('ui:focus', { conversationId: 1, windowFocused: true, body: 'x' })).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });

    expect(await call('profiles:create', { displayName: 'Sam', role: 'Clerk', pin: '482913' })).toMatchObject({ ok: true });
    expect(await call('account:set', { jid: 'sam@hospital.example', password: 'pw' })).toMatchObject({ ok: true });
    expect(started[0]?.urgent).toEqual({ intervalMs: 1_000, maxReminders: 9 });
    const chat = chats[0]!;

    chat.emit(arrived(5, 'Dr Okafor'));
    expect(shown).toEqual([{ title: 'Wardline', body: 'New message from Dr Okafor', urgent: false }]);

    expect(await call('ui:focus', { conversationId: 5, windowFocused: true })).toEqual({ ok: true, value: { ok: true } });
    chat.emit(pending(5));
    expect(shown).toHaveLength(1);
    chat.emit(pending(6));
    expect(shown.at(-1)).toEqual({ title: 'Wardline', body: 'Urgent message', urgent: true });

    // Once locked, what is still in the notification centre is taken back (it named Dr Okafor),
    // and the old chat's late events never reach the OS.
    const withdrawnBefore = withdrawn.length;
    expect(await call('session:lock', {})).toMatchObject({ ok: true });
    expect(withdrawn.length).toBe(withdrawnBefore + 1);
    const before = shown.length;
    chat.emit(arrived(7, 'Dr Okafor'));
    chat.emit(pending(7));
    expect(shown).toHaveLength(before);
    await core.close();
  });
});

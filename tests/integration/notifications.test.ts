// Private notifications end to end (issue 5 §1, issue 4 §4): a real Prosody, two real
// ChatServices over real encrypted stores, and the notifier with a recording NotificationPort.
// What a colleague writes never reaches a notification; urgent messages re-notify on the
// policy's interval until read; the conversation open in the focused window is not notified.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../electron/core/chat/index.js';
import { DEFAULT_NOTIFICATION_POLICY, type NotificationPolicy } from '../../electron/core/notify/notificationPolicy.js';
import { Notifier, urgentReminderOptions, type NotificationPort } from '../../electron/core/notify/notifier.js';
import { type ProsodyServer, startProsody } from '../fixtures/prosody.js';
import { bodies, cleanUpStores, conversationOf, openWorkstation, users, waitFor, waitReady, type Workstation } from './chatHarness.js';

type Shown = Parameters<NotificationPort['show']>[0];

/** Short enough for a test, long enough that "no more after read" means something. */
const INTERVAL_MS = 250;
const POLICY: NotificationPolicy = { ...DEFAULT_NOTIFICATION_POLICY, urgentIntervalMs: INTERVAL_MS, urgentMaxReminders: 1_000 };

let server: ProsodyServer;
let alice: Workstation;
let bob: Workstation;
const sentBodies: string[] = [];
const detach: (() => void)[] = [];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  server = await startProsody({ users });
  [alice, bob] = await Promise.all([
    openWorkstation(server, 'alice'),
    openWorkstation(server, 'bob', { urgent: urgentReminderOptions(POLICY) }),
  ]);
  await Promise.all([waitReady(alice), waitReady(bob)]);
});

afterAll(async () => {
  await Promise.all([alice, bob].map((w) => w?.close().catch(() => undefined)));
  await server?.stop();
  cleanUpStores();
});

afterEach(async () => {
  for (const off of detach.splice(0)) off();
  // Leave nothing unread for the next test.
  for (const conversation of await bob.store.listConversations()) await bob.chat.markRead(conversation.id);
});

/** A notifier on bob's workstation, unlocked, as the session controller wires it. */
function notifierOnBob(content: NotificationPolicy['content'] = 'private'): { notifier: Notifier; shown: Shown[]; shownAtMs: number[] } {
  const shown: Shown[] = [];
  /** When each of `shown` was shown (performance.now()), recorded by the port itself. */
  const shownAtMs: number[] = [];
  const port: NotificationPort = {
    show: (n) => {
      shown.push(n);
      shownAtMs.push(performance.now());
    },
  };
  const notifier = new Notifier({ port, policy: { content }, messageQuietMs: 0 });
  notifier.setLocked(false);
  detach.push(bob.chat.on((event) => notifier.handle(event)));
  return { notifier, shown, shownAtMs };
}

async function send(body: string, urgent: boolean): Promise<void> {
  sentBodies.push(body);
  const toBob = await alice.chat.openDirect(bob.jid);
  await alice.chat.send({ conversationId: toBob, body, urgent });
  await waitFor('bob stores it', async () => ((await bodies(bob.store, alice.jid, 'in')).includes(body) ? true : undefined));
}

function eventsSince(from: number, type: ChatEvent['type']): ChatEvent[] {
  return bob.events.slice(from).filter((event) => event.type === type);
}

/** Nothing a colleague wrote, and no name unless asked for, ever reaches a notification. */
function expectNoContent(shown: readonly Shown[], nameAllowed: boolean): void {
  for (const { title, body } of shown) {
    const text = `${title}\n${body}`;
    for (const sent of sentBodies) expect(text).not.toContain(sent);
    expect(body).not.toMatch(/\bbed\b|\bward\b|crash|943|porter|family|bloods/i);
    if (!nameAllowed) expect(text).not.toMatch(/alice/i);
  }
}

describe('private notifications (real Prosody)', () => {
  it('urgent: "Wardline" / "Urgent message", re-notified on the interval until read, then never again', async () => {
    const { shown, shownAtMs } = notifierOnBob();
    await send('Crash call ward 7 bed 3', true);

    await waitFor('first urgent notification', () => (shown.length >= 1 ? true : undefined));
    expect(shown[0]).toEqual({ title: 'Wardline', body: 'Urgent message', urgent: true });

    // Still unread: it keeps asking, once per interval. Timed by when the port was called, not by
    // when this test's polling noticed. The reminder interval runs free (it is not started by the
    // arrival), so a tick may land with the arrival; of these four, at least three are interval
    // ticks, so they span about two intervals, less however much longer the first one's store read
    // took (it can queue behind the arrival's writes). A burst, or no interval, would span ~0 ms:
    // one interval is the bound that tells them apart on any machine.
    await waitFor('three reminders', () => (shown.length >= 4 ? true : undefined), 10_000);
    expect(shownAtMs[3]! - shownAtMs[0]!).toBeGreaterThanOrEqual(INTERVAL_MS);
    expect(shown.every((n) => n.title === 'Wardline' && n.body === 'Urgent message' && n.urgent)).toBe(true);

    // Read: a tick already in flight may still land, then silence.
    await bob.chat.markRead((await conversationOf(bob.store, alice.jid))!);
    await sleep(INTERVAL_MS + 100);
    const settled = shown.length;
    await sleep(4 * INTERVAL_MS);
    expect(shown).toHaveLength(settled);
    expectNoContent(shown, false);
  });

  it('the chat stops reminding at the policy limit', async () => {
    const carol = await openWorkstation(server, 'carol', { urgent: { intervalMs: INTERVAL_MS, maxReminders: 2 } });
    try {
      await waitReady(carol);
      const shown: Shown[] = [];
      const notifier = new Notifier({ port: { show: (n) => void shown.push(n) } });
      notifier.setLocked(false);
      carol.chat.on((event) => notifier.handle(event));
      const toCarol = await alice.chat.openDirect(carol.jid);
      sentBodies.push('Urgent: review bloods bed 9');
      await alice.chat.send({ conversationId: toCarol, body: 'Urgent: review bloods bed 9', urgent: true });
      await waitFor('arrival + 2 reminders', () => (shown.length >= 3 ? true : undefined), 10_000);
      await sleep(4 * INTERVAL_MS);
      expect(shown).toEqual(Array(3).fill({ title: 'Wardline', body: 'Urgent message', urgent: true }));
    } finally {
      await carol.close();
    }
  });

  it('a normal message: "Wardline" / "New message", no sender, no text, once', async () => {
    const { shown } = notifierOnBob();
    await send('Bed 12 obs due, NHS 943 476 5919', false);
    await waitFor('notification', () => (shown.length >= 1 ? true : undefined));
    await sleep(2 * INTERVAL_MS);
    expect(shown).toEqual([{ title: 'Wardline', body: 'New message', urgent: false }]);
    expectNoContent(shown, false);
  });

  it('nothing while the conversation is open in the focused window; an unfocused window is reminded', async () => {
    const { notifier, shown } = notifierOnBob();
    const conversation = (await conversationOf(bob.store, alice.jid))!;
    notifier.focus({ conversationId: conversation, windowFocused: true });

    const from = bob.events.length;
    await send('Bed 5 family here', false);
    await send('Crash call bed 5', true);
    // The chat did announce both (and reminded); the notifier kept quiet.
    await waitFor('urgent announced and reminded', () => (eventsSince(from, 'urgent-pending').length >= 3 ? true : undefined), 10_000);
    expect(eventsSince(from, 'message-arrived').length).toBeGreaterThanOrEqual(2);
    expect(shown).toEqual([]);

    // Window loses focus with the message still unread: the next reminder shows.
    notifier.focus({ conversationId: conversation, windowFocused: false });
    await waitFor('reminder once unfocused', () => (shown.length >= 1 ? true : undefined), 5_000);
    expect(shown[0]).toEqual({ title: 'Wardline', body: 'Urgent message', urgent: true });
    expectNoContent(shown, false);
  });

  it("sender-only: the sender's name, never the text", async () => {
    const { shown } = notifierOnBob('sender-only');
    await send('Bed 8 needs a porter', false);
    await waitFor('message notification', () => (shown.length >= 1 ? true : undefined));
    await send('Crash call bed 8', true);
    await waitFor('urgent notification', () => (shown.some((n) => n.urgent) ? true : undefined));
    expect(shown[0]).toEqual({ title: 'Wardline', body: 'New message from Name of alice', urgent: false });
    expect(shown.find((n) => n.urgent)).toEqual({ title: 'Wardline', body: 'Urgent message from Name of alice', urgent: true });
    expectNoContent(shown, true);
  });

  it('our own messages (sent from another device, as carbons) are not notified', async () => {
    const { shown } = notifierOnBob();
    const bobElsewhere = await openWorkstation(server, 'bob', { connection: { resource: 'second-pc' } });
    try {
      await waitReady(bobElsewhere);
      const toAlice = await bobElsewhere.chat.openDirect(alice.jid);
      await bobElsewhere.chat.send({ conversationId: toAlice, body: 'Sent from my other PC', urgent: true });
      await waitFor('carbon stored', async () => ((await bodies(bob.store, alice.jid, 'out')).includes('Sent from my other PC') ? true : undefined));
      await sleep(2 * INTERVAL_MS);
      expect(shown).toEqual([]);
    } finally {
      await bobElsewhere.close();
    }
  });

  it('a message refused for good (no such account): "A message you sent was not delivered", no name, no text', async () => {
    const shown: Shown[] = [];
    const notifier = new Notifier({ port: { show: (n) => void shown.push(n) }, policy: { content: 'sender-only' }, messageQuietMs: 0 });
    notifier.setLocked(false);
    detach.push(alice.chat.on((event) => notifier.handle(event)));
    const body = 'Bed 4 needs a porter to CT now';
    sentBodies.push(body);
    const toNobody = await alice.chat.openDirect(`nobody-at-all@${server.domain}`);
    await alice.chat.send({ conversationId: toNobody, body, urgent: false });
    await waitFor('the refusal is notified', () => (shown.length > 0 ? true : undefined));
    expect(shown).toEqual([{ title: 'Wardline', body: 'A message you sent was not delivered', urgent: true }]);
    expect(shown[0]?.body).not.toMatch(/nobody/i);
    expectNoContent(shown, false);
  });
  it('a team room set to "only when I am mentioned": silent while the room talks, "You were mentioned" for @bob, urgent always', async () => {
    const room = `bed-management@${server.mucDomain}`;
    const aliceRoom = await alice.chat.joinRoom(room, 'Bed management');
    await alice.chat.addRoomMembers(room, [bob.jid]);
    const bobRoom = await bob.chat.joinRoom(room);
    expect(await bob.chat.setRoomNotify(bobRoom, 'mentions')).toBe(true);
    // A message to Bob alone is never quietened.
    expect(await bob.chat.setRoomNotify((await conversationOf(bob.store, alice.jid))!, 'urgent')).toBe(false);
    const { shown } = notifierOnBob();
    const say = async (body: string, urgent = false): Promise<void> => {
      sentBodies.push(body);
      await alice.chat.send({ conversationId: aliceRoom, body, urgent });
      await waitFor('bob stores it', async () => ((await bodies(bob.store, room, 'in')).includes(body) ? true : undefined));
    };

    await say('Two discharges pending on ward 9, porter booked');
    await say('Bobby from estates is fixing the bed lift');
    await sleep(2 * INTERVAL_MS);
    expect(shown).toEqual([]);

    await say('@bob can you review bed 4 before noon?');
    await waitFor('the mention', () => (shown.length >= 1 ? true : undefined));
    expect(shown).toEqual([{ title: 'Wardline', body: 'You were mentioned', urgent: false }]);

    expect(await bob.chat.setRoomNotify(bobRoom, 'urgent')).toBe(true);
    await say('@bob and the family in bay 2 are asking for you');
    await say('Crash call ward 9 bay 1', true);
    await waitFor('the urgent one', () => (shown.length >= 2 ? true : undefined));
    await sleep(2 * INTERVAL_MS);
    expect(shown.map((n) => n.body)).toEqual(['You were mentioned', ...Array(shown.length - 1).fill('Urgent message')]);
    expectNoContent(shown, false);
    await bob.chat.markRead(bobRoom);
    expect((await bob.store.listConversations()).find((c) => c.id === bobRoom)?.notify).toBe('urgent');
  });
});

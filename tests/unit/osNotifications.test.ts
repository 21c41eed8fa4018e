/**
 * The OS notification adapter (electron/main/os/notifications.ts) over a fake Electron Notification.
 * At lock the core withdraws every notification it showed (notifier.ts setLocked: "Urgent message
 * from <name>" left in the notification centre tells the next person at the PC who wrote).
 */
import { describe, expect, it, vi } from 'vitest';

const shown: FakeNotification[] = [];
class FakeNotification {
  closed = false;
  readonly #listeners = new Map<string, Array<() => void>>();
  constructor(readonly options: { title: string; body: string }) {}
  static isSupported(): boolean {
    return true;
  }
  on(event: string, listener: () => void): this {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
    return this;
  }
  show(): void {
    shown.push(this);
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.#listeners.get('close') ?? []) listener();
  }
}

vi.mock('electron', () => ({ Notification: FakeNotification }));

const { createNotifier } = await import('../../electron/main/os/notifications.js');

describe('OS notifications', () => {
  it('withdraws every notification still shown when asked, however many there were', () => {
    shown.length = 0;
    const notifier = createNotifier();
    // A busy shift: urgent reminders for several conversations, each "Urgent message from <name>" under sender-only.
    for (let i = 0; i < 25; i += 1) notifier.show({ title: 'Wardline', body: `Urgent message from Dr ${i}`, urgent: true });
    notifier.closeAll();
    const left = shown.filter((n) => !n.closed).map((n) => n.options.body);
    expect(left).toEqual([]);
  });
});

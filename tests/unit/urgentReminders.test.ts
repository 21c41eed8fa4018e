import { describe, expect, it } from 'vitest';
import { UrgentReminders } from '../../electron/core/chat/urgentReminders.js';
import type { WardlineStore } from '../../electron/core/store/index.js';

/** Conversation 7 holds one unread urgent message; the interval is driven by the test. */
function reminders(maxReminders: number): { urgent: UrgentReminders; shown: number[] } {
  const store = { unreadUrgent: async () => [{ conversationId: 7, unreadUrgent: 1 }] } as unknown as WardlineStore;
  const shown: number[] = [];
  const urgent = new UrgentReminders({
    store,
    timers: { setInterval: () => 1, clearInterval: () => undefined },
    intervalMs: 250,
    maxReminders,
    notify: (conversationId) => shown.push(conversationId),
    log: () => undefined,
  });
  return { urgent, shown };
}

describe('urgent reminders and a new arrival', () => {
  it('a tick that reads the new message before its arrival is announced does not notify it too (arrival + 2 reminders, not 4)', async () => {
    const { urgent, shown } = reminders(2);
    const announced = urgent.arriving([7]); // before the insert
    await urgent.tick(); // the free-running interval fires between the insert and the announcement
    await urgent.arrived([7]);
    announced();
    for (let i = 0; i < 5; i += 1) await urgent.tick();
    expect(shown).toEqual([7, 7, 7]);
  });

  it('an arrival that stored nothing (released without arrived()) does not silence the reminders', async () => {
    const { urgent, shown } = reminders(2);
    urgent.arriving([7])();
    await urgent.tick();
    expect(shown).toEqual([7]);
  });
});

import { describe, expect, it } from 'vitest';
import type { NotifyLevel } from '../../electron/common/notifyLevels.js';
import { RoomNotifyLevels } from '../../electron/core/chat/roomNotifyLevels.js';
import type { ConversationSummary } from '../../electron/core/store/index.js';

function summary(id: number, notify: NotifyLevel): ConversationSummary {
  return { id, jid: `r${id}@rooms.example`, kind: 'room', title: `Room ${id}`, notify, unread: 0, urgentUnread: 0, undelivered: 0, lastActivityAt: null, hasDraft: false, latest: null };
}

describe('RoomNotifyLevels', () => {
  it('loads the stored levels; a room it does not know is "every message"', async () => {
    const levels = new RoomNotifyLevels({ listConversations: async () => [summary(1, 'mentions'), summary(2, 'all')], setRoomNotify: async () => true }, () => {});
    await levels.loaded;
    expect([levels.of(1), levels.of(2), levels.of(3)]).toEqual(['mentions', 'all', 'all']);
  });

  it('applies a level only once the store has it', async () => {
    let stored = false;
    const levels = new RoomNotifyLevels({ listConversations: async () => [], setRoomNotify: async (id) => (stored = id === 1) }, () => {});
    expect(await levels.set(1, 'urgent')).toBe(true);
    expect(stored).toBe(true);
    expect(await levels.set(2, 'urgent')).toBe(false);
    expect([levels.of(1), levels.of(2)]).toEqual(['urgent', 'all']);
  });

  it('a failed read leaves every room at "every message" (notify too often, never miss) and says so without content', async () => {
    const lines: string[] = [];
    const levels = new RoomNotifyLevels({ listConversations: async () => Promise.reject(new Error('store closing')), setRoomNotify: async () => true }, (line) => lines.push(line));
    await levels.loaded;
    expect(levels.of(1)).toBe('all');
    expect(lines).toEqual(['chat notify-levels-unread error=Error']);
  });
});

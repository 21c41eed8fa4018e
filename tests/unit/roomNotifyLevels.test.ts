import { describe, expect, it } from 'vitest';
import type { NotifyLevel } from '../../electron/common/notifyLevels.js';
import { RoomNotifyLevels } from '../../electron/core/chat/roomNotifyLevels.js';

const quiet = (conversationId: number, notify: NotifyLevel) => ({ conversationId, notify });

describe('RoomNotifyLevels', () => {
  it('loads the stored levels; a room it does not know is "every message"', async () => {
    const levels = new RoomNotifyLevels({ quietRooms: async () => [quiet(1, 'mentions')], setRoomNotify: async () => true }, () => {});
    await levels.loaded;
    expect([levels.of(1), levels.of(2), levels.of(3)]).toEqual(['mentions', 'all', 'all']);
  });

  it('applies a level only once the store has it', async () => {
    let stored = false;
    const levels = new RoomNotifyLevels({ quietRooms: async () => [], setRoomNotify: async (id) => (stored = id === 1) }, () => {});
    expect(await levels.set(1, 'urgent')).toBe(true);
    expect(stored).toBe(true);
    expect(await levels.set(2, 'urgent')).toBe(false);
    expect([levels.of(1), levels.of(2)]).toEqual(['urgent', 'all']);
  });

  it('a failed read leaves every room at "every message" (notify too often, never miss) and says so without content', async () => {
    const lines: string[] = [];
    const levels = new RoomNotifyLevels({ quietRooms: async () => Promise.reject(new Error('store closing')), setRoomNotify: async () => true }, (line) => lines.push(line));
    await levels.loaded;
    expect(levels.of(1)).toBe('all');
    expect(lines).toEqual(['chat notify-levels-unread error=Error']);
  });
});

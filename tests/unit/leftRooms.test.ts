// What this workstation knows of the rooms the person left: the store's mark, loaded once, and the
// bookmark retractions still owed to the server after a leave while offline.
import { describe, expect, it } from 'vitest';
import { LeftRooms } from '../../electron/core/chat/leftRooms.js';
import type { TeamRoom } from '../../electron/core/store/index.js';

function fakeStore(rooms: TeamRoom[]) {
  const settings = new Map<string, string>();
  let failReads = 0;
  return {
    settings,
    failNextRead: () => (failReads += 1),
    store: {
      teamRooms: async () => {
        if (failReads > 0) {
          failReads -= 1;
          throw new Error('store closing');
        }
        return rooms;
      },
      getSetting: async (key: string) => settings.get(key) ?? null,
      setSetting: async (key: string, value: string) => void settings.set(key, value),
    },
  };
}

describe('LeftRooms', () => {
  it('knows the rooms marked left once loaded, and tries the load again after a failure', async () => {
    const f = fakeStore([{ conversationId: 1, jid: 'a@rooms.test', left: true, leftAt: 1 }, { conversationId: 2, jid: 'b@rooms.test', left: false, leftAt: null }]);
    const left = new LeftRooms(f.store);
    f.failNextRead();
    await expect(left.load()).rejects.toThrow('store closing');
    await left.load();
    expect([left.has('a@rooms.test'), left.has('b@rooms.test')]).toEqual([true, false]);
  });

  it('takes the rooms sign-in has just read as its load, without reading them again', async () => {
    const f = fakeStore([]);
    const left = new LeftRooms(f.store);
    left.adopt([{ conversationId: 1, jid: 'a@rooms.test', left: true, leftAt: 1 }]);
    f.failNextRead();
    await left.load();
    expect(left.has('a@rooms.test')).toBe(true);
  });

  it('owes the bookmark retraction of a room left until it is settled, and a join again cancels it', async () => {
    const left = new LeftRooms(fakeStore([]).store);
    await Promise.all([left.left('a@rooms.test'), left.left('b@rooms.test')]);
    expect((await left.owed()).sort()).toEqual(['a@rooms.test', 'b@rooms.test']);
    await left.settled('a@rooms.test');
    // Joined again before the server was told: retracting now would undo that join.
    await left.rejoined('b@rooms.test');
    expect(await left.owed()).toEqual([]);
    expect(left.has('b@rooms.test')).toBe(false);
  });

  it('reads a damaged owed list as empty rather than failing the sign-in', async () => {
    const f = fakeStore([]);
    f.settings.set('rooms.bookmarkRetractionsOwed', '{not json');
    expect(await new LeftRooms(f.store).owed()).toEqual([]);
  });
});

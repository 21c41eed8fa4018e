// An address is one kind of conversation for good: a 1:1 message "from" a room's address (an
// occupant's private message) must never be filed among the room's messages, where it would read
// as said in the room, and a room message never lands in a person's chat.
import { describe, expect, it } from 'vitest';
import { ConversationIds } from '../../electron/core/chat/conversationIds.js';
import type { ConversationRef, WardlineStore } from '../../electron/core/store/index.js';

function fakeStore(existing: ConversationRef[]): { store: WardlineStore; created: string[] } {
  const rows = [...existing];
  const created: string[] = [];
  const store = {
    findConversationByJid: async (jid: string) => rows.find((r) => r.jid === jid) ?? null,
    upsertConversation: async ({ jid, kind, title }: { jid: string; kind: 'direct' | 'room'; title: string }) => {
      created.push(jid);
      const row = { id: rows.length + 1, jid, kind, title };
      rows.push(row);
      return row.id;
    },
  } as unknown as WardlineStore;
  return { store, created };
}

describe('ConversationIds', () => {
  const room = { id: 1, jid: 'ward7@conference.trust.nhs.uk', kind: 'room' as const, title: 'Ward 7' };
  const person = { id: 2, jid: 'dr.patel@trust.nhs.uk', kind: 'direct' as const, title: 'Dr Patel' };

  it('refuses to file a 1:1 message under a room, or a room message under a person', async () => {
    const { store, created } = fakeStore([room, person]);
    const ids = new ConversationIds(store);
    expect(await ids.resolve(room.jid, 'direct', 'mallory')).toBeNull();
    expect(await ids.resolve(person.jid, 'room', 'x')).toBeNull();
    expect(await ids.known(room.jid, 'direct')).toBeNull();
    // Once cached, still refused; the right kind still resolves.
    expect(await ids.resolve(room.jid, 'direct', 'mallory')).toBeNull();
    expect(await ids.resolve(room.jid, 'room', 'Ward 7')).toBe(1);
    expect(await ids.known(person.jid, 'direct')).toBe(2);
    expect(created).toEqual([]);
  });

  it('creates a new conversation once, of the kind first seen', async () => {
    const { store, created } = fakeStore([]);
    const ids = new ConversationIds(store);
    const [a, b] = await Promise.all([ids.resolve('new@trust.nhs.uk', 'direct', 'new'), ids.resolve('new@trust.nhs.uk', 'direct', 'new')]);
    expect(a).toBe(1);
    expect(b).toBe(1);
    expect(created).toEqual(['new@trust.nhs.uk']);
    expect(await ids.resolve('new@trust.nhs.uk', 'room', 'x')).toBeNull();
  });
});

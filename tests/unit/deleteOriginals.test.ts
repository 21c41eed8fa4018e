// "Delete originals": a removal committed is reported as done even if the store closes right after
// it (a lock), and one in a room the person left never counts as on its way to the others.
import { expect, it } from 'vitest';
import { Governance } from '../../electron/core/governance/governanceService.js';
import type { WardlineStore } from '../../electron/core/store/index.js';

/** Governance over this store with messaging not running (signed out after a revocation). */
function withoutMessaging(store: WardlineStore): Governance {
  return new Governance({
    store,
    audit: { record: async () => undefined, actor: 'sam' } as never,
    person: { name: 'Sam Okafor', role: 'Ward clerk' },
    account: () => ({ jid: 'sam@trust.example' }),
    chat: () => null,
    exportFile: async () => ({ saved: false, location: null }),
    retentionDays: 30,
    now: () => 1,
    isOpen: () => true,
    clipboard: null,
    changed: () => undefined,
  });
}

it('reports a committed removal as done even if the store closes right after it', async () => {
  let closed = false;
  const store = {
    removeTranscribed: async () => {
      // Committed (tombstones, queued retractions, audit entry); the OS locks the screen now.
      closed = true;
      return { removed: [{ id: 7, originId: 'o-7', serverId: null }], retractionsQueued: 1 };
    },
    findConversationById: async () => {
      if (closed) throw Object.assign(new Error('The store is closed.'), { name: 'StoreError', kind: 'closed' });
      return { id: 3, kind: 'direct', jid: 'dr.lima@trust.example' };
    },
  } as unknown as WardlineStore;
  const governance = withoutMessaging(store);
  await expect(governance.deleteOriginals(3, [7])).resolves.toEqual({ removed: 1, retractionsQueued: 1 });
});

it('does not count a removal in a room the person left as on its way while messaging is not running (revoked)', async () => {
  const store = {
    removeTranscribed: async () => ({ removed: [{ id: 7, originId: null, serverId: 'sid-7' }], retractionsQueued: 1 }),
    findConversationById: async () => ({ id: 3, kind: 'room', jid: 'handover@conference.trust.example', title: 'Handover' }),
    teamRooms: async () => [{ conversationId: 3, jid: 'handover@conference.trust.example', left: true, leftAt: 1 }],
  } as unknown as WardlineStore;
  const governance = withoutMessaging(store);
  // Same room, same left state as with messaging running (roomShut → 0): the panel must say the others keep their copy.
  await expect(governance.deleteOriginals(3, [7])).resolves.toEqual({ removed: 1, retractionsQueued: 0 });
});

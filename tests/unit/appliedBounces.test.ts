// Which refusals were already applied: known by the id our server archived each under, so a second,
// genuine refusal of a retried message (same id, sender and condition) still fails it.
import { describe, expect, it } from 'vitest';
import { AppliedBounces } from '../../electron/core/chat/appliedBounces.js';
import { parseJid, type MessageBounce } from '../../electron/core/messaging/index.js';

function settings(initial: Record<string, string> = {}) {
  const values = new Map(Object.entries(initial));
  return { values, store: { getSetting: async (key: string) => values.get(key) ?? null, setSetting: async (key: string, value: string) => void values.set(key, value) } };
}

const bounce = (archiveId: string | null): MessageBounce => ({ id: 'wl-1', from: parseJid('bob@trust.test/desk')!, errorType: 'cancel', condition: 'not-acceptable', archiveId });

describe('AppliedBounces', () => {
  it('knows a bounce by its archive id, not by message, sender and condition', async () => {
    const s = settings();
    const applied = new AppliedBounces(s.store);
    await applied.add(bounce('arch-1'));
    expect(await applied.has(bounce('arch-1'))).toBe(true);
    expect(await applied.has(bounce('arch-2'))).toBe(false);
    // Kept across sessions (the profile's encrypted settings), ids only.
    expect(await new AppliedBounces(s.store).has(bounce('arch-1'))).toBe(true);
    expect(s.values.get('chat.applied-bounces')).toBe('["archive arch-1"]');
  });

  it('a bounce the server did not archive is known by its message, sender and condition, and never matches an archived one', async () => {
    const applied = new AppliedBounces(settings().store);
    await applied.add(bounce(null));
    expect(await applied.has(bounce(null))).toBe(true);
    expect(await applied.has(bounce('arch-9'))).toBe(false);
  });

  it('still honours what versions before archive ids recorded', async () => {
    const applied = new AppliedBounces(settings({ 'chat.applied-bounces': JSON.stringify(['wl-1 bob@trust.test/desk not-acceptable']) }).store);
    expect(await applied.has(bounce('arch-1'))).toBe(true);
    expect(await applied.has({ ...bounce('arch-1'), condition: 'forbidden' })).toBe(false);
  });
});

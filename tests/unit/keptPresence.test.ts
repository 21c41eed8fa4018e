// The presence a person chose is kept in their profile, so a lock/unlock or a restart does not
// show them to colleagues as available again; and a change the store refuses changes nothing.
import { describe, expect, it } from 'vitest';
import { buildPresence } from '../../electron/core/chat/directory.js';
import { KeptPresence, parseKeptPresence, PRESENCE_SETTING } from '../../electron/core/chat/keptPresence.js';

function settings(initial: Record<string, string> = {}) {
  const values = new Map(Object.entries(initial));
  let failWrites = false;
  let failReads = false;
  const store = {
    getSetting: async (key: string) => {
      if (failReads) throw Object.assign(new Error('worker gone'), { name: 'StoreError' });
      return values.get(key) ?? null;
    },
    setSetting: async (key: string, value: string) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (failWrites) throw new Error('disk full');
      values.set(key, value);
    },
  };
  return {
    store,
    values,
    failWrites: (fail: boolean) => void (failWrites = fail),
    failReads: (fail: boolean) => void (failReads = fail),
  };
}

describe('kept presence', () => {
  it('starts a session with what the profile kept', async () => {
    const { store } = settings({ [PRESENCE_SETTING]: 'busy' });
    const kept = new KeptPresence({ store, log: () => undefined });
    await kept.loaded();
    expect(kept.now()).toBe('busy');
  });

  it('is available when nothing (or nothing known) is kept, or the read fails', async () => {
    expect(parseKeptPresence(null)).toBe('available');
    expect(parseKeptPresence('away')).toBe('available');
    expect(parseKeptPresence('off-duty')).toBe('off-duty');
    const { store, failReads } = settings({ [PRESENCE_SETTING]: 'busy' });
    failReads(true);
    const lines: string[] = [];
    const kept = new KeptPresence({ store, log: (line) => lines.push(line) });
    await kept.loaded();
    expect(kept.now()).toBe('available');
    expect(lines).toEqual(['chat presence-load-failed error=StoreError']);
  });

  it('keeps a change before it is in force, and a new session over the same store finds it', async () => {
    const { store, values } = settings();
    const kept = new KeptPresence({ store, log: () => undefined });
    const change = kept.set('off-duty');
    expect(kept.now()).toBe('available');
    await change;
    expect(kept.now()).toBe('off-duty');
    expect(values.get(PRESENCE_SETTING)).toBe('off-duty');
    const next = new KeptPresence({ store, log: () => undefined });
    await next.loaded();
    expect(next.now()).toBe('off-duty');
  });

  it('a change the store refuses rejects and leaves the presence as it was', async () => {
    const { store, values, failWrites } = settings({ [PRESENCE_SETTING]: 'busy' });
    const kept = new KeptPresence({ store, log: () => undefined });
    failWrites(true);
    await expect(kept.set('available')).rejects.toThrow('disk full');
    expect(kept.now()).toBe('busy');
    expect(values.get(PRESENCE_SETTING)).toBe('busy');
    // Later changes still go through.
    failWrites(false);
    await kept.set('off-duty');
    expect(kept.now()).toBe('off-duty');
  });

  it('quick changes are kept in the order they were made', async () => {
    const { store, values } = settings();
    const kept = new KeptPresence({ store, log: () => undefined });
    await Promise.all([kept.set('busy'), kept.set('off-duty'), kept.set('available'), kept.set('busy')]);
    expect(kept.now()).toBe('busy');
    expect(values.get(PRESENCE_SETTING)).toBe('busy');
  });

  it('announces busy as <show>dnd</show>, off duty as xa, available with no <show>', () => {
    expect(buildPresence('busy').getChildText('show')).toBe('dnd');
    expect(buildPresence('off-duty').getChildText('show')).toBe('xa');
    expect(buildPresence('available').getChild('show')).toBeUndefined();
  });
});

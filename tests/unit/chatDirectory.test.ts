// The directory's presence bookkeeping, with the connection faked (one module).
import { describe, expect, it } from 'vitest';
import { Directory } from '../../electron/core/chat/directory.js';
import { xml } from '../../electron/core/xmpp/index.js';

function directory(): { directory: Directory; changes: () => number } {
  let changes = 0;
  const directory = new Directory({
    iq: async () => xml('iq', { type: 'result' }),
    send: async () => undefined,
    ownBare: 'sam@wardline.test',
    trustedDomains: [],
    changed: () => void (changes += 1),
  });
  return { directory, changes: () => changes };
}

describe('directory presence', () => {
  it('keeps presence for the directory’s people only: a stranger’s flood is not kept or announced', async () => {
    const { directory: dir, changes } = directory();
    await dir.add('ana@wardline.test', 'Dr Ana Lima');
    const before = changes();
    for (let i = 0; i < 1_000; i += 1) dir.handlePresence(xml('presence', { from: `stranger@elsewhere.test/r${i}` }));
    expect(dir.presenceOf('stranger@elsewhere.test')).toBe('offline');
    expect(changes()).toBe(before);

    dir.handlePresence(xml('presence', { from: 'ana@wardline.test/ward-pc' }, xml('show', {}, 'dnd')));
    expect(dir.presenceOf('ana@wardline.test')).toBe('busy');
    dir.handlePresence(xml('presence', { from: 'ana@wardline.test/ward-pc', type: 'unavailable' }));
    expect(dir.presenceOf('ana@wardline.test')).toBe('offline');
  });
});

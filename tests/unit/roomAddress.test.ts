import { describe, expect, it } from 'vitest';
import { roomAddress } from '../../renderer/src/lib/roomAddress.js';

const SERVICE = 'conference.trust.nhs.uk';
const FOUND = { kind: 'found', service: SERVICE } as const;

describe('the address a typed team room name becomes', () => {
  it('puts a short name on the organisation’s room service', () => {
    expect(roomAddress('ward7-nursing', FOUND)).toEqual({ kind: 'address', jid: `ward7-nursing@${SERVICE}`, title: null });
  });

  it('makes a name with capitals and spaces into one address, keeping the words as the title', () => {
    expect(roomAddress('  Ward 7   nursing ', FOUND)).toEqual({ kind: 'address', jid: `ward-7-nursing@${SERVICE}`, title: 'Ward 7   nursing' });
  });

  it('leaves a full address to main, lowercased, on whatever service it names', () => {
    expect(roomAddress('Beds@conference.other.nhs.uk', FOUND)).toEqual({ kind: 'address', jid: 'beds@conference.other.nhs.uk', title: null });
    expect(roomAddress('beds@conference', { kind: 'none' })).toEqual({ kind: 'address', jid: 'beds@conference', title: null });
  });

  it('asks for the full address when the server names no room service', () => {
    expect(roomAddress('ward7-nursing', { kind: 'none' })).toMatchObject({ kind: 'problem', message: expect.stringContaining('does not say where its rooms are') });
  });

  it('says it does not know yet (rather than that there is none) while not connected', () => {
    expect(roomAddress('ward7-nursing', { kind: 'unknown' })).toMatchObject({ kind: 'problem', message: expect.stringContaining('not connected') });
  });

  it('refuses characters an address cannot hold, saying which', () => {
    for (const typed of ['ward7/nursing', 'a:b', 'a<b>', 'bed "4"', 'x&y', "o'neil", 'tab\u0007']) {
      expect(roomAddress(typed, FOUND), typed).toMatchObject({ kind: 'problem', message: expect.stringContaining('cannot hold') });
    }
  });

  it('is empty until something is typed', () => {
    expect(roomAddress('   ', FOUND)).toEqual({ kind: 'empty' });
  });

  it('never makes an address the server would read as another room (its nodeprep folds ß, drops invisible characters)', () => {
    for (const typed of ['Station Fuß', 'ward\u200b7', 'ward\u00ad7', 'Theatre 🏥']) {
      expect(roomAddress(typed, FOUND), typed).toMatchObject({ kind: 'problem', message: expect.stringContaining('cannot hold') });
    }
    expect(roomAddress('ward\u200b7', FOUND)).toMatchObject({ message: expect.stringContaining('U+200B') });
    expect(roomAddress('Station Ärzte', FOUND)).toEqual({ kind: 'address', jid: `station-arzte@${SERVICE}`, title: 'Station Ärzte' });
  });

  it('offers no default title longer than a title may be', () => {
    const long = `Ward ${'x'.repeat(90)}`;
    expect(roomAddress(long, FOUND)).toMatchObject({ kind: 'address', title: null });
  });
});

// The lock screen's name finder (renderer/src/lib/profileFinder.ts).
import { describe, expect, it } from 'vitest';
import { profilesMatching } from '../../renderer/src/lib/profileFinder.js';

const people = [
  { id: 'a', displayName: 'Zoë Brown' },
  { id: 'b', displayName: 'Sam Okafor' },
  { id: 'c', displayName: 'Dr Samira Khan' },
];
const names = (list: { displayName: string }[]) => list.map((p) => p.displayName);

describe('profilesMatching', () => {
  it('finds names containing what was typed, ignoring case and accents', () => {
    expect(names(profilesMatching(people, 'zoe', null))).toEqual(['Zoë Brown']);
    expect(names(profilesMatching(people, ' SAM', null))).toEqual(['Sam Okafor', 'Dr Samira Khan']);
  });

  it('shows everyone for an empty box, and nobody for no match', () => {
    expect(profilesMatching(people, '  ', null)).toHaveLength(3);
    expect(profilesMatching(people, 'xyz', null)).toEqual([]);
  });

  it('keeps the chosen profile in the list whatever is typed', () => {
    expect(names(profilesMatching(people, 'zoe', 'b'))).toEqual(['Zoë Brown', 'Sam Okafor']);
  });
});

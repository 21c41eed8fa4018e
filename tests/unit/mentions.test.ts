import { describe, expect, it } from 'vitest';
import { mentionsYou } from '../../electron/common/mentions.js';

const alice = { handle: 'alice', name: 'Alice Moreno' };

describe('mentionsYou', () => {
  it.each([
    ['@alice can you take bed 12?', 'the handle at the start'],
    ['Bed 12 is free, @alice.', 'the handle before a full stop'],
    ['(@ALICE) please call theatres', 'in capitals, in brackets'],
    ['Alice Moreno: theatres are asking for you', 'the whole display name'],
    ['thanks alice   moreno!', 'the name across extra spaces, in lower case'],
    ['@alice, @bob: huddle at 14:00', 'one of several handles'],
  ])('finds %j (%s)', (body) => {
    expect(mentionsYou(body, alice)).toBe(true);
  });

  it.each([
    ['@alicea is on nights', 'a longer handle'],
    ['mail alice@trust.nhs.uk', 'an address that contains the handle'],
    ['ask @alice.smith', 'a dotted handle that goes on'],
    ['@alice-marie is in resus', 'a hyphenated handle that goes on'],
    ['Alice is in resus', 'the first name alone'],
    ['Malice Morenos', 'the name inside other words'],
    ['see https://wiki.trust/@alice for the rota', 'a path'],
    ['\u{20000}@alice', 'after a letter outside the basic plane'],
    ['@alice\u{1D400}', 'before a letter outside the basic plane'],
    ['', 'nothing'],
  ])('does not find %j (%s)', (body) => {
    expect(mentionsYou(body, alice)).toBe(false);
  });

  it('is accent-blind both ways', () => {
    expect(mentionsYou('@zoe to bay 3', { handle: 'zoë', name: null })).toBe(true);
    expect(mentionsYou('Zoë Brown, bay 3 please', { handle: null, name: 'Zoe Brown' })).toBe(true);
  });

  it('ignores a missing body, an empty or spaced handle, and a one-word name (too many people share it)', () => {
    expect(mentionsYou(null, alice)).toBe(false);
    expect(mentionsYou('@ hello', { handle: '', name: null })).toBe(false);
    expect(mentionsYou('@a b', { handle: 'a b', name: null })).toBe(false);
    expect(mentionsYou('Sam, bay 3 please', { handle: null, name: 'Sam' })).toBe(false);
    expect(mentionsYou('😀@alice 😀', alice)).toBe(true);
  });
});

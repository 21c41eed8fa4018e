import { describe, expect, it } from 'vitest';
import type { DirectoryEntry } from '../../electron/common/contract.js';
import { mentionsYou } from '../../electron/common/mentions.js';
import { insertMention, MAX_SUGGESTIONS, mentionQuery, suggestMentions } from '../../renderer/src/lib/mentionSuggestions.js';

const person = (jid: string, name: string): DirectoryEntry => ({ jid, name, kind: 'person', presence: null });
const directory: DirectoryEntry[] = [
  person('bob@trust.example', 'Dr Bob Reyes'),
  person('a.okafor@trust.example', 'Dr Amara Okafor'),
  person('zoe.b@trust.example', 'Zoë Brown'),
  person('me@trust.example', 'Alice Moreno'),
  { jid: 'beds@rooms.trust.example', name: 'Bed management', kind: 'room', presence: null },
];

describe('mentionQuery', () => {
  it('finds the @word just before the caret', () => {
    expect(mentionQuery('thanks @bo', 10)).toEqual({ start: 7, query: 'bo' });
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQuery('(@a.ok', 6)).toEqual({ start: 1, query: 'a.ok' });
  });

  it('is not fooled by addresses, finished words or a caret elsewhere', () => {
    expect(mentionQuery('mail bob@trust', 14)).toBeNull();
    expect(mentionQuery('@bob can you', 12)).toBeNull();
    expect(mentionQuery('@bob can you', 4)).toEqual({ start: 0, query: 'bob' });
    expect(mentionQuery('no at here', 10)).toBeNull();
  });
});

describe('suggestMentions', () => {
  it('offers people by handle first, then by any word of their name, accent-blind; never rooms or addresses without a person', () => {
    expect(suggestMentions(directory, 'b').map((s) => s.handle)).toEqual(['bob', 'zoe.b']);
    expect(suggestMentions([person('trust.example', 'Trust server')], 't')).toEqual([]);
    expect(suggestMentions(directory, 'oka').map((s) => s.handle)).toEqual(['a.okafor']);
    expect(suggestMentions(directory, 'zoe').map((s) => s.name)).toEqual(['Zoë Brown']);
    expect(suggestMentions(directory, 'bed')).toEqual([]);
    expect(suggestMentions(directory, '').map((s) => s.handle)).toEqual(['me', 'a.okafor', 'bob', 'zoe.b']);
  });

  it('keeps the list short', () => {
    const many = Array.from({ length: 20 }, (_, i) => person(`nurse${i}@trust.example`, `Nurse ${i}`));
    expect(suggestMentions(many, 'nurse')).toHaveLength(MAX_SUGGESTIONS);
  });
});

describe('insertMention', () => {
  it('writes @handle and a space, keeps the rest, and the result mentions that person', () => {
    const text = 'can @bo check bay 2';
    const at = mentionQuery(text, 7)!;
    const out = insertMention(text, at, 7, 'bob');
    expect(out).toEqual({ text: 'can @bob check bay 2', caret: 9 });
    expect(mentionsYou(out.text, { handle: 'bob', name: null })).toBe(true);
    expect(insertMention('@', { start: 0, query: '' }, 1, 'a.okafor')).toEqual({ text: '@a.okafor ', caret: 10 });
  });
});

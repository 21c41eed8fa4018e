import { describe, expect, it } from 'vitest';
import { toFtsQuery } from '../../electron/core/store/searchQuery.js';

describe('toFtsQuery', () => {
  it('quotes each term and makes the last a prefix while typing', () => {
    expect(toFtsQuery('chest pain bed 4')).toBe('"chest" "pain" "bed" "4"');
    expect(toFtsQuery('chest pa')).toBe('"chest" "pa"*');
    expect(toFtsQuery('chest pain ')).toBe('"chest" "pain"');
  });

  it('drops FTS5 syntax so it can never error or change meaning', () => {
    expect(toFtsQuery('"unterminated')).toBe('"unterminated"*');
    expect(toFtsQuery('body:foo OR bar NOT (baz')).toBe('"body" "foo" "OR" "bar" "NOT" "baz"*');
    expect(toFtsQuery('NEAR(a b, 2)')).toBe('"NEAR" "a" "b" "2"');
    expect(toFtsQuery('^*-+"()')).toBeNull();
    expect(toFtsQuery('')).toBeNull();
  });

  it('keeps non-English words and skips one-letter prefixes', () => {
    expect(toFtsQuery('Müller café')).toBe('"Müller" "café"*');
    expect(toFtsQuery('x')).toBe('"x"');
  });

  it('caps the number of terms', () => {
    expect(toFtsQuery(Array(40).fill('word').join(' '))?.split(' ')).toHaveLength(12);
  });
});

/**
 * Turns whatever a person typed into a safe FTS5 query. Only letter and digit
 * runs survive, each as a quoted string, so FTS5 operators, quotes, column
 * filters and stray parentheses can never cause a syntax error or change meaning.
 * Terms are ANDed; the last one is a prefix so results follow typing.
 */
const maxTerms = 12;
const minPrefixLength = 2;

/** What a query asks for: its terms, and whether the last is a prefix (still being typed). */
function searchTerms(input: string): { terms: string[]; lastIsPrefix: boolean } {
  const terms = input.normalize('NFKC').match(/[\p{L}\p{N}]+/gu)?.slice(0, maxTerms) ?? [];
  const last = terms.at(-1);
  return { terms, lastIsPrefix: last !== undefined && !/\s$/u.test(input) && last.length >= minPrefixLength };
}

export function toFtsQuery(input: string): string | null {
  const { terms, lastIsPrefix } = searchTerms(input);
  if (terms.length === 0) return null;
  return terms.map((term, i) => (i === terms.length - 1 && lastIsPrefix ? `"${term}"*` : `"${term}"`)).join(' ');
}

/** Case and accents folded, as the index's tokenizer folds them. */
const fold = (text: string): string => text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

/**
 * Whether a text, read as the index reads it, matches the query: for checking a hit against the
 * text as the person is shown it (NHS numbers masked), not as it is stored.
 */
export function matchesQuery(text: string, input: string): boolean {
  const words: string[] = fold(text).match(/[\p{L}\p{N}]+/gu) ?? [];
  const { terms, lastIsPrefix } = searchTerms(input);
  return terms.every((term, i) => {
    const wanted = fold(term);
    return i === terms.length - 1 && lastIsPrefix ? words.some((word) => word.startsWith(wanted)) : words.includes(wanted);
  });
}

/**
 * Turns whatever a person typed into a safe FTS5 query. Only letter and digit
 * runs survive, each as a quoted string, so FTS5 operators, quotes, column
 * filters and stray parentheses can never cause a syntax error or change meaning.
 * Terms are ANDed; the last one is a prefix so results follow typing.
 */
const maxTerms = 12;
const minPrefixLength = 2;

export function toFtsQuery(input: string): string | null {
  const terms = input.normalize('NFKC').match(/[\p{L}\p{N}]+/gu)?.slice(0, maxTerms) ?? [];
  const last = terms.at(-1);
  if (last === undefined) return null;
  const stillTyping = !/\s$/u.test(input);
  return terms
    .map((term) => (term === last && stillTyping && term.length >= minPrefixLength ? `"${term}"*` : `"${term}"`))
    .join(' ');
}

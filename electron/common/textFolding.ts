/**
 * How names, handles and what people type are compared: lower case, accents off ("zoe" finds
 * "Zoë"), runs of whitespace as one space. Pure common code (mentions, suggestions, Find your name).
 */
export function foldForMatching(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/gu, ' ').trim();
}

/**
 * NHS number detection, used to flag messages that carry a patient identifier (the NHS IM
 * guidance asks us to minimise and flag patient data). A flag, not a filter: a false
 * positive costs a badge, a false negative hides an identifier, so all common spellings
 * are found.
 *
 * An NHS number is 10 digits; the last is a Modulus 11 check digit over the first nine
 * (weights 10 down to 2). A computed check of 11 means 0; a computed check of 10 means the
 * number was never issued. Only ASCII digits are recognised.
 */
export interface NhsNumberMatch {
  /** The ten digits, without separators. */
  digits: string;
  /** UTF-16 offset and length of the match in the text, for highlighting. */
  index: number;
  length: number;
}

/**
 * Ten contiguous digits, or 3-3-4 grouped as people and systems write them: by a space (any
 * width, no-break included, or a tab), or by a hyphen or dash, a dot or a slash with up to two
 * spaces either side ("943 476 5919", "943-476-5919", "943 - 476 - 5919", "943.476.5919",
 * "943/476/5919"). Not touching another digit on either side, so part of a longer run of digits
 * (a phone number) is not taken for one. A digit beyond a mark does not count ("Bay 3/9434765919",
 * "9434765919/4010232137" are two matches' worth of context, not one longer number): a missed
 * identifier on a shared screen is worse than a false alarm.
 */
const SPACE = String.raw`[ \t\u00A0\u2002-\u200A\u202F]`;
const MARK = String.raw`[\-\u2010-\u2014./]`;
const SEPARATOR = String.raw`(?:${SPACE}{0,2}${MARK}${SPACE}{0,2}|${SPACE})`;
const SHAPE = String.raw`(?:\d{10}|\d{3}${SEPARATOR}\d{3}${SEPARATOR}\d{4})`;
const CANDIDATE = new RegExp(String.raw`(?<!\d)${SHAPE}(?!\d)`, 'g');
const EXACT = new RegExp(`^${SHAPE}$`);
const SEPARATORS = new RegExp(`${SPACE}|${MARK}`, 'g');

/** The Modulus 11 check digit for nine digits, or null when the prefix has none (remainder gives 10). */
export function nhsCheckDigit(firstNine: string): number | null {
  if (!/^\d{9}$/.test(firstNine)) return null;
  let sum = 0;
  for (let i = 0; i < 9; i += 1) sum += Number(firstNine[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  return check === 10 ? null : check;
}

/** True for ten digits, contiguous or grouped 3-3-4, with a valid check digit. */
export function isValidNhsNumber(candidate: string): boolean {
  if (!EXACT.test(candidate)) return false;
  const digits = candidate.replace(SEPARATORS, '');
  return nhsCheckDigit(digits.slice(0, 9)) === Number(digits[9]);
}

/**
 * Characters with no visible form of their own: every format character (Cf: zero-width space,
 * joiners, word joiner, soft hyphen, BOM, bidi controls, tags...) and the other default-ignorable
 * code points (variation selectors, combining grapheme joiner, Hangul fillers). Hidden inside a
 * number they must not hide it, so matching runs on the text without them.
 */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;

/**
 * The text without invisible characters, and for each of its UTF-16 units the index of the
 * same unit in `text` (plus one entry for the end), so matches map back for highlighting and masking.
 */
function visibleText(text: string): { visible: string; origin: number[] } {
  let visible = '';
  const origin: number[] = [];
  let index = 0;
  for (const point of text) {
    if (!INVISIBLE.test(point)) {
      visible += point;
      for (let unit = 0; unit < point.length; unit += 1) origin.push(index + unit);
    }
    index += point.length;
  }
  origin.push(text.length);
  return { visible, origin };
}

/**
 * Every valid NHS number in the text, including one with invisible characters inside it
 * ("943<ZWSP>476<ZWSP>5919"). `index` and `length` cover the number in `text` as given,
 * invisible characters inside it included.
 */
export function findNhsNumbers(text: string): NhsNumberMatch[] {
  const matches: NhsNumberMatch[] = [];
  // Fast path, and the common case: nothing invisible to skip.
  const { visible, origin } = INVISIBLE.test(text) ? visibleText(text) : { visible: text, origin: null };
  for (const match of visible.matchAll(CANDIDATE)) {
    const digits = match[0].replace(SEPARATORS, '');
    if (!isValidNhsNumber(digits)) continue;
    if (origin === null) {
      matches.push({ digits, index: match.index, length: match[0].length });
    } else {
      // The match ends on an ASCII digit (one unit), so its end is one past that digit's origin.
      const start = origin[match.index] as number;
      const end = (origin[match.index + match[0].length - 1] as number) + 1;
      matches.push({ digits, index: start, length: end - start });
    }
  }
  return matches;
}

/** Does the text carry at least one valid NHS number? Sets the message's patient-identifier flag. */
export function containsNhsNumber(text: string): boolean {
  return findNhsNumbers(text).length > 0;
}

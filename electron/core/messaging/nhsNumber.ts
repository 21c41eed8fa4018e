/**
 * NHS number detection, used to flag messages that carry a patient identifier (the NHS IM
 * guidance asks us to minimise and flag patient data). A flag, not a filter: a false
 * positive costs a badge, a false negative hides an identifier, so all common spellings
 * are found.
 *
 * An NHS number is 10 digits; the last is a Modulus 11 check digit over the first nine
 * (weights 10 down to 2). A computed check of 11 means 0; a computed check of 10 means the
 * number was never issued. Digits of any script count (a number typed in fullwidth digits is
 * still the patient's), as do look-alike spaces and separators.
 */
export interface NhsNumberMatch {
  /** The ten digits, without separators. */
  digits: string;
  /** UTF-16 offset and length of the match in the text, for highlighting. */
  index: number;
  length: number;
}

/**
 * Ten contiguous digits, or 3-3-4 grouped as people and systems write them: by one to three spaces
 * (any width, no-break included, or tabs), or by a hyphen or dash, a dot or a slash with up to two
 * spaces either side ("943 476 5919", "943-476-5919", "943 - 476 - 5919", "943.476.5919",
 * "943/476/5919"). Not touching another digit on either side, so part of a longer run of digits
 * (a phone number) is not taken for one. A digit beyond a mark does not count ("Bay 3/9434765919",
 * "9434765919/4010232137" are two matches' worth of context, not one longer number): a missed
 * identifier on a shared screen is worse than a false alarm.
 */
// A line break too: a number wrapped or pasted over two lines reads as one (and a screen that collapses white space shows it on one).
const SPACE = String.raw`[ \t\n\r\u00A0\u2002-\u200A\u202F]`;
const MARK = String.raw`[\-\u2010-\u2014./]`;
// Up to three spaces alone: a screen that collapses spaces (the control-room display) shows "943  476" as "943 476".
const SEPARATOR = String.raw`(?:${SPACE}{0,2}${MARK}${SPACE}{0,2}|${SPACE}{1,3})`;
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
 * code points (variation selectors, combining grapheme joiner, Hangul fillers); and combining marks
 * (M: an underline, overline or dot on a digit, the keycap around 9️⃣), which leave the digit as
 * readable as before. Inside a number none may hide it, so matching runs on the text without them.
 */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}\p{M}]/u;
/** Anything asRead changes: an invisible character or mark, a look-alike mark, a non-ASCII space or digit. */
const NEEDS_READING = /[\p{Cf}\p{Default_Ignorable_Code_Point}\p{M}\p{No}\u2015\u2212\uFE58\uFE63\uFF0D\uFF0E\uFE52\uFF0F\u2215\u2044]|(?![ 0-9])[\p{Zs}\p{Nd}]/u;
/** Other digit forms (circled ①, superscript ², subscript ₂...): read as the single digit NFKC gives, if it gives one. */
const OTHER_NUMBER = /^\p{No}$/u;
/**
 * Circled digits NFKC leaves alone, as runs of one to nine (the tenth of each run is "10"): dingbat
 * negative ❶, sans-serif ➀, negative sans-serif ➊, double-circled ⓵; and the negative circled zero ⓿.
 */
const UNDECOMPOSED_CIRCLED_ONE = [0x2776, 0x2780, 0x278a, 0x24f5] as const;
const NEGATIVE_CIRCLED_ZERO = 0x24ff;

function circledDigit(point: number): string | null {
  if (point === NEGATIVE_CIRCLED_ZERO) return '0';
  for (const one of UNDECOMPOSED_CIRCLED_ONE) if (point >= one && point < one + 9) return String(point - one + 1);
  return null;
}
/** Decimal digits of any script (fullwidth ０-９, Arabic-Indic, Devanagari, mathematical bold...). */
const ANY_DIGIT = /^\p{Nd}$/u;
/** Any space separator (ideographic, medium mathematical, Ogham...): read as a space. */
const ANY_SPACE = /^\p{Zs}$/u;
/** Hyphen, dot and slash look-alikes outside MARK (minus sign, small and fullwidth forms, division and fraction slashes). */
const MARK_LOOKALIKES: Readonly<Record<string, string>> = {
  '\u2015': '-', '\u2212': '-', '\uFE58': '-', '\uFE63': '-', '\uFF0D': '-',
  '\uFF0E': '.', '\uFE52': '.',
  '\uFF0F': '/', '\u2215': '/', '\u2044': '/',
};

/**
 * The value of a decimal digit of any script. Unicode encodes every script's digits as one run
 * of ten, 0 to 9, and runs that touch (mathematical digits: five runs) each start at 0.
 */
function digitValue(point: number): number {
  let start = point;
  while (ANY_DIGIT.test(String.fromCodePoint(start - 1))) start -= 1;
  return (point - start) % 10;
}

/**
 * How a person reads one code point when it sits in a number: '' for an invisible one, an ASCII
 * digit for any script's digit, ' ' for any space, the ASCII mark for a look-alike; else itself.
 */
function asRead(point: string): string {
  if (INVISIBLE.test(point)) return '';
  if (point.length === 1 && point <= '\x7F') return point;
  if (ANY_DIGIT.test(point)) return String(digitValue(point.codePointAt(0) as number));
  if (OTHER_NUMBER.test(point)) {
    const compatible = point.normalize('NFKC');
    if (/^[0-9]$/.test(compatible)) return compatible;
    const circled = circledDigit(point.codePointAt(0) as number);
    if (circled !== null) return circled;
  }
  if (ANY_SPACE.test(point)) return ' ';
  return MARK_LOOKALIKES[point] ?? point;
}

/**
 * The text as a person reads it (see asRead), and for each of its UTF-16 units the index in `text`
 * of the code point it came from (plus one entry for the end), so matches map back for
 * highlighting and masking.
 */
function readableText(text: string): { readable: string; origin: number[] } {
  let readable = '';
  const origin: number[] = [];
  let index = 0;
  for (const point of text) {
    const read = asRead(point);
    readable += read;
    for (let unit = 0; unit < read.length; unit += 1) origin.push(index);
    index += point.length;
  }
  origin.push(text.length);
  return { readable, origin };
}

/**
 * Every valid NHS number in the text, including one with invisible characters inside it
 * ("943<ZWSP>476<ZWSP>5919") or written in another script's digits or with look-alike separators
 * ("９４３ ４７６ ５９１９"). `index` and `length` cover the number in `text` as given.
 */
export function findNhsNumbers(text: string): NhsNumberMatch[] {
  const matches: NhsNumberMatch[] = [];
  // Fast path, and the common case (any language): nothing that reads differently from how it is written.
  const { readable, origin } = NEEDS_READING.test(text) ? readableText(text) : { readable: text, origin: null };
  for (const match of readable.matchAll(CANDIDATE)) {
    const digits = match[0].replace(SEPARATORS, '');
    if (!isValidNhsNumber(digits)) continue;
    if (origin === null) {
      matches.push({ digits, index: match.index, length: match[0].length });
    } else {
      // The match ends on a digit: one code point of the text as given, one or two UTF-16 units.
      const start = origin[match.index] as number;
      const last = origin[match.index + match[0].length - 1] as number;
      const end = last + ((text.codePointAt(last) as number) > 0xffff ? 2 : 1);
      matches.push({ digits, index: start, length: end - start });
    }
  }
  return matches;
}

/** Does the text carry at least one valid NHS number? Sets the message's patient-identifier flag. */
export function containsNhsNumber(text: string): boolean {
  return findNhsNumbers(text).length > 0;
}

/**
 * Characters either side of a cut searched for a number across it: longer than any spelling of one.
 * Counted as read (see asRead): marks and invisible characters inside a number do not count, so
 * a number written with many of them is still seen whole.
 */
const CUT_WINDOW = 64;

/** The index CUT_WINDOW read characters from `index` (back when `step` is -1), past any that read as nothing. */
function windowEdge(text: string, index: number, step: 1 | -1): number {
  let at = index;
  let counted = 0;
  while (counted < CUT_WINDOW && (step < 0 ? at > 0 : at < text.length)) {
    let point: string;
    if (step < 0) {
      const low = text.charCodeAt(at - 1);
      const high = at >= 2 ? text.charCodeAt(at - 2) : 0;
      const pair = low >= 0xdc00 && low <= 0xdfff && high >= 0xd800 && high <= 0xdbff;
      point = text.slice(at - (pair ? 2 : 1), at);
      at -= point.length;
    } else {
      point = String.fromCodePoint(text.codePointAt(at) as number);
      at += point.length;
    }
    if (!INVISIBLE.test(point)) counted += 1;
  }
  return at;
}

/**
 * Where text cut at UTF-16 index `cut` should end instead so that no NHS number is cut in two: the
 * start of a valid number the cut falls inside, else `cut`. A fragment is not recognised as a
 * number, so masking and the identifier flag miss it, yet its first nine digits and the check-digit
 * rule give the whole number away.
 */
export function cutOutsideNhsNumber(text: string, cut: number): number {
  const from = windowEdge(text, cut, -1);
  for (const match of findNhsNumbers(text.slice(from, windowEdge(text, cut, 1)))) {
    const start = from + match.index;
    if (start < cut && cut < start + match.length) return start;
  }
  return cut;
}

/**
 * What a number may be made of (digits of any form, spaces, separators and their look-alikes, and
 * the invisible characters and marks findNhsNumbers reads through): a text that was cut where the
 * rest is unknown (a stored preview) loses a trailing run of these holding a digit.
 */
const NUMBER_TAIL = /[\p{N}\p{Z}\s\p{M}\p{Cf}\p{Default_Ignorable_Code_Point}\-\u2010-\u2015\u2212\uFE58\uFE63\uFF0D.\uFF0E\uFE52/\uFF0F\u2215\u2044]+$/u;

/** `text` without a trailing run of number characters holding a digit (see NUMBER_TAIL). */
export function withoutTrailingNumber(text: string): string {
  const tail = NUMBER_TAIL.exec(text);
  return tail !== null && /\p{N}/u.test(tail[0]) ? text.slice(0, tail.index) : text;
}

/**
 * Body safety policy: what text from the network (or the composer) may reach the screen,
 * the store and the record. Pure, so it is tested exhaustively and applied identically on
 * receive and send.
 *
 * - Newlines: CRLF, lone CR, NEL, U+2028 and U+2029 all become \n, so one line break means
 *   one thing everywhere (display, search, EPR paste).
 * - Control characters (C0 except \t and \n, DEL, C1) are removed: they have no visible form
 *   and can confuse terminals, logs and the EPR.
 * - Bidi controls are removed: embeddings and overrides (U+202A–U+202E), isolates
 *   (U+2066–U+2069) *and* the invisible marks LRM, RLM and ALM (U+200E, U+200F, U+061C).
 *   Marks are kept by many apps for mixed-direction text, but they are strong characters
 *   that reorder neighbouring digits: "RLM 12 RLM 34" displays as "34 12". In a clinical
 *   message a swapped dose or bed number is worse than a misplaced full stop in mixed
 *   Arabic/English text, and the renderer already isolates each message (dir="auto").
 * - Every other format character (general category Cf) is removed too: zero-width space,
 *   word joiner and invisible operators (U+200B, U+2060–U+2064), soft hyphen (U+00AD),
 *   Mongolian vowel separator (U+180E), BOM (U+FEFF), deprecated format controls
 *   (U+206A–U+206F), interlinear annotation (U+FFF9–U+FFFB), tag characters
 *   (U+E0000–U+E007F) and the rest. Hidden between digits they make "943<ZWSP>476<ZWSP>5919"
 *   look like an NHS number while no longer reading as one.
 *   Two exceptions, both visible in effect:
 *   - ZWJ/ZWNJ (U+200D, U+200C) stay where they join: after a letter, mark or pictograph (or
 *     an emoji skin-tone modifier) and before a letter, mark or pictograph. Emoji sequences
 *     (👩‍⚕️) and scripts such as Arabic, Persian and the Indic ones need them; anywhere else
 *     (between digits, at an edge, next to punctuation) they go.
 *   - Tag characters stay inside a well-formed emoji subdivision flag (🏴 + 3–6 lower-case
 *     letter/digit tags + CANCEL TAG: England, Scotland, Wales), which is one visible flag.
 * - Lone surrogates become U+FFFD, so the text is well-formed UTF-16 for the store and IPC.
 * - Over the limit, text is cut at a grapheme boundary (never inside a surrogate pair or an
 *   emoji sequence, nor inside a number: an NHS number's first nine digits give away the tenth) and
 *   a visible marker says how much was removed.
 * - HTML and script are just text: the UI renders text, never markup, so nothing is escaped.
 */

import { cutOutsideNhsNumber } from './nhsNumber.js';

/** Default body limit, in characters (Unicode code points). Admin policy may change it. */
export const DEFAULT_BODY_LIMIT = 10_000;

const NEWLINES = /\r\n|[\r\u0085\u2028\u2029]/g;
const LONE_SURROGATE = /\p{Cs}/gu;
/**
 * A subdivision flag (kept whole), or any control or format character. Bidi controls, marks
 * and all other invisible format characters are category Cf; the unassigned U+2065 and tag
 * block code points (U+E0000, U+E0002–U+E001F) are listed too, being invisible wherever assigned.
 * Noncharacters too: U+FFFE and U+FFFF are not XML at all, and a server ends the whole stream
 * over one (the message would then block the outbox at every reconnect).
 */
const INVISIBLE_OR_CONTROL = /\u{1F3F4}[\u{E0061}-\u{E007A}]{2}[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{1,4}\u{E007F}|[\p{Cc}\p{Cf}\p{Noncharacter_Code_Point}\u2065\u{E0000}-\u{E007F}]/gu;
/** What a ZWJ/ZWNJ may follow: a letter, a combining mark (virama, U+FE0F), a pictograph or a skin-tone modifier. */
const JOINS_AFTER = /^[\p{L}\p{M}\p{Extended_Pictographic}\p{Emoji_Modifier}]$/u;
/** What a ZWJ/ZWNJ may precede: a letter, a combining mark or a pictograph. Never a digit. */
const JOINS_BEFORE = /^[\p{L}\p{M}\p{Extended_Pictographic}]$/u;
/** Window searched backwards from the cut for a grapheme boundary. */
const GRAPHEME_WINDOW = 1024;

export interface SanitizedBody {
  text: string;
  truncated: boolean;
  /** Characters (code points) removed by truncation; 0 when not truncated. */
  removedCharacters: number;
}

function assertLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`Body limit must be a positive integer, got ${limit}`);
}

/** The code point ending just before UTF-16 index `index`, or '' at the start. */
function codePointBefore(text: string, index: number): string {
  if (index <= 0) return '';
  const low = text.charCodeAt(index - 1);
  const start = low >= 0xdc00 && low <= 0xdfff && index >= 2 && /[\uD800-\uDBFF]/.test(text[index - 2] ?? '') ? index - 2 : index - 1;
  return text.slice(start, index);
}

/** The code point starting at UTF-16 index `index`, or '' at the end. */
function codePointAt(text: string, index: number): string {
  const point = text.codePointAt(index);
  return point === undefined ? '' : String.fromCodePoint(point);
}

/** A ZWJ/ZWNJ at `index` that joins two letters, marks or pictographs (see the policy above). */
function isJoining(text: string, index: number): boolean {
  return JOINS_AFTER.test(codePointBefore(text, index)) && JOINS_BEFORE.test(codePointAt(text, index + 1));
}

/** Newlines normalised, controls and bidi/invisible formatting removed, surrogates repaired. */
export function neutraliseText(raw: string): string {
  return raw
    .replace(NEWLINES, '\n')
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(INVISIBLE_OR_CONTROL, (ch: string, index: number, text: string) => {
      if (ch === '\t' || ch === '\n' || ch.length > 2) return ch; // tab, newline, a subdivision flag
      if (ch === '\u200C' || ch === '\u200D') return isJoining(text, index) ? ch : '';
      return '';
    });
}

const WHITESPACE_RUN = /\s+/gu;
/** Letters that show as nothing (Hangul fillers, the braille blank): in a name they only disguise it. */
const BLANK_LETTERS = /[\u115F\u1160\u3164\uFFA0\u2800]/gu;
/**
 * What shows nothing without a character to sit on: combining marks and the other default-ignorable
 * code points (combining grapheme joiner, variation selectors, Mongolian free variation selectors,
 * Khmer inherent vowels). Kept in a name (an emoji's U+FE0F, an accent), but a name of only these is none.
 */
const SHOWS_NOTHING_ALONE = /[\p{M}\p{Default_Ignorable_Code_Point}\s]/gu;

/**
 * A name made safe for one line (sender names, notifications, tombstones): control, bidi and
 * invisible formatting characters and blank letters removed, whitespace collapsed, capped at `max`
 * code points with an ellipsis. Null when nothing visible is left.
 */
export function neutraliseName(raw: string | null, max: number): string | null {
  if (raw === null) return null;
  const flat = neutraliseText(raw).replace(BLANK_LETTERS, '').replace(WHITESPACE_RUN, ' ').trim();
  if (flat.replace(SHOWS_NOTHING_ALONE, '') === '') return null;
  const points = Array.from(flat);
  if (points.length <= max) return flat;
  return `${points.slice(0, max - 1).join('').trimEnd()}…`;
}

/** Length as a person (and the composer's counter) counts it: Unicode code points. */
export function countCharacters(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
    }
    count += 1;
  }
  return count;
}

/** UTF-16 index just after the first `codePoints` code points. */
function indexAfterCodePoints(text: string, codePoints: number): number {
  let index = 0;
  for (let seen = 0; seen < codePoints && index < text.length; seen += 1) {
    const unit = text.charCodeAt(index);
    index += unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length ? 2 : 1;
  }
  return index;
}

let segmenter: Intl.Segmenter | undefined;

/** Move `cut` back to the start of the grapheme cluster it falls inside, if any. */
function graphemeCut(text: string, cut: number): number {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let windowStart = Math.max(0, cut - GRAPHEME_WINDOW);
  // Never start the window on the second half of a surrogate pair.
  const first = text.charCodeAt(windowStart);
  if (windowStart > 0 && first >= 0xdc00 && first <= 0xdfff) windowStart -= 1;
  const window = text.slice(windowStart, Math.min(text.length, cut + 64));
  for (const { index, segment } of segmenter.segment(window)) {
    const start = windowStart + index;
    const end = start + segment.length;
    if (start < cut && cut < end) {
      // A cluster reaching back past the window (abusive combining runs) is cut at the code point.
      return start > windowStart || windowStart === 0 ? start : cut;
    }
    if (start >= cut) break;
  }
  return cut;
}

function truncationMarker(removed: number): string {
  return `… [message truncated by Wardline: ${removed.toLocaleString('en-GB')} characters removed]`;
}

/** Make a received body safe to store and show, truncating it beyond `limit` characters. */
export function sanitizeBody(raw: string, limit: number = DEFAULT_BODY_LIMIT): SanitizedBody {
  assertLimit(limit);
  const text = neutraliseText(raw);
  // Fast path: UTF-16 length bounds the code-point count from above.
  if (text.length <= limit) return { text, truncated: false, removedCharacters: 0 };
  const total = countCharacters(text);
  if (total <= limit) return { text, truncated: false, removedCharacters: 0 };

  // Never inside a number: the fragment left would escape NHS-number detection and masking.
  const cut = cutOutsideNhsNumber(text, graphemeCut(text, indexAfterCodePoints(text, limit)));
  const kept = text.slice(0, cut);
  const removed = total - countCharacters(kept);
  return { text: kept + truncationMarker(removed), truncated: true, removedCharacters: removed };
}

export type OutgoingBodyCheck =
  | { ok: true; body: string; length: number }
  | { ok: false; reason: 'empty'; message: string }
  | { ok: false; reason: 'too-long'; message: string; length: number; limit: number };

/**
 * The composer's gate: refuse, with a message a person can act on, rather than silently
 * truncate what a clinician wrote. On success, `body` is the neutralised, trimmed text to send.
 */
export function checkOutgoingBody(text: string, limit: number = DEFAULT_BODY_LIMIT): OutgoingBodyCheck {
  assertLimit(limit);
  const body = neutraliseText(text).trim();
  if (body.length === 0) {
    return { ok: false, reason: 'empty', message: 'There is nothing to send: the message is empty.' };
  }
  const length = countCharacters(body);
  if (length > limit) {
    const format = (n: number): string => n.toLocaleString('en-GB');
    return {
      ok: false,
      reason: 'too-long',
      length,
      limit,
      message:
        `This message is ${format(length)} characters long; the limit is ${format(limit)}. ` +
        `Shorten it by ${format(length - limit)} characters, or send it as more than one message.`,
    };
  }
  return { ok: true, body, length };
}

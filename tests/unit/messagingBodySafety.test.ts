import { describe, expect, it } from 'vitest';
import {
  checkOutgoingBody,
  containsNhsNumber,
  countCharacters,
  DEFAULT_BODY_LIMIT,
  neutraliseName,
  neutraliseText,
  sanitizeBody,
} from '../../electron/core/messaging/index.js';

describe('sanitizeBody', () => {
  it('leaves ordinary clinical text alone', () => {
    const text = 'Bed 4: BP 90/60, please review.\n\tThanks — Müller, Zoë 👩‍⚕️';
    expect(sanitizeBody(text)).toEqual({ text, truncated: false, removedCharacters: 0 });
  });

  it('keeps HTML and script as literal text', () => {
    expect(sanitizeBody('<script>alert(1)</script>').text).toBe('<script>alert(1)</script>');
    expect(sanitizeBody('<img src=x onerror=alert(1)> &amp;').text).toBe('<img src=x onerror=alert(1)> &amp;');
  });

  it('normalises CRLF, lone CR, NEL and Unicode line/paragraph separators to \\n', () => {
    expect(sanitizeBody('a\r\nb\rc\u0085d\u2028e\u2029f').text).toBe('a\nb\nc\nd\ne\nf');
  });

  it('removes C0 and C1 control characters but keeps tab and newline', () => {
    expect(sanitizeBody('a\u0000b\u0007c\u001bd\u007fe\u0080f\u009fg\th\ni').text).toBe('abcdefg\th\ni');
    // An ANSI escape sequence loses its ESC, so it cannot drive a terminal or log viewer.
    expect(sanitizeBody('\u001b[31mred').text).toBe('[31mred');
  });

  it('neutralises bidi overrides, embeddings and isolates so text cannot be reordered', () => {
    // "Give 50mg" disguised with RLO … PDF would display reversed.
    const sneaky = 'Give \u202E05 gm\u202C now';
    expect(sanitizeBody(sneaky).text).toBe('Give 05 gm now');
    for (const control of ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069']) {
      expect(sanitizeBody(`a${control}b`).text).toBe('ab');
    }
  });

  it('removes invisible directional marks too, because they can swap digits', () => {
    // RLM 12 RLM 34 renders as "34 12" in a left-to-right paragraph.
    expect(sanitizeBody('\u200F12 \u200F34').text).toBe('12 34');
    expect(sanitizeBody('a\u200Eb\u061Cc').text).toBe('abc');
  });

  it('removes BOM and other invisible format controls but keeps ZWJ sequences', () => {
    expect(sanitizeBody('\uFEFFhello\u206Aworld\uFFF9x').text).toBe('helloworldx');
    const family = '👨‍👩‍👧';
    expect(sanitizeBody(family).text).toBe(family);
    const nonJoiner = 'می\u200Cخواهم';
    expect(sanitizeBody(nonJoiner).text).toBe(nonJoiner);
  });

  it('removes every invisible format character, so none is left between digits (review finding A)', () => {
    const hidden = ['\u200B', '\u2060', '\u2061', '\u2062', '\u2063', '\u2064', '\u00AD', '\u180E', '\uFEFF', '\u200D', '\u200C'];
    for (let tag = 0xe0000; tag <= 0xe007f; tag += 1) hidden.push(String.fromCodePoint(tag));
    for (const ch of hidden) {
      const label = `U+${ch.codePointAt(0)?.toString(16).toUpperCase()}`;
      // Between digits, and at the edges of a word, where no joiner joins anything.
      expect(sanitizeBody(`NHS 943${ch}476${ch}5919`).text, label).toBe('NHS 9434765919');
      expect(sanitizeBody(`${ch}bed${ch} 4${ch}`).text, label).toBe('bed 4');
      expect(containsNhsNumber(sanitizeBody(`943${ch}476${ch}5919`).text), label).toBe(true);
      const sent = checkOutgoingBody(`re 943${ch}476${ch}5919`);
      expect(sent.ok && sent.body, label).toBe('re 9434765919');
    }
    // Whatever else is category Cf goes too (e.g. Arabic number sign, musical format controls).
    expect(sanitizeBody('1\u06002\u{1D173}3').text).toBe('123');
    // A joiner next to a digit on either side goes; between letters it stays.
    expect(sanitizeBody('a\u200D1 1\u200Da 1\u200C2').text).toBe('a1 1a 12');
  });

  it('keeps ZWJ emoji sequences, joiners in scripts and subdivision flags intact', () => {
    for (const text of [
      '\u{1F469}\u200D\u2695\uFE0F', // 👩‍⚕️ health worker
      '👩🏽‍⚕️', // with a skin-tone modifier before the joiner
      '❤️‍🔥', // joiner after U+FE0F
      '🏳️‍🌈',
      '👨‍👩‍👧',
      'क्\u200Dष', // Devanagari: virama + ZWJ
      'می\u200Cخواهم', // Persian: ZWNJ between letters
      '🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}', // Scotland flag (tag sequence)
    ]) {
      expect(sanitizeBody(`Dr ${text} on call`).text, text).toBe(`Dr ${text} on call`);
    }
    // Tags outside a well-formed flag are hidden text and go, and a broken flag keeps only the flag.
    expect(sanitizeBody('ok\u{E0031}\u{E0032}').text).toBe('ok');
    expect(sanitizeBody('🏴\u{E0067}\u{E007F}!').text).toBe('🏴!');
  });

  it('removes noncharacters: U+FFFE and U+FFFF are not XML, and one ended the whole stream (review finding)', () => {
    expect(sanitizeBody('pasted \uFFFF from EPR\uFFFE \uFDD0bed 4\u{10FFFF}').text).toBe('pasted  from EPR bed 4');
    expect(checkOutgoingBody('\uFFFF\uFFFE')).toMatchObject({ ok: false });
    expect(neutraliseText('Sam Okafor\uFFFE')).toBe('Sam Okafor');
  });

  it('removes blank letters from names (Hangul fillers, the braille blank), which only disguise them', () => {
    expect(neutraliseName('Dr\u3164A\u115F Smith\u2800', 80)).toBe('DrA Smith');
    expect(neutraliseName('\u3164\uFFA0\u2800', 80)).toBeNull();
    // Message text keeps them: only names are shown where a look-alike misleads.
    expect(sanitizeBody('a\u3164b').text).toBe('a\u3164b');
  });

  it('repairs lone surrogates', () => {
    expect(sanitizeBody('a\uD800b\uDC00c').text).toBe('a\uFFFDb\uFFFDc');
    expect(sanitizeBody('😀').text).toBe('😀');
  });

  it('truncates a 12,000-character body with a visible marker', () => {
    const result = sanitizeBody('x'.repeat(12_000));
    expect(result.truncated).toBe(true);
    expect(result.removedCharacters).toBe(2_000);
    expect(result.text).toBe(`${'x'.repeat(10_000)}… [message truncated by Wardline: 2,000 characters removed]`);
  });

  it('does not truncate a body exactly at the limit, counting emoji as one character', () => {
    const atLimit = '😀'.repeat(DEFAULT_BODY_LIMIT);
    expect(atLimit.length).toBe(2 * DEFAULT_BODY_LIMIT);
    expect(sanitizeBody(atLimit)).toMatchObject({ truncated: false });
  });

  it('never splits a surrogate pair at the cut', () => {
    const text = `${'a'.repeat(9_999)}${'😀'.repeat(10)}`;
    const result = sanitizeBody(text);
    expect(result.truncated).toBe(true);
    expect(result.text.startsWith(`${'a'.repeat(9_999)}😀…`)).toBe(true);
    expect(result.removedCharacters).toBe(9);
    expect(/\p{Cs}/u.test(result.text)).toBe(false);
  });

  it('never splits an emoji sequence at the cut', () => {
    const clinician = '👩‍⚕️'; // woman + ZWJ + medical symbol + VS16: four code points
    expect(countCharacters(clinician)).toBe(4);
    const text = `${'a'.repeat(9_998)}${clinician}${'b'.repeat(100)}`;
    const result = sanitizeBody(text);
    expect(result.text.startsWith(`${'a'.repeat(9_998)}…`)).toBe(true);
    expect(result.removedCharacters).toBe(104);
  });

  it('counts characters after neutralising, and honours a custom limit', () => {
    expect(sanitizeBody('\u202Eabcdef', 4)).toMatchObject({ truncated: true, removedCharacters: 2 });
    expect(sanitizeBody('abcd', 4)).toMatchObject({ text: 'abcd', truncated: false });
    expect(() => sanitizeBody('x', 0)).toThrow(RangeError);
  });
});

describe('checkOutgoingBody', () => {
  it('accepts a normal message and returns the neutralised, trimmed text', () => {
    expect(checkOutgoingBody('  Please call bed 4\r\n ')).toEqual({ ok: true, body: 'Please call bed 4', length: 17 });
    expect(checkOutgoingBody('a\u202Eb')).toMatchObject({ ok: true, body: 'ab' });
  });

  it('refuses an empty message, including one that is empty once invisible characters go', () => {
    for (const text of ['', '   ', '\n\t\n', '\u202E\u200F\u0000']) {
      expect(checkOutgoingBody(text)).toMatchObject({ ok: false, reason: 'empty' });
    }
  });

  it('refuses an over-long message with a clear, actionable message', () => {
    const result = checkOutgoingBody('x'.repeat(12_345));
    expect(result).toEqual({
      ok: false,
      reason: 'too-long',
      length: 12_345,
      limit: 10_000,
      message:
        'This message is 12,345 characters long; the limit is 10,000. ' +
        'Shorten it by 2,345 characters, or send it as more than one message.',
    });
    expect(checkOutgoingBody('x'.repeat(10_000))).toMatchObject({ ok: true, length: 10_000 });
    expect(checkOutgoingBody('😀'.repeat(10_000))).toMatchObject({ ok: true, length: 10_000 });
    expect(checkOutgoingBody('abcdef', 5)).toMatchObject({ ok: false, reason: 'too-long', limit: 5 });
  });

  it('treats HTML as text', () => {
    expect(checkOutgoingBody('<b>hi</b>')).toMatchObject({ ok: true, body: '<b>hi</b>' });
  });
});

describe('neutraliseText', () => {
  it('is idempotent', () => {
    const input = 'a\r\n\u202Eb\u0000c\uD800';
    expect(neutraliseText(neutraliseText(input))).toBe(neutraliseText(input));
  });
});

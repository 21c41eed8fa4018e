import { describe, expect, it } from 'vitest';
import {
  containsNhsNumber,
  findNhsNumbers,
  isValidNhsNumber,
  nhsCheckDigit,
} from '../../electron/core/messaging/index.js';
import { maskNhsNumbers } from '../../electron/core/incident/redaction.js';
import { NHS_NUMBER_MASK } from '../../electron/common/nhsNumberMask.js';
import { seededRandom } from '../fixtures/seededRandom.js';

function randomDigits(random: () => number, count: number): string {
  let digits = '';
  for (let i = 0; i < count; i += 1) digits += String(Math.floor(random() * 10));
  return digits;
}

describe('isValidNhsNumber', () => {
  it('accepts a known valid number in each accepted spelling', () => {
    expect(isValidNhsNumber('9434765919')).toBe(true);
    expect(isValidNhsNumber('943 476 5919')).toBe(true);
    expect(isValidNhsNumber('943-476-5919')).toBe(true);
    expect(isValidNhsNumber('943\u00A0476\u00A05919')).toBe(true);
    // Two or three spaces: a display that collapses spaces shows them as one (review finding).
    expect(isValidNhsNumber('943  476  5919')).toBe(true);
    expect(isValidNhsNumber('943 \u00A0476   5919')).toBe(true);
    // As other systems and people write them: dots, slashes, dashes, thin spaces.
    for (const spelling of ['943.476.5919', '943/476/5919', '943\u2013476\u20135919', '943\u2009476\u20095919', '943\u202F476\u202F5919', '943\u2007476\u20075919', '943 - 476 - 5919']) {
      expect(isValidNhsNumber(spelling), spelling).toBe(true);
    }
  });

  it('rejects a wrong check digit, wrong length, wrong grouping and non-digits', () => {
    expect(isValidNhsNumber('9434765918')).toBe(false);
    expect(isValidNhsNumber('943476591')).toBe(false);
    expect(isValidNhsNumber('94347659190')).toBe(false);
    expect(isValidNhsNumber('9434 765 919')).toBe(false);
    expect(isValidNhsNumber('943    476 5919')).toBe(false);
    expect(isValidNhsNumber('94347659I9')).toBe(false);
    expect(isValidNhsNumber(' 9434765919')).toBe(false);
  });

  it('maps a computed check of 11 to 0 and rejects prefixes whose check would be 10', () => {
    expect(nhsCheckDigit('400000002')).toBe(0);
    expect(isValidNhsNumber('4000000020')).toBe(true);
    expect(nhsCheckDigit('100000001')).toBeNull();
    for (let last = 0; last <= 9; last += 1) expect(isValidNhsNumber(`100000001${last}`)).toBe(false);
  });

  it('property: a computed check digit always validates, and any single-digit change invalidates', () => {
    const random = seededRandom(0x5eed);
    let checked = 0;
    while (checked < 2_000) {
      const prefix = randomDigits(random, 9);
      const check = nhsCheckDigit(prefix);
      if (check === null) {
        // No valid number has this prefix.
        for (let last = 0; last <= 9; last += 1) expect(isValidNhsNumber(`${prefix}${last}`)).toBe(false);
        continue;
      }
      const valid = `${prefix}${check}`;
      expect(isValidNhsNumber(valid)).toBe(true);
      expect(isValidNhsNumber(`${valid.slice(0, 3)} ${valid.slice(3, 6)} ${valid.slice(6)}`)).toBe(true);

      // Modulus 11 with distinct weights catches every single-digit substitution.
      const position = Math.floor(random() * 10);
      const original = Number(valid[position]);
      const replacement = (original + 1 + Math.floor(random() * 9)) % 10;
      const mutated = `${valid.slice(0, position)}${replacement}${valid.slice(position + 1)}`;
      expect(mutated).not.toBe(valid);
      expect(isValidNhsNumber(mutated), `${valid} → ${mutated}`).toBe(false);
      checked += 1;
    }
  });

  it('property: agrees with the Modulus 11 definition, written out independently, on 20,000 random numbers', { timeout: 30_000 }, () => {
    // NHS Data Dictionary: multiply digits 1-9 by weights 10..2, sum, take the remainder mod 11,
    // subtract from 11; 11 → 0; 10 → the number is invalid; the result must equal digit 10.
    const byDefinition = (digits: string): boolean => {
      const sum = [...digits.slice(0, 9)].reduce((total, digit, i) => total + Number(digit) * (10 - i), 0);
      const check = 11 - (sum % 11);
      if (check === 10) return false;
      return (check === 11 ? 0 : check) === Number(digits[9]);
    };
    const random = seededRandom(0xa11ce);
    let valid = 0;
    for (let n = 0; n < 20_000; n += 1) {
      const digits = randomDigits(random, 10);
      const expected = byDefinition(digits);
      expect(isValidNhsNumber(digits), digits).toBe(expected);
      expect(isValidNhsNumber(`${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6)}`), digits).toBe(expected);
      if (expected) valid += 1;
    }
    // About one in eleven random numbers is valid: the generator really exercised both outcomes.
    expect(valid).toBeGreaterThan(1_400);
    expect(valid).toBeLessThan(2_300);
  });
});

describe('findNhsNumbers', () => {
  it('finds numbers contiguous, spaced and dashed, with their positions', () => {
    const text = 'Pt 9434765919 and 943 476 5919, also 943-476-5919.';
    expect(findNhsNumbers(text)).toEqual([
      { digits: '9434765919', index: 3, length: 10 },
      { digits: '9434765919', index: 18, length: 12 },
      { digits: '9434765919', index: 37, length: 12 },
    ]);
    expect(findNhsNumbers('ref 943.476.5919; 943/476/5919').map((m) => m.index)).toEqual([4, 18]);
    // A dotted decimal or a date is not a 3-3-4 shape.
    expect(findNhsNumbers('1.5 mg at 25.11.2026, 943.4765.919')).toEqual([]);
    // A bed or bay number before it, or a second number after a mark, does not hide it (review M2).
    expect(findNhsNumbers('bed 12 943 476 5919').map((m) => m.digits)).toEqual(['9434765919']);
    for (const text of ['Bay 3/9434765919', 'Resus 2-943 476 5919', '9434765919/4010232137', '9434765919-4010232137', '943/476/5919/943/476/5919']) {
      expect(findNhsNumbers(text).length, text).toBeGreaterThan(0);
    }
    expect(findNhsNumbers('9434765919/4010232137').map((m) => m.digits)).toEqual(['9434765919', '4010232137']);
    expect(findNhsNumbers('943\t476\t5919 and 943  -  476  -  5919').length).toBe(2);
  });

  it('ignores numbers failing the check, and digits that are part of a longer run', () => {
    expect(findNhsNumbers('9434765918')).toEqual([]);
    expect(findNhsNumbers('19434765919')).toEqual([]);
    expect(findNhsNumbers('94347659190')).toEqual([]);
    expect(findNhsNumbers('tel 0943 476 5919')).toEqual([]);
    expect(findNhsNumbers('943 476 59190')).toEqual([]);
  });

  it('finds numbers next to letters and punctuation', () => {
    expect(findNhsNumbers('NHS:9434765919;')).toHaveLength(1);
    expect(findNhsNumbers('(943 476 5919)')).toHaveLength(1);
    expect(containsNhsNumber('no identifiers, bed 12, 02079460958')).toBe(false);
    expect(containsNhsNumber('re 943 476 5919 please')).toBe(true);
  });

  it('finds a number split by invisible characters, with its position in the text as given (review finding A)', () => {
    const hidden = ['\u200B', '\u2060', '\u2061', '\u2064', '\u00AD', '\u180E', '\uFEFF', '\u200D', '\u200C', '\u202E', '\u{E0020}', '\u{E0039}', '\u{E007F}', '\uFE0F', '\u034F', '\u3164'];
    for (const ch of hidden) {
      const label = `U+${ch.codePointAt(0)?.toString(16).toUpperCase()}`;
      const text = `Pt 943${ch}476${ch}5919 ok`;
      expect(findNhsNumbers(text), label).toEqual([{ digits: '9434765919', index: 3, length: 10 + 2 * ch.length }]);
      expect(containsNhsNumber(`NHS 943 ${ch}476-${ch}5919`), label).toBe(true);
    }
    // Several kinds in one number, and surrounding invisible characters stay outside the match.
    const text = '\u200Bre \u200B9\u200D4\u00AD3\u2060476\u{E0031}5919\u200B.';
    expect(findNhsNumbers(text)).toEqual([{ digits: '9434765919', index: 5, length: 15 }]);
    // Removing them must not make a number out of a longer run either.
    expect(findNhsNumbers('19434765919\u200B')).toEqual([]);
    expect(findNhsNumbers('9434765919\u200B1')).toEqual([]);
  });

  it('finds a number written in another script’s digits or with look-alike separators, with its position as given', () => {
    const scripts: [string, number][] = [
      ['fullwidth', 0xff10],
      ['Arabic-Indic', 0x0660],
      ['extended Arabic-Indic', 0x06f0],
      ['Devanagari', 0x0966],
      ['Bengali', 0x09e6],
      ['mathematical bold', 0x1d7ce],
      ['mathematical double-struck (a run touching the bold one)', 0x1d7d8],
      ['mathematical monospace (the fifth touching run)', 0x1d7f6],
    ];
    for (const [script, zero] of scripts) {
      const write = (ascii: string): string => [...ascii].map((d) => String.fromCodePoint(zero + Number(d))).join('');
      const number = `${write('943')} ${write('476')} ${write('5919')}`;
      expect(findNhsNumbers(`Pt ${number} ok`), script).toEqual([{ digits: '9434765919', index: 3, length: number.length }]);
      expect(maskNhsNumbers(`re ${number} please`), script).toBe(`re ${NHS_NUMBER_MASK} please`);
      // Still part of a longer run when the digit beside it is from another script.
      expect(findNhsNumbers(`${write('1')}9434765919`), script).toEqual([]);
      expect(findNhsNumbers(`${write('943')}${write('476')}${write('5918')}`), script).toEqual([]);
    }
    // Mixed scripts inside one number, and separators people's keyboards and IMEs produce.
    expect(findNhsNumbers('９４３4765919').map((m) => m.digits)).toEqual(['9434765919']);
    for (const separator of ['\u3000', '\u205F', '\u1680', '\u2212', '\uFF0D', '\uFE63', '\uFF0E', '\uFF0F', '\u2215', '\u2044', '\u2015']) {
      const label = `U+${separator.codePointAt(0)?.toString(16).toUpperCase()}`;
      expect(findNhsNumbers(`NHS 943${separator}476${separator}5919.`), label).toEqual([{ digits: '9434765919', index: 4, length: 12 }]);
    }
    // Superscripts, circled and parenthesised digits are symbols (No, not Nd), but a person reads
    // them as digits: so does the check (review finding).
    expect(findNhsNumbers('⁹⁴³⁴⁷⁶⁵⁹¹⁹ ⑨④③④⑦⑥⑤⑨①⑨').map((m) => m.digits)).toEqual(['9434765919', '9434765919']);
    // Circled forms NFKC leaves alone too (dingbat, sans-serif, double-circled), and ⓿.
    const spell = (digits: string, one: number): string => [...digits].map((d) => (d === '0' ? '\u24FF' : String.fromCodePoint(one + Number(d) - 1))).join('');
    for (const one of [0x2776, 0x2780, 0x278a, 0x24f5]) {
      expect(findNhsNumbers(spell('9434765919', one)).map((m) => m.digits), one.toString(16)).toEqual(['9434765919']);
      expect(findNhsNumbers(spell('4000000004', one)).map((m) => m.digits), one.toString(16)).toEqual(['4000000004']);
    }
    // One that means "10" (⑩, ❿) is not a digit.
    expect(findNhsNumbers('⑩434765919')).toEqual([]);
    expect(findNhsNumbers('❿434765919')).toEqual([]);
  });

  it('finds a number whose digits carry combining marks (underline, overline, dot, keycap), and masks all of it (review finding)', () => {
    const every = (mark: string): string => [...'9434765919'].map((d) => d + mark).join('');
    // The match runs from the first digit to the last: a mark after the last digit is outside it.
    for (const [label, written, length] of [
      ['low line U+0332', every('\u0332'), 19],
      ['overline U+0305', every('\u0305'), 19],
      ['keycap 9️⃣', every('\uFE0F\u20E3'), 28],
      ['one dot above', '9\u0307434765919', 11],
    ] as const) {
      expect(findNhsNumbers(`Patient ${written} bed 4`), label).toEqual([{ digits: '9434765919', index: 8, length }]);
      expect(containsNhsNumber(`Patient ${written} bed 4`), label).toBe(true);
      expect(maskNhsNumbers(`re ${written} please`).startsWith(`re ${NHS_NUMBER_MASK}`), label).toBe(true);
    }
    // A mark does not join a number onto a longer run of digits.
    expect(findNhsNumbers('9434765919\u03321')).toEqual([]);
  });

  it('masks a number split by invisible characters', () => {
    for (const ch of ['\u200B', '\u2060', '\u00AD', '\u200D', '\u{E0034}']) {
      expect(maskNhsNumbers(`re 943${ch}476${ch}5919 please`)).toBe(`re ${NHS_NUMBER_MASK} please`);
    }
  });

  it('finds and masks a number whose groups are split by a line break (wrapped, or pasted from a two-line label)', () => {
    for (const text of ['Pt 943 476\n5919 for CT', 'Pt 943\n476 5919', 'Pt 943 476\r\n5919']) {
      expect(findNhsNumbers(text).map((m) => m.digits)).toEqual(['9434765919']);
      expect(maskNhsNumbers(text)).not.toMatch(/5919/);
    }
  });
});

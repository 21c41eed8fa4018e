/**
 * NHS numbers where Wardline cuts text short. A number cut in two is no longer recognised, so
 * neither the identifier flag nor masking (maskPatientIdentifiers) sees the part left, yet its first
 * nine digits give the whole number away: the tenth is the Modulus 11 check digit.
 */
import { describe, expect, it } from 'vitest';
import { maskNhsNumbers } from '../../electron/core/incident/index.js';
import { containsNhsNumber, DEFAULT_BODY_LIMIT, isValidNhsNumber, nhsCheckDigit, sanitizeBody } from '../../electron/core/messaging/index.js';
import { cutOutsideNhsNumber, findNhsNumbers } from '../../electron/core/messaging/nhsNumber.js';
import { toConversationView } from '../../electron/core/session/messageView.js';
import { PREVIEW_CHARACTERS } from '../../electron/core/store/conversationPreview.js';

const NUMBER = '943 476 5919';

it('nine digits of a number give away the tenth', () => {
  expect(isValidNhsNumber(NUMBER)).toBe(true);
  expect(nhsCheckDigit('943476591')).toBe(9);
});

describe('a received body truncated across an NHS number', () => {
  // The cut falls after "943 476 591": nine digits kept.
  const body = `${'x'.repeat(DEFAULT_BODY_LIMIT - 12)} ${NUMBER} and the rest`;

  it('keeps no part of the number before the marker', () => {
    const { text, truncated } = sanitizeBody(body);
    expect(truncated).toBe(true);
    const kept = text.slice(0, text.indexOf('… [message truncated'));
    expect(kept).not.toMatch(/\d/);
    expect(maskNhsNumbers(text).slice(0, text.indexOf('… [message truncated'))).not.toMatch(/\d/);
  });

  it('counts the number among the characters removed', () => {
    const { text, removedCharacters } = sanitizeBody(body);
    expect(removedCharacters).toBe([...body].length - [...text.slice(0, text.indexOf('… [message'))].length);
    expect(text).toContain(`${removedCharacters.toLocaleString('en-GB')} characters removed`);
  });

  it('cuts where it always did when no number is across the cut', () => {
    const plainBody = `${'x'.repeat(DEFAULT_BODY_LIMIT - 12)} bed 4 is free now, thanks`;
    expect(sanitizeBody(plainBody).removedCharacters).toBe(plainBody.length - DEFAULT_BODY_LIMIT);
    const before = sanitizeBody(`${'x'.repeat(DEFAULT_BODY_LIMIT - 20)} ${NUMBER} and the rest of it`);
    expect(containsNhsNumber(before.text)).toBe(true);
    expect(maskNhsNumbers(before.text)).toContain('[NHS no. hidden]');
  });
});

describe('the conversation list preview where identifiers are masked', () => {
  const summary = {
    id: 3,
    jid: 'bed4@conference.trust.example',
    kind: 'room' as const,
    title: 'Bed 4',
    notify: 'all' as const,
    unread: 0,
    urgentUnread: 0,
    undelivered: 0,
    lastActivityAt: null,
    hasDraft: false,
    leftAt: null,
  };
  /** The store's copy of a body for the preview: SQLite substr(body, 1, N) counts characters. */
  const stored = (body: string): string => [...body].slice(0, PREVIEW_CHARACTERS).join('');
  const shown = (body: string, maskIdentifiers: boolean): string =>
    toConversationView({ ...summary, latest: { text: stored(body), fromSelf: false, senderName: 'Dr Okafor' } }, { maskIdentifiers }).preview?.text ?? '';

  // A short line and a run of blank lines (pasted from a record): they collapse to one space, so
  // the number across the store's cut falls well inside what the list shows.
  const lead = 'Pt for Bay C:';
  const across = (kept: number): string => `${lead}${'\n'.repeat(PREVIEW_CHARACTERS - lead.length - kept)}${NUMBER} please review`;

  it('the stored copy cuts the number', () => {
    expect(stored(across(11)).endsWith('943 476 591')).toBe(true);
  });

  it('shows none of its digits', () => {
    for (const kept of [3, 8, 11]) expect(shown(across(kept), true)).not.toMatch(/\d/);
    expect(shown(across(11), true)).toMatch(/^Pt for Bay C:/);
  });

  it('still masks whole numbers and shows the rest', () => {
    expect(shown(`Bed 4 free ${NUMBER} now`, true)).toBe('Bed 4 free [NHS no. hidden] now');
    expect(shown(`${lead}${'\n'.repeat(PREVIEW_CHARACTERS)}and more`, true)).toBe(lead);
  });

  it('is unchanged where identifiers are not masked', () => {
    expect(shown(across(11), false)).toBe('Pt for Bay C: 943 476 591');
  });
});

describe('a cut inside a number written with marks on its digits', () => {
  // Each digit underlined eight times over (U+0332): read as the plain number, but far longer than it.
  const marked = [...NUMBER].map((c) => (c === ' ' ? c : `${c}${'\u0332'.repeat(8)}`)).join('');

  it('moves the cut to the start of the number, however long its spelling', () => {
    const text = `see ${marked} thanks`;
    expect(findNhsNumbers(text)).toHaveLength(1);
    const cut = 4 + marked.indexOf('1'); // after "943 476 59"
    expect(cutOutsideNhsNumber(text, cut)).toBe(4);
  });

  it('keeps no part of it in a received body truncated across it', () => {
    const body = `${'x'.repeat(DEFAULT_BODY_LIMIT - 12)} ${marked} and the rest`;
    const { text } = sanitizeBody(body);
    expect(text.slice(0, text.indexOf('… [message truncated'))).not.toMatch(/\d/);
  });
});

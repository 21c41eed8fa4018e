import { describe, expect, it } from 'vitest';
import { clockTime, clockWithDay, etaWords } from '../../renderer/src/incident/incidentFormat.js';

// November: Europe/London is UTC, so these read the same on any CI clock set to either.
const at = (iso: string): Date => new Date(iso);

describe('a typed call-in or availability time', () => {
  it('is today when it is still to come, or passed within the hour (late, not tomorrow)', () => {
    const now = at('2026-11-27T14:05:00');
    expect(clockTime('16:30', now)).toBe(at('2026-11-27T16:30:00').getTime());
    expect(clockTime('14:00', now)).toBe(at('2026-11-27T14:00:00').getTime());
    expect(clockTime('13:10', now)).toBe(at('2026-11-27T13:10:00').getTime());
  });

  it('is tomorrow when it passed more than an hour ago (at 23:50, "00:30" is tomorrow night)', () => {
    expect(clockTime('00:30', at('2026-11-27T23:50:00'))).toBe(at('2026-11-28T00:30:00').getTime());
    expect(clockTime('09:00', at('2026-11-27T14:05:00'))).toBe(at('2026-11-28T09:00:00').getTime());
  });

  it('refuses what is not a time of day, instead of rolling it over', () => {
    const now = at('2026-11-27T14:05:00');
    for (const typed of ['25:99', '24:00', '12:60', 'half four', '1430', '', '7:5']) expect(clockTime(typed, now), typed).toBeNull();
    expect(clockTime(' 7:05 ', now)).toBe(at('2026-11-28T07:05:00').getTime());
  });
});

describe('a time shown with its day when that is not today', () => {
  const now = at('2026-11-27T14:05:00').getTime();
  it('says tomorrow, yesterday, or the date', () => {
    expect(clockWithDay(at('2026-11-27T23:30:00').getTime(), now)).toBe('23:30');
    expect(clockWithDay(at('2026-11-28T00:30:00').getTime(), now)).toBe('00:30 tomorrow');
    expect(clockWithDay(at('2026-11-26T23:30:00').getTime(), now)).toBe('23:30 yesterday');
    expect(clockWithDay(at('2026-11-30T09:00:00').getTime(), now)).toBe('Mon 30 Nov, 09:00');
  });
});

describe('the wall countdown to an arrival', () => {
  const now = at('2026-11-27T14:05:00').getTime();
  it('counts minutes while near, hours beyond, and names the day when not today', () => {
    expect(etaWords(20, at('2026-11-27T14:25:00').getTime(), now)).toBe('20 min · 14:25');
    expect(etaWords(89, at('2026-11-27T15:34:00').getTime(), now)).toBe('89 min · 15:34');
    expect(etaWords(175, at('2026-11-27T17:00:00').getTime(), now)).toBe('3 h · 17:00');
    expect(etaWords(1075, at('2026-11-28T08:00:00').getTime(), now)).toBe('18 h · 08:00 tomorrow');
  });
});

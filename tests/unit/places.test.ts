import { describe, expect, it } from 'vitest';
import { Places, START } from '../../renderer/src/lib/places.js';

describe('each person’s place in a shared window', () => {
  it('brings each person back to their own place, whoever unlocked in between', () => {
    const places = new Places();
    places.leave('sam', { selectedId: 7, panel: 'conversation', incidentOpen: false });
    places.leave('ana', { selectedId: 2, panel: 'audit', incidentOpen: true });

    expect(places.returnTo('sam')).toEqual({ selectedId: 7, panel: 'conversation', incidentOpen: false });
    expect(places.returnTo('ana')).toEqual({ selectedId: 2, panel: 'audit', incidentOpen: true });
  });

  it('starts a person never seen here (or whose place was taken back) at the beginning', () => {
    const places = new Places();
    expect(places.returnTo('new')).toEqual(START);
    places.leave('sam', { selectedId: 7, panel: 'conversation', incidentOpen: false });
    places.returnTo('sam');
    expect(places.returnTo('sam')).toEqual(START);
  });

  it('keeps a copy: changing the window afterwards does not move a kept place', () => {
    const places = new Places();
    const place = { selectedId: 7, panel: 'conversation' as const, incidentOpen: false };
    places.leave('sam', place);
    place.selectedId = 9;
    expect(places.returnTo('sam').selectedId).toBe(7);
  });

  it('forgets the person away longest once 64 places are kept', () => {
    const places = new Places();
    for (let i = 0; i < 65; i += 1) places.leave(`p${i}`, { selectedId: i, panel: 'conversation', incidentOpen: false });
    // p0 was away longest; leaving again refreshes p1, so p2 goes next.
    places.leave('p1', { selectedId: 100, panel: 'conversation', incidentOpen: false });
    places.leave('p65', { selectedId: 65, panel: 'conversation', incidentOpen: false });
    expect(places.returnTo('p0')).toEqual(START);
    expect(places.returnTo('p2')).toEqual(START);
    expect(places.returnTo('p1').selectedId).toBe(100);
    expect(places.returnTo('p64').selectedId).toBe(64);
  });
});

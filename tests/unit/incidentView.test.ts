// What crosses IPC for the incident: coordinators and displays see every responder, a responder
// only themselves (and no offer counts); NHS numbers in free text are masked on every view.
import { describe, expect, it } from 'vitest';
import { IncidentStateSchema } from '../../electron/common/contract.js';
import { deriveBoard } from '../../electron/core/incident/index.js';
import { toIncidentState } from '../../electron/core/incident/incidentView.js';
import { comeIn, declare, INCIDENT, LEAD, request, response } from './incidentFixtures.js';

const board = deriveBoard(
  [
    declare({ details: 'Patient 943 476 5919 on scene' }),
    request({ note: 'ref 9434765919' }),
    response('amy', { status: 'now', etaMinutes: 15 }),
    response('ben', { status: 'now', etaMinutes: 25 }),
    comeIn('amy'),
  ],
  { incidentId: INCIDENT, declarers: [LEAD] },
);
const me = { name: 'Amy', role: 'ED nurse' };

describe('incident view', () => {
  it('a coordinator sees every responder; the view passes the contract', () => {
    const state = toIncidentState(board, 'coordinator', 'lead@trust.nhs.uk', { unsent: 0, canDeclare: true }, me);
    expect(state.incident?.responders.map((r) => r.jid).sort()).toEqual(['amy@trust.nhs.uk', 'ben@trust.nhs.uk']);
    expect(() => IncidentStateSchema.parse(state)).not.toThrow();
  });

  it('names the declarer as the directory does, and only then', () => {
    const named = toIncidentState(board, 'responder', 'ben@trust.nhs.uk', { unsent: 0, canDeclare: false, nameOf: (jid) => (jid === LEAD ? 'Dr Lena Okoro' : null) }, me);
    expect({ by: named.incident?.declaredBy, name: named.incident?.declaredByName }).toEqual({ by: LEAD, name: 'Dr Lena Okoro' });
    expect(toIncidentState(board, 'responder', 'ben@trust.nhs.uk', { unsent: 0, canDeclare: false }, me).incident?.declaredByName).toBeNull();
  });

  it('a responder sees only their own row and no offer counts', () => {
    const state = toIncidentState(board, 'responder', 'ben@trust.nhs.uk', { unsent: 0, canDeclare: false }, me);
    expect(state.incident?.responders.map((r) => r.jid)).toEqual(['ben@trust.nhs.uk']);
    expect(state.incident?.requests.every((r) => r.lines.every((l) => l.offered === 0))).toBe(true);
  });

  it('masks NHS numbers in free text on every view', () => {
    for (const role of ['coordinator', 'display', 'responder'] as const) {
      const text = JSON.stringify(toIncidentState(board, role, 'amy@trust.nhs.uk', { unsent: 0, canDeclare: false }, me));
      expect(text).not.toMatch(/943 ?476 ?5919/);
      expect(text).toContain('[NHS no. hidden]');
    }
  });
});

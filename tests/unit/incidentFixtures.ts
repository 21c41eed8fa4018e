// Shared fixtures for the incident tests: a declared incident, a request and helpers to mint events.
import type {
  AssignEvent,
  DeclareEvent,
  IncidentEvent,
  RequestEvent,
  ResponseEvent,
  Availability,
} from '../../electron/core/incident/index.js';
import type { XmlElement } from '../../electron/core/xmpp/xml.js';

export const INCIDENT = 'mi-2026-11-25';
export const T0 = Date.UTC(2026, 10, 25, 13, 0, 0);
export const MIN = 60_000;
export const LEAD = 'lead@trust.nhs.uk';
export const COORD = 'coord@trust.nhs.uk';
export const DISPLAY = 'control-room@trust.nhs.uk';
export const ANNOUNCE = 'mi-staff@conference.trust.nhs.uk';
export const COORDINATION = 'mi-coord@conference.trust.nhs.uk';

export function declare(overrides: Partial<DeclareEvent> = {}): DeclareEvent {
  return {
    kind: 'declare',
    incidentId: INCIDENT,
    eventId: 'd-1',
    at: T0,
    exercise: false,
    actor: LEAD,
    name: 'M6 coach crash',
    details: 'M: declared\nE: M6 J10\nT: RTC\nH: fuel\nA: south\nN: 30\nE: 4 ambulances',
    coordinators: [COORD],
    displays: [DISPLAY],
    announcementRoom: ANNOUNCE,
    coordinationRoom: COORDINATION,
    ...overrides,
  };
}

export function request(overrides: Partial<RequestEvent> = {}): RequestEvent {
  return {
    kind: 'request',
    incidentId: INCIDENT,
    eventId: 'r-1',
    at: T0 + 5 * MIN,
    exercise: false,
    actor: LEAD,
    requestId: 'req-1',
    lines: [
      { role: 'ED nurse', count: 2, location: 'ED majors', by: T0 + 60 * MIN },
      { role: 'Anaesthetist', count: 1, location: 'Theatre 3', by: null },
    ],
    replyTo: [LEAD, COORD, DISPLAY],
    note: '',
    ...overrides,
  };
}

export function response(
  who: string,
  availability: Availability,
  overrides: Partial<ResponseEvent> = {},
): ResponseEvent {
  return {
    kind: 'response',
    incidentId: INCIDENT,
    eventId: `resp-${who}-${overrides.at ?? 0}`,
    at: T0 + 10 * MIN,
    exercise: false,
    actor: `${who}@trust.nhs.uk`,
    requestId: 'req-1',
    responder: `${who}@trust.nhs.uk`,
    name: who[0]?.toUpperCase() + who.slice(1),
    role: 'ED nurse',
    availability,
    ...overrides,
  };
}

export function comeIn(who: string, overrides: Partial<AssignEvent> = {}): AssignEvent {
  return {
    kind: 'assign',
    incidentId: INCIDENT,
    eventId: `assign-${who}-${overrides.at ?? 0}`,
    at: T0 + 20 * MIN,
    exercise: false,
    actor: LEAD,
    requestId: 'req-1',
    responder: `${who}@trust.nhs.uk`,
    action: 'come-in',
    location: 'ED majors',
    line: null,
    note: '',
    ...overrides,
  };
}

export function event<K extends IncidentEvent['kind']>(
  kind: K,
  fields: Omit<Extract<IncidentEvent, { kind: K }>, 'kind' | 'incidentId' | 'exercise'> & { exercise?: boolean },
): Extract<IncidentEvent, { kind: K }> {
  return { kind, incidentId: INCIDENT, exercise: false, ...fields } as Extract<IncidentEvent, { kind: K }>;
}

export { seededRandom } from '../fixtures/seededRandom.js';

export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export { parseXml } from '../fixtures/xmlParse.js';
import { parseXml } from '../fixtures/xmlParse.js';

/** Serialise and re-parse, so assertions see what goes on the wire. */
export function wire(element: XmlElement): XmlElement {
  return parseXml(element.toString());
}

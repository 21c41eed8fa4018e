import { describe, expect, it } from 'vitest';
import {
  buildIncidentForm,
  buildIncidentMessage,
  EXERCISE_PREFIX,
  incidentBody,
  incidentDestinations,
  INCIDENT_LIMITS,
  parseIncidentForm,
  parseIncidentStanza,
  type IncidentEvent,
  type IncidentEventDraft,
} from '../../electron/core/incident/index.js';
import { NS } from '../../electron/core/messaging/index.js';
import { xml, type XmlElement } from '../../electron/core/xmpp/xml.js';
import {
  ANNOUNCE,
  comeIn,
  COORD,
  COORDINATION,
  declare,
  DISPLAY,
  event,
  INCIDENT,
  LEAD,
  MIN,
  parseXml,
  request,
  response,
  T0,
  wire,
} from './incidentFixtures.js';

const NURSE = 'nurse@trust.nhs.uk';

/** One of every kind (and every variant of the variant-bearing kinds). */
const samples: IncidentEvent[] = [
  declare(),
  declare({ exercise: true, eventId: 'd-2', displays: [], announcementRoom: null, coordinationRoom: null, details: '' }),
  request({ note: 'Use staff entrance B\nBring ID' }),
  response('nurse', { status: 'now', etaMinutes: 25 }),
  response('nurse', { status: 'from', from: T0 + 90 * MIN }),
  response('nurse', { status: 'unavailable' }),
  comeIn('nurse', { line: 0, note: 'Ask for Sister Jones' }),
  comeIn('nurse', { action: 'standby', location: null }),
  event('standdown', { eventId: 's-1', at: T0, actor: LEAD, requestId: 'req-1', responder: NURSE, reason: 'call-in-ended', note: '' }),
  event('standdown', { eventId: 's-2', at: T0, actor: LEAD, requestId: null, responder: NURSE, reason: 'incident-closed', note: 'Thanks all' }),
  event('ack', { eventId: 'a-1', at: T0, actor: NURSE, requestId: 'req-1', responder: NURSE, directiveId: 'assign-nurse-0' }),
  event('ack', { eventId: 'a-2', at: T0, actor: NURSE, requestId: null, responder: NURSE, directiveId: 's-2' }),
  event('arrive', { eventId: 'v-1', at: T0, actor: NURSE, requestId: 'req-1', responder: NURSE, location: 'ED majors' }),
  event('arrive', { eventId: 'v-2', at: T0, actor: NURSE, requestId: 'req-1', responder: NURSE, location: null }),
  event('close', { eventId: 'c-1', at: T0, actor: LEAD, requestId: 'req-1', note: '' }),
  event('close', { eventId: 'c-2', at: T0, actor: LEAD, requestId: null, note: 'Incident over' }),
];

function draftOf(e: IncidentEvent): IncidentEventDraft {
  const draft: Partial<IncidentEvent> = { ...e };
  delete draft.actor;
  return draft as IncidentEventDraft;
}

/** A form from raw field triples, for hostile input. */
function rawForm(kind: string, fields: [string, string[]][], type = 'result', extra: XmlElement[] = []): XmlElement {
  return xml(
    'x',
    { xmlns: NS.dataForms, type },
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, `urn:wardline:incident:0#${kind}`)),
    ...fields.map(([name, values]) => xml('field', { var: name }, ...values.map((v) => xml('value', {}, v)))),
    ...extra,
  );
}

const common: [string, string[]][] = [
  ['incident-id', [INCIDENT]],
  ['event-id', ['e-1']],
  ['at', ['2026-11-25T13:10:00Z']],
  ['exercise', ['0']],
];
const okResponse: [string, string[]][] = [
  ...common,
  ['request-id', ['req-1']],
  ['responder', [NURSE]],
  ['name', ['Nurse Ng']],
  ['role', ['ED nurse']],
  ['availability', ['now']],
  ['eta-minutes', ['20']],
];
const withField = (fields: [string, string[]][], name: string, values: string[]): [string, string[]][] =>
  fields.map(([n, v]) => (n === name ? [n, values] : [n, v]));

describe('round trip: build → wire → parse', () => {
  it.each(samples.map((s) => [`${s.kind} ${s.eventId}`, s] as const))('%s', (_label, sample) => {
    const form = wire(buildIncidentForm(draftOf(sample)));
    const parsed = parseIncidentForm(form, `${sample.actor}/desk-1`);
    expect(parsed).toEqual({ ok: true, event: sample });
  });

  it('carries request lines as an XEP-0004 reported/item table', () => {
    const form = wire(buildIncidentForm(draftOf(request())));
    expect(form.attrs['type']).toBe('result');
    const reported = form.getChild('reported', NS.dataForms);
    expect(reported?.getChildren('field', NS.dataForms).map((f) => f.attrs['var'])).toEqual(['role', 'count', 'location', 'by']);
    expect(form.getChildren('item', NS.dataForms)).toHaveLength(2);
  });

  it('whole messages parse back, with body fallback, store hint and urgency', () => {
    const message = wire(
      buildIncidentMessage({ to: ANNOUNCE, type: 'groupchat', id: 'm-1', event: draftOf(request({ exercise: true })) }),
    );
    expect(message.attrs).toMatchObject({ to: ANNOUNCE, type: 'groupchat', id: 'm-1' });
    const body = message.getChildText('body') ?? '';
    expect(body.startsWith(EXERCISE_PREFIX)).toBe(true);
    expect(body).toContain('CALL-IN REQUEST');
    expect(body).toContain('2 × ED nurse → ED majors by 14:00'); // 14:00 GMT on 25 Nov
    expect(message.getChild('store', NS.hints)).toBeDefined();
    expect(message.getChild('urgent', NS.urgency)).toBeDefined();
    expect(message.getChild('request', NS.receipts)).toBeUndefined();
    const parsed = parseIncidentStanza(message, LEAD);
    expect(parsed.ok && parsed.event.kind).toBe('request');
  });

  it('1:1 messages ask for receipts and are not urgent unless they call someone in', () => {
    const ack = wire(buildIncidentMessage({ to: LEAD, type: 'chat', id: 'm-2', event: draftOf(samples[10] as IncidentEvent) }));
    expect(ack.getChild('request', NS.receipts)).toBeDefined();
    expect(ack.getChild('urgent', NS.urgency)).toBeUndefined();
    const call = wire(buildIncidentMessage({ to: NURSE, type: 'chat', id: 'm-3', event: draftOf(comeIn('nurse')) }));
    expect(call.getChild('urgent', NS.urgency)).toBeDefined();
    expect(call.getChildText('body')).toBe('Please come in: report to ED majors. Please acknowledge.');
  });

  it('every exercise body starts with EXERCISE and no live body does', () => {
    for (const sample of samples) {
      expect(incidentBody(draftOf({ ...sample, exercise: true })).startsWith('EXERCISE — ')).toBe(true);
      expect(incidentBody(draftOf({ ...sample, exercise: false })).includes('EXERCISE')).toBe(false);
    }
  });

  it('builders refuse drafts the parser would refuse', () => {
    expect(() => buildIncidentForm(draftOf(comeIn('nurse', { location: null })))).toThrow(/location/);
    expect(() => buildIncidentForm(draftOf(request({ lines: [] })))).toThrow(/item/);
    expect(() => buildIncidentForm(draftOf(request({ replyTo: [] })))).toThrow(/reply-to/);
    expect(() => buildIncidentForm(draftOf(declare({ eventId: 'has space' })))).toThrow(/invalid-id/);
    expect(() =>
      buildIncidentMessage({ to: 'room@conf/nick', type: 'groupchat', id: 'm', event: draftOf(declare()) }),
    ).toThrow(/bare JID/);
  });
});

describe('hostile and malformed forms are refused with a reason', () => {
  const parse = (form: XmlElement) => parseIncidentForm(form, NURSE);

  it('accepts the well-formed baseline', () => {
    expect(parse(rawForm('response', okResponse)).ok).toBe(true);
  });

  it.each([
    ['negative ETA', withField(okResponse, 'eta-minutes', ['-5']), 'invalid-number'],
    ['fractional ETA', withField(okResponse, 'eta-minutes', ['2.5']), 'invalid-number'],
    ['exponent ETA', withField(okResponse, 'eta-minutes', ['1e3']), 'invalid-number'],
    ['huge ETA', withField(okResponse, 'eta-minutes', ['99999']), 'invalid-number'],
    ['spaced ETA', withField(okResponse, 'eta-minutes', [' 20']), 'invalid-number'],
    ['missing ETA', okResponse.filter(([n]) => n !== 'eta-minutes'), 'missing-field'],
    ['unknown availability', withField(okResponse, 'availability', ['maybe']), 'invalid-choice'],
    ['bad time', withField(okResponse, 'at', ['yesterday']), 'invalid-time'],
    ['absurd year', withField(okResponse, 'at', ['1970-01-01T00:00:00Z']), 'invalid-time'],
    ['bad boolean', withField(okResponse, 'exercise', ['yes']), 'invalid-boolean'],
    ['bad JID', withField(okResponse, 'responder', ['not a jid@']), 'invalid-jid'],
    ['full JID', withField(okResponse, 'responder', [`${NURSE}/laptop`]), 'invalid-jid'],
    ['control chars in id', withField(okResponse, 'event-id', ['e\u00001']), 'invalid-id'],
    ['two values in a single field', withField(okResponse, 'role', ['a', 'b']), 'too-many-values'],
    ['overlong name', withField(okResponse, 'name', ['x'.repeat(INCIDENT_LIMITS.personName + 1)]), 'text-too-long'],
    ['enormous name', withField(okResponse, 'name', ['x'.repeat(1_000_000)]), 'text-too-long'],
    ['invisible-only role', withField(okResponse, 'role', ['\u200e\u202e']), 'invalid-text'],
    ['duplicate field', [...okResponse, ['role', ['Doctor']] as [string, string[]]], 'duplicate-field'],
  ])('%s', (_label, fields, reason) => {
    const result = parse(rawForm('response', fields));
    expect(result).toMatchObject({ ok: false, reason });
  });

  it('refuses unknown kinds, wrong form types and non-incident forms', () => {
    expect(parse(rawForm('explode', okResponse))).toMatchObject({ ok: false, reason: 'unknown-kind' });
    expect(parse(rawForm('response', okResponse, 'form'))).toMatchObject({ ok: false, reason: 'wrong-form-type' });
    const other = xml('x', { xmlns: NS.dataForms, type: 'result' }, xml('field', { var: 'FORM_TYPE' }, xml('value', {}, 'urn:xmpp:mam:2')));
    expect(parse(other)).toMatchObject({ ok: false, reason: 'not-incident' });
  });

  it('caps the number of fields, values and request lines', () => {
    const many: [string, string[]][] = Array.from({ length: INCIDENT_LIMITS.fields + 1 }, (_, i) => [`junk-${i}`, ['x']]);
    expect(parse(rawForm('response', [...okResponse, ...many]))).toMatchObject({ ok: false, reason: 'too-many-fields' });
    const replyTo = Array.from({ length: INCIDENT_LIMITS.values + 1 }, (_, i) => `c${i}@trust.nhs.uk`);
    const makeItem = () =>
      xml(
        'item',
        {},
        xml('field', { var: 'role' }, xml('value', {}, 'Nurse')),
        xml('field', { var: 'count' }, xml('value', {}, '1')),
        xml('field', { var: 'location' }, xml('value', {}, 'ED')),
      );
    const item = makeItem();
    const requestFields: [string, string[]][] = [...common, ['request-id', ['req-9']], ['reply-to', replyTo]];
    expect(parse(rawForm('request', requestFields, 'result', [item]))).toMatchObject({ ok: false, reason: 'too-many-values' });
    const items = Array.from({ length: INCIDENT_LIMITS.lines + 1 }, makeItem);
    expect(parse(rawForm('request', withField(requestFields, 'reply-to', [LEAD]), 'result', items))).toMatchObject({
      ok: false,
      reason: 'too-many-lines',
    });
  });

  it('refuses a request line with a zero or non-numeric count', () => {
    const line = (count: string) =>
      xml(
        'item',
        {},
        xml('field', { var: 'role' }, xml('value', {}, 'Nurse')),
        xml('field', { var: 'count' }, xml('value', {}, count)),
        xml('field', { var: 'location' }, xml('value', {}, 'ED')),
      );
    const fields: [string, string[]][] = [...common, ['request-id', ['req-9']], ['reply-to', [LEAD]]];
    expect(parse(rawForm('request', fields, 'result', [line('0')]))).toMatchObject({ ok: false, reason: 'invalid-number', field: 'count' });
    expect(parse(rawForm('request', fields, 'result', [line('two')]))).toMatchObject({ ok: false, reason: 'invalid-number' });
    expect(parse(rawForm('request', fields, 'result', [line('3')])).ok).toBe(true);
  });

  it('neutralises text: bidi controls go, newlines in single-line fields fold to spaces', () => {
    const result = parse(rawForm('response', withField(okResponse, 'name', ['Dr\u202e Evil\r\nSmith\u0007'])));
    expect(result.ok && result.event.kind === 'response' && result.event.name).toBe('Dr Evil Smith');
  });

  it('a come-in without a location is refused; a standby without one is fine', () => {
    const assign: [string, string[]][] = [...common, ['request-id', ['req-1']], ['responder', [NURSE]], ['action', ['come-in']]];
    expect(parse(rawForm('assign', assign))).toMatchObject({ ok: false, reason: 'missing-field', field: 'location' });
    expect(parse(rawForm('assign', withField(assign, 'action', ['standby']))).ok).toBe(true);
  });

  it('stanzas: needs exactly one incident form, in a message', () => {
    const form = buildIncidentForm(draftOf(declare()));
    const again = () => buildIncidentForm(draftOf(declare()));
    const message = (...children: XmlElement[]) => xml('message', { type: 'chat', from: LEAD }, ...children);
    expect(parseIncidentStanza(message(xml('body', {}, 'hi')), LEAD)).toMatchObject({ ok: false, reason: 'not-incident' });
    expect(parseIncidentStanza(message(form, again()), LEAD)).toMatchObject({ ok: false, reason: 'several-forms' });
    expect(parseIncidentStanza(xml('iq', { type: 'set' }, again()), LEAD)).toMatchObject({ ok: false, reason: 'not-a-message' });
    expect(() => parseIncidentStanza(message(again()), 'not a jid')).toThrow(RangeError);
  });

  it('the actor comes from the transport, never the form', () => {
    const parsed = parseIncidentStanza(
      parseXml(`<message from='${ANNOUNCE}/Lead'>${buildIncidentForm(draftOf(declare())).toString()}</message>`),
      'Someone.Else@Trust.NHS.uk/desk',
    );
    expect(parsed.ok && parsed.event.actor).toBe('someone.else@trust.nhs.uk');
  });
});

describe('routing', () => {
  const routes = {
    self: LEAD,
    coordinators: [LEAD, COORD],
    displays: [DISPLAY],
    announcementRoom: ANNOUNCE,
    coordinationRoom: COORDINATION,
    replyTo: [LEAD, COORD, DISPLAY],
  };

  it('declare, request and close: both rooms, and 1:1 to the other coordinators and displays', () => {
    for (const sample of [declare(), request(), samples[14] as IncidentEvent]) {
      expect(incidentDestinations(draftOf(sample), routes)).toEqual([
        { to: ANNOUNCE, type: 'groupchat' },
        { to: COORDINATION, type: 'groupchat' },
        { to: COORD, type: 'chat' },
        { to: DISPLAY, type: 'chat' },
      ]);
    }
  });

  it('response, ack and arrive: only the reply-to list, never a room', () => {
    const nurseRoutes = { ...routes, self: NURSE };
    expect(incidentDestinations(draftOf(response('nurse', { status: 'unavailable' })), nurseRoutes)).toEqual([
      { to: LEAD, type: 'chat' },
      { to: COORD, type: 'chat' },
      { to: DISPLAY, type: 'chat' },
    ]);
  });

  it('directives: the responder, the other coordinators, displays, and the coordination room (not the announcement room)', () => {
    expect(incidentDestinations(draftOf(comeIn('nurse')), routes)).toEqual([
      { to: NURSE, type: 'chat' },
      { to: COORD, type: 'chat' },
      { to: DISPLAY, type: 'chat' },
      { to: COORDINATION, type: 'groupchat' },
    ]);
  });
});

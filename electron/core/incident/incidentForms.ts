/**
 * Incident events on the wire: XEP-0004 data forms (type='result', "a generic data set") inside
 * ordinary <message/> stanzas, with a readable <body/> so any XMPP client shows something sensible.
 *
 * Pure. Builders throw on a bad draft (a programming error); parsers are total and return the
 * typed event or the reason the form was ignored. Hostile input is bounded (fields, values,
 * lines, text length), text is neutralised with the messaging body policy, and numbers, times,
 * ids and JIDs must be exactly well formed: a structured field that is not is refused, never
 * guessed at, because a wrong count or location is worse than none.
 */
import { xml, type XmlElement } from '../xmpp/xml.js';
import { STAND_DOWN_REASONS, standDownWords } from '../../common/standDownWords.js';
import { neutraliseText, countCharacters } from '../messaging/bodySafety.js';
import { isSafeId } from '../messaging/ids.js';
import { parseJid } from '../messaging/jid.js';
import { NS } from '../messaging/namespaces.js';
import { attr, childElements, childrenNamed, isClientStanza } from '../messaging/stanzaReading.js';
import {
  INCIDENT_KINDS,
  INCIDENT_NS,
  type AssignAction,
  type Availability,
  type FormIgnoreReason,
  type FormParseResult,
  type IncidentEvent,
  type IncidentEventDraft,
  type IncidentKind,
  type RequestLine,
} from './incidentTypes.js';

/** Limits on what one form may carry. Generous for a real incident, small for an attacker. */
export const INCIDENT_LIMITS = {
  /** Every <field/> in the form, including those inside <reported/> and <item/>. */
  fields: 200,
  /** <value/>s in one field (coordinator and reply-to lists). */
  values: 32,
  lines: 32,
  lineCount: 999,
  etaMinutes: 24 * 60,
  name: 200,
  role: 100,
  location: 200,
  personName: 200,
  note: 1_000,
  details: 4_000,
} as const;

export const EXERCISE_PREFIX = 'EXERCISE — ';
/** The automatic answer to an offer made once the need is filled (a standby directive's note). */
export const NOT_NEEDED_NOW = 'Thank you — not needed now, please stand by.';

export const formTypeOf = (kind: IncidentKind): string => `${INCIDENT_NS}#${kind}`;

// ---------------------------------------------------------------------------------------------
// Building

type FieldType = 'hidden' | 'text-single' | 'text-multi' | 'jid-single' | 'jid-multi' | 'boolean' | 'list-single';

function field(name: string, type: FieldType, values: readonly string[]): XmlElement {
  return xml('field', { var: name, type }, ...values.map((value) => xml('value', {}, value)));
}

const iso = (ms: number): string => new Date(ms).toISOString();
const optional = (value: string | null): string[] => (value === null ? [] : [value]);
/** text-multi carries one value per line (XEP-0004 §3.3). */
const lines = (text: string): string[] => (text === '' ? [] : text.split('\n'));

function kindFields(draft: IncidentEventDraft): XmlElement[] {
  switch (draft.kind) {
    case 'declare':
      return [
        field('name', 'text-single', [draft.name]),
        field('details', 'text-multi', lines(draft.details)),
        field('coordinators', 'jid-multi', draft.coordinators),
        field('displays', 'jid-multi', draft.displays),
        field('announcement-room', 'jid-single', optional(draft.announcementRoom)),
        field('coordination-room', 'jid-single', optional(draft.coordinationRoom)),
      ];
    case 'request':
      return [
        field('request-id', 'hidden', [draft.requestId]),
        field('reply-to', 'jid-multi', draft.replyTo),
        field('note', 'text-multi', lines(draft.note)),
        // XEP-0004 §3.4: a table in a result form is <reported/> then one <item/> per row.
        xml(
          'reported',
          {},
          field('role', 'text-single', []),
          field('count', 'text-single', []),
          field('location', 'text-single', []),
          field('by', 'text-single', []),
        ),
        ...draft.lines.map((line) =>
          xml(
            'item',
            {},
            xml('field', { var: 'role' }, xml('value', {}, line.role)),
            xml('field', { var: 'count' }, xml('value', {}, String(line.count))),
            xml('field', { var: 'location' }, xml('value', {}, line.location)),
            xml('field', { var: 'by' }, ...optional(line.by === null ? null : iso(line.by)).map((v) => xml('value', {}, v))),
          ),
        ),
      ];
    case 'response': {
      const a = draft.availability;
      return [
        field('request-id', 'hidden', [draft.requestId]),
        field('responder', 'jid-single', [draft.responder]),
        field('name', 'text-single', [draft.name]),
        field('role', 'text-single', [draft.role]),
        field('availability', 'list-single', [a.status]),
        ...(a.status === 'now' ? [field('eta-minutes', 'text-single', [String(a.etaMinutes)])] : []),
        ...(a.status === 'from' ? [field('from', 'text-single', [iso(a.from)])] : []),
      ];
    }
    case 'assign':
      return [
        field('request-id', 'hidden', [draft.requestId]),
        field('responder', 'jid-single', [draft.responder]),
        field('action', 'list-single', [draft.action]),
        field('location', 'text-single', optional(draft.location)),
        field('line', 'text-single', optional(draft.line === null ? null : String(draft.line))),
        field('note', 'text-multi', lines(draft.note)),
      ];
    case 'standdown':
      return [
        field('request-id', 'hidden', optional(draft.requestId)),
        field('responder', 'jid-single', [draft.responder]),
        field('reason', 'list-single', [draft.reason]),
        field('note', 'text-multi', lines(draft.note)),
      ];
    case 'ack':
      return [
        field('request-id', 'hidden', optional(draft.requestId)),
        field('responder', 'jid-single', [draft.responder]),
        field('directive-id', 'hidden', [draft.directiveId]),
      ];
    case 'arrive':
      return [
        field('request-id', 'hidden', [draft.requestId]),
        field('responder', 'jid-single', [draft.responder]),
        field('location', 'text-single', optional(draft.location)),
      ];
    case 'close':
      return [field('request-id', 'hidden', optional(draft.requestId)), field('note', 'text-multi', lines(draft.note))];
  }
}

/** A JID that is surely well formed, for the builder's self-check (the actor is not on the wire). */
const SELF_CHECK_ACTOR = 'builder@wardline.invalid';

/**
 * The <x xmlns='jabber:x:data' type='result'/> for an event. The result is parsed back before it
 * is returned, so we never send a form our own parser (or a peer's) would refuse.
 */
export function buildIncidentForm(draft: IncidentEventDraft): XmlElement {
  const form = xml(
    'x',
    { xmlns: NS.dataForms, type: 'result' },
    field('FORM_TYPE', 'hidden', [formTypeOf(draft.kind)]),
    field('incident-id', 'hidden', [draft.incidentId]),
    field('event-id', 'hidden', [draft.eventId]),
    field('at', 'text-single', [iso(draft.at)]),
    field('exercise', 'boolean', [draft.exercise ? 'true' : 'false']),
    ...kindFields(draft),
  );
  const check = parseIncidentForm(form, SELF_CHECK_ACTOR);
  if (!check.ok) {
    throw new RangeError(`Incident ${draft.kind} form is invalid: ${check.reason}${check.field ? ` (${check.field})` : ''}`);
  }
  return form;
}

export interface BodyOptions {
  /** IANA zone for times shown in the fallback body; default Europe/London. */
  timeZone?: string;
}

function clock(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone }).format(ms);
}

function availabilityText(a: Availability, timeZone: string): string {
  switch (a.status) {
    case 'now':
      return `Available now, ETA ${a.etaMinutes} min`;
    case 'from':
      return `Available from ${clock(a.from, timeZone)}`;
    case 'unavailable':
      return 'Not available';
  }
}

/** "4 × ED nurse → ED majors by 14:30". */
export function describeLine(line: RequestLine, timeZone = 'Europe/London'): string {
  const by = line.by === null ? 'now' : `by ${clock(line.by, timeZone)}`;
  return `${line.count} × ${line.role} → ${line.location} ${by}`;
}

/**
 * The human-readable fallback other clients (and notification previews on our own) show.
 * Every exercise message starts with EXERCISE, so nobody mistakes a drill for the real thing.
 */
export function incidentBody(draft: IncidentEventDraft, options: BodyOptions = {}): string {
  const zone = options.timeZone ?? 'Europe/London';
  const withNote = (text: string, note: string): string => (note === '' ? text : `${text}\n${note}`);
  let text: string;
  switch (draft.kind) {
    case 'declare':
      text = withNote(`MAJOR INCIDENT DECLARED: ${draft.name}`, draft.details);
      break;
    case 'request':
      text = withNote(
        ['CALL-IN REQUEST', ...draft.lines.map((line) => `• ${describeLine(line, zone)}`)].join('\n'),
        draft.note,
      );
      text += '\nReply in Wardline: available now, available from, or not available.';
      break;
    case 'response':
      text = `${availabilityText(draft.availability, zone)} (${draft.role})`;
      break;
    case 'assign':
      text =
        draft.action === 'come-in'
          ? withNote(`Please come in: report to ${draft.location ?? 'the incident control point'}. Please acknowledge.`, draft.note)
          : draft.note === ''
            ? 'Thank you — please stand by. Please acknowledge.'
            : `${draft.note} Please acknowledge.`;
      break;
    case 'standdown':
      text = withNote(standDownWords(draft.reason), draft.note);
      break;
    case 'ack':
      text = 'Acknowledged.';
      break;
    case 'arrive':
      text = draft.location === null ? "I'm here." : `I'm here: ${draft.location}.`;
      break;
    case 'close':
      text = withNote(draft.requestId === null ? 'MAJOR INCIDENT CLOSED. Stand down.' : 'CALL-IN ENDED.', draft.note);
      break;
  }
  return draft.exercise ? `${EXERCISE_PREFIX}${text}` : text;
}

export interface IncidentMessage {
  to: string;
  type: 'chat' | 'groupchat';
  /** Stanza id and origin-id; unique per stanza (the event id is shared by all copies). */
  id: string;
  event: IncidentEventDraft;
}

/** Requests and come-in directives are urgent: they are the ones that must wake someone. */
function isUrgent(draft: IncidentEventDraft): boolean {
  return draft.kind === 'request' || draft.kind === 'declare' || (draft.kind === 'assign' && draft.action === 'come-in');
}

/** The full <message/>: fallback body, the form, origin-id, receipts (1:1), markable, store hint, urgency. */
export function buildIncidentMessage(message: IncidentMessage, options: BodyOptions = {}): XmlElement {
  const to = parseJid(message.to);
  if (to === null || to.resource !== null) throw new RangeError('Incident message recipient must be a bare JID');
  if (!isSafeId(message.id)) throw new RangeError('Incident message id is not a safe id');
  return xml(
    'message',
    { type: message.type, to: to.bare, id: message.id },
    xml('body', {}, incidentBody(message.event, options)),
    buildIncidentForm(message.event),
    xml('origin-id', { xmlns: NS.sid, id: message.id }),
    ...(message.type === 'chat' ? [xml('request', { xmlns: NS.receipts })] : []),
    xml('markable', { xmlns: NS.markers }),
    xml('store', { xmlns: NS.hints }),
    ...(isUrgent(message.event) ? [xml('urgent', { xmlns: NS.urgency })] : []),
  );
}

// ---------------------------------------------------------------------------------------------
// Routing

export interface IncidentRoutes {
  /** The sender's bare JID: never a destination. */
  self: string;
  /** From the declaration, declarer included. */
  coordinators: readonly string[];
  displays: readonly string[];
  announcementRoom: string | null;
  coordinationRoom: string | null;
  /** For response, ack and arrive: the request's reply-to list. */
  replyTo?: readonly string[];
}

export interface Destination {
  to: string;
  type: 'chat' | 'groupchat';
}

/**
 * Where an event goes (docs/INCIDENT-PROTOCOL.md has the table). Coordinator events go 1:1 to
 * every other coordinator and display as well as to the rooms, so each of them holds a copy whose
 * sender the server authenticated, in their own archive; the room copies serve people reading the
 * room and are counted only when the room reveals the real JID.
 */
export function incidentDestinations(draft: IncidentEventDraft, routes: IncidentRoutes): Destination[] {
  const self = parseJid(routes.self)?.bare;
  if (self === undefined) throw new RangeError('IncidentRoutes.self is not a valid JID');
  const out: Destination[] = [];
  const seen = new Set<string>();
  const add = (raw: string | null | undefined, type: Destination['type']): void => {
    const bare = raw === null || raw === undefined ? undefined : parseJid(raw)?.bare;
    if (bare === undefined || bare === self || seen.has(bare)) return;
    seen.add(bare);
    out.push({ to: bare, type });
  };
  const rooms = (announce: boolean): void => {
    if (announce) add(routes.announcementRoom, 'groupchat');
    add(routes.coordinationRoom, 'groupchat');
  };
  const staff = (): void => {
    for (const jid of routes.coordinators) add(jid, 'chat');
    for (const jid of routes.displays) add(jid, 'chat');
  };
  switch (draft.kind) {
    case 'declare':
    case 'request':
    case 'close':
      rooms(true);
      staff();
      break;
    case 'response':
    case 'ack':
    case 'arrive':
      for (const jid of routes.replyTo ?? []) add(jid, 'chat');
      break;
    case 'assign':
    case 'standdown':
      add(draft.responder, 'chat');
      staff();
      rooms(false);
      break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parsing

class FormError extends Error {
  constructor(
    readonly reason: FormIgnoreReason,
    readonly field?: string,
  ) {
    super(reason);
  }
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2999, 11, 31);
const DIGITS = /^\d{1,6}$/;

/** Field values by var, bounded and checked for duplicates. */
class Fields {
  private readonly values = new Map<string, string[]>();

  constructor(container: XmlElement, budget: { fields: number }) {
    for (const element of childrenNamed(container, 'field', NS.dataForms)) {
      budget.fields -= 1;
      if (budget.fields < 0) throw new FormError('too-many-fields');
      const name = attr(element, 'var');
      if (name === undefined) continue; // type='fixed' labels carry no var
      // The name here is the sender's (any text, newlines included), so it is never reported:
      // the reason reaches the log. Only names this parser asked for are reported as `field`.
      if (this.values.has(name)) throw new FormError('duplicate-field');
      const values = childrenNamed(element, 'value', NS.dataForms);
      if (values.length > INCIDENT_LIMITS.values) throw new FormError('too-many-values');
      this.values.set(
        name,
        values.map((value) => value.getText()),
      );
    }
  }

  private all(name: string): string[] {
    return this.values.get(name) ?? [];
  }

  /** The one value, or null when absent or empty. Several values for a single field is malformed. */
  private single(name: string): string | null {
    const values = this.all(name);
    if (values.length > 1) throw new FormError('too-many-values', name);
    const value = values[0];
    return value === undefined || value === '' ? null : value;
  }

  id(name: string): string {
    const value = this.optionalId(name);
    if (value === null) throw new FormError('missing-field', name);
    return value;
  }

  optionalId(name: string): string | null {
    const value = this.single(name);
    if (value === null) return null;
    if (!isSafeId(value)) throw new FormError('invalid-id', name);
    return value;
  }

  private bare(name: string, raw: string): string {
    const jid = parseJid(raw.trim());
    if (jid === null || jid.resource !== null) throw new FormError('invalid-jid', name);
    return jid.bare;
  }

  jid(name: string): string {
    const value = this.single(name);
    if (value === null) throw new FormError('missing-field', name);
    return this.bare(name, value);
  }

  optionalJid(name: string): string | null {
    const value = this.single(name);
    return value === null ? null : this.bare(name, value);
  }

  jids(name: string): string[] {
    return [...new Set(this.all(name).map((value) => this.bare(name, value)))];
  }

  /** Single-line text: neutralised, tabs and newlines folded to spaces, trimmed, bounded. */
  text(name: string, max: number, required: boolean): string {
    const value = this.single(name);
    return cleanText(name, value ?? '', max, required, false);
  }

  /** text-multi: one value per line. */
  multiline(name: string, max: number): string {
    return cleanText(name, this.all(name).join('\n'), max, false, true);
  }

  int(name: string, min: number, max: number): number {
    const value = this.single(name);
    if (value === null) throw new FormError('missing-field', name);
    return parseBoundedInt(name, value, min, max);
  }

  optionalInt(name: string, min: number, max: number): number | null {
    const value = this.single(name);
    return value === null ? null : parseBoundedInt(name, value, min, max);
  }

  time(name: string): number {
    const value = this.optionalTime(name);
    if (value === null) throw new FormError('missing-field', name);
    return value;
  }

  optionalTime(name: string): number | null {
    const value = this.single(name);
    if (value === null) return null;
    const ms = DATETIME.test(value) ? Date.parse(value) : Number.NaN;
    if (!Number.isFinite(ms) || ms < EARLIEST || ms > LATEST) throw new FormError('invalid-time', name);
    return ms;
  }

  boolean(name: string): boolean {
    const value = this.single(name);
    if (value === '1' || value === 'true') return true;
    if (value === '0' || value === 'false') return false;
    throw new FormError(value === null ? 'missing-field' : 'invalid-boolean', name);
  }

  choice<T extends string>(name: string, allowed: readonly T[]): T {
    const value = this.single(name);
    if (value === null) throw new FormError('missing-field', name);
    const found = allowed.find((option) => option === value);
    if (found === undefined) throw new FormError('invalid-choice', name);
    return found;
  }
}

function parseBoundedInt(name: string, value: string, min: number, max: number): number {
  // Plain decimal digits only: no signs, exponents, hex, fractions or whitespace.
  if (!DIGITS.test(value)) throw new FormError('invalid-number', name);
  const n = Number(value);
  if (n < min || n > max) throw new FormError('invalid-number', name);
  return n;
}

function cleanText(name: string, raw: string, max: number, required: boolean, multiline: boolean): string {
  // Bound before the (linear) neutralisation so a huge value costs nothing more than its check.
  if (raw.length > max * 4) throw new FormError('text-too-long', name);
  let text = neutraliseText(raw);
  if (!multiline) text = text.replace(/[\t\n]+/g, ' ');
  text = text.trim();
  if (countCharacters(text) > max) throw new FormError('text-too-long', name);
  if (required && text === '') throw new FormError(raw.trim() === '' ? 'missing-field' : 'invalid-text', name);
  return text;
}

const AVAILABILITY = ['now', 'from', 'unavailable'] as const;
const ACTIONS: readonly AssignAction[] = ['come-in', 'standby'];

function readLines(form: XmlElement, budget: { fields: number }): RequestLine[] {
  const items = childrenNamed(form, 'item', NS.dataForms);
  if (items.length === 0) throw new FormError('missing-field', 'item');
  if (items.length > INCIDENT_LIMITS.lines) throw new FormError('too-many-lines');
  return items.map((item) => {
    const fields = new Fields(item, budget);
    return {
      role: fields.text('role', INCIDENT_LIMITS.role, true),
      count: fields.int('count', 1, INCIDENT_LIMITS.lineCount),
      location: fields.text('location', INCIDENT_LIMITS.location, true),
      by: fields.optionalTime('by'),
    };
  });
}

function readEvent(form: XmlElement, actor: string): IncidentEvent {
  if (attr(form, 'type') !== 'result') throw new FormError('wrong-form-type');
  const budget = { fields: INCIDENT_LIMITS.fields };
  // <reported/> describes the item columns; its fields count towards the cap but carry no values.
  for (const reported of childrenNamed(form, 'reported', NS.dataForms)) new Fields(reported, budget);
  const f = new Fields(form, budget);
  const kind = kindOf(f);
  const base = {
    incidentId: f.id('incident-id'),
    eventId: f.id('event-id'),
    at: f.time('at'),
    exercise: f.boolean('exercise'),
    actor,
  };
  switch (kind) {
    case 'declare':
      return {
        ...base,
        kind,
        name: f.text('name', INCIDENT_LIMITS.name, true),
        details: f.multiline('details', INCIDENT_LIMITS.details),
        coordinators: f.jids('coordinators'),
        displays: f.jids('displays'),
        announcementRoom: f.optionalJid('announcement-room'),
        coordinationRoom: f.optionalJid('coordination-room'),
      };
    case 'request': {
      const replyTo = f.jids('reply-to');
      if (replyTo.length === 0) throw new FormError('missing-field', 'reply-to');
      return {
        ...base,
        kind,
        requestId: f.id('request-id'),
        replyTo,
        note: f.multiline('note', INCIDENT_LIMITS.note),
        lines: readLines(form, budget),
      };
    }
    case 'response': {
      const status = f.choice('availability', AVAILABILITY);
      const availability: Availability =
        status === 'now'
          ? { status, etaMinutes: f.int('eta-minutes', 0, INCIDENT_LIMITS.etaMinutes) }
          : status === 'from'
            ? { status, from: f.time('from') }
            : { status };
      return {
        ...base,
        kind,
        requestId: f.id('request-id'),
        responder: f.jid('responder'),
        name: f.text('name', INCIDENT_LIMITS.personName, true),
        role: f.text('role', INCIDENT_LIMITS.role, true),
        availability,
      };
    }
    case 'assign': {
      const action = f.choice('action', ACTIONS);
      const location = f.text('location', INCIDENT_LIMITS.location, action === 'come-in');
      return {
        ...base,
        kind,
        requestId: f.id('request-id'),
        responder: f.jid('responder'),
        action,
        location: location === '' ? null : location,
        line: f.optionalInt('line', 0, INCIDENT_LIMITS.lines - 1),
        note: f.multiline('note', INCIDENT_LIMITS.note),
      };
    }
    case 'standdown':
      return {
        ...base,
        kind,
        requestId: f.optionalId('request-id'),
        responder: f.jid('responder'),
        reason: f.choice('reason', STAND_DOWN_REASONS),
        note: f.multiline('note', INCIDENT_LIMITS.note),
      };
    case 'ack':
      return {
        ...base,
        kind,
        requestId: f.optionalId('request-id'),
        responder: f.jid('responder'),
        directiveId: f.id('directive-id'),
      };
    case 'arrive': {
      const location = f.text('location', INCIDENT_LIMITS.location, false);
      return {
        ...base,
        kind,
        requestId: f.id('request-id'),
        responder: f.jid('responder'),
        location: location === '' ? null : location,
      };
    }
    case 'close':
      return { ...base, kind, requestId: f.optionalId('request-id'), note: f.multiline('note', INCIDENT_LIMITS.note) };
  }
}

function formTypeValue(form: XmlElement): string | null {
  const fields = childrenNamed(form, 'field', NS.dataForms).filter((element) => attr(element, 'var') === 'FORM_TYPE');
  if (fields.length !== 1 || fields[0] === undefined) return null;
  const values = childrenNamed(fields[0], 'value', NS.dataForms);
  return values.length === 1 && values[0] !== undefined ? values[0].getText() : null;
}

function kindOf(fields: Fields): IncidentKind {
  // FORM_TYPE was matched by the caller; re-read through the bounded reader for the kind.
  const value = fields.text('FORM_TYPE', 200, true);
  const kind = INCIDENT_KINDS.find((k) => formTypeOf(k) === value);
  if (kind === undefined) throw new FormError('unknown-kind');
  return kind;
}

/** Is this <x/> one of ours (any kind, known or not)? */
export function isIncidentForm(element: XmlElement): boolean {
  if (element.getName() !== 'x' || element.getNS() !== NS.dataForms) return false;
  return formTypeValue(element)?.startsWith(`${INCIDENT_NS}#`) ?? false;
}

function bareActor(actor: string): string {
  const jid = parseJid(actor);
  if (jid === null) throw new RangeError('Incident actor is not a valid JID');
  return jid.bare;
}

/**
 * One incident form → event. `actor` is the sender as the transport vouches for it (see the
 * module note in incidentTypes.ts); a bad actor is the caller's bug and throws.
 */
export function parseIncidentForm(form: XmlElement, actor: string): FormParseResult {
  const who = bareActor(actor);
  if (!isIncidentForm(form)) return { ok: false, reason: 'not-incident' };
  try {
    return { ok: true, event: readEvent(form, who) };
  } catch (error) {
    if (error instanceof FormError) return { ok: false, reason: error.reason, ...(error.field ? { field: error.field } : {}) };
    return { ok: false, reason: 'malformed' };
  }
}

/** A <message/> → its incident event, if it carries exactly one incident form. */
export function parseIncidentStanza(message: XmlElement, actor: string): FormParseResult {
  bareActor(actor);
  if (!isClientStanza(message, 'message')) return { ok: false, reason: 'not-a-message' };
  const forms = childElements(message).filter(isIncidentForm);
  if (forms.length === 0) return { ok: false, reason: 'not-incident' };
  // Two forms could show a person one thing and the board another.
  if (forms.length > 1 || forms[0] === undefined) return { ok: false, reason: 'several-forms' };
  return parseIncidentForm(forms[0], actor);
}

/**
 * Major-incident mode: the events that travel as XEP-0004 forms, and the board state every
 * coordinator, the control-room display and the timeline derive from them.
 *
 * Events are facts signed by the transport: `actor` is never read from the form, it is the
 * bare JID the server vouched for (the 1:1 `from`, our own carbon, or a room occupant's real
 * JID). Everything else is the sender's claim and is checked by the board reducer.
 */

/** Wire namespace; every incident form's FORM_TYPE is `${INCIDENT_NS}#<kind>`. */
export const INCIDENT_NS = 'urn:wardline:incident:0';

/** The hospital's preconfigured incident rooms (admin policy); either may be absent. */
export interface IncidentRooms {
  announcement?: string;
  coordination?: string;
}

export const INCIDENT_KINDS = ['declare', 'request', 'response', 'assign', 'ack', 'arrive', 'standdown', 'close'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** What a responder offered. `from` and `etaMinutes` describe when they can be there. */
export type Availability =
  | { status: 'now'; etaMinutes: number }
  | { status: 'from'; from: number }
  | { status: 'unavailable' };

/** One structured line of a call-in request: "4 × ED nurse, report to ED majors by 14:30". */
export interface RequestLine {
  role: string;
  count: number;
  location: string;
  /** Epoch ms, or null for "as soon as possible". */
  by: number | null;
}

/** A coordinator's directive to one responder. Stand-down is its own event kind. */
export type AssignAction = 'come-in' | 'standby';

/** Why someone is stood down: one person, the end of a call-in, or the incident closing. */
export type { StandDownReason } from '../../common/standDownWords.js';
import type { StandDownReason } from '../../common/standDownWords.js';
import type { ResponderStatusName } from '../../common/responderSort.js';

interface EventBase {
  incidentId: string;
  /** Unique per actor; the same event sent to several places carries the same id. */
  eventId: string;
  /** The sender's own clock, epoch ms. The board folds events in (at, eventId, actor) order. */
  at: number;
  /** Must equal the declaration's flag; an exercise message is never mistaken for a live one. */
  exercise: boolean;
  /** Bare JID vouched for by the transport, never by the form. */
  actor: string;
}

export interface DeclareEvent extends EventBase {
  kind: 'declare';
  name: string;
  /** Free text, conventionally METHANE. */
  details: string;
  /** Bare JIDs allowed to request, assign, stand down and close (the declarer always may). */
  coordinators: string[];
  /** Control-room display accounts: they receive everything but may do nothing. */
  displays: string[];
  announcementRoom: string | null;
  coordinationRoom: string | null;
}

export interface RequestEvent extends EventBase {
  kind: 'request';
  requestId: string;
  lines: RequestLine[];
  /** Where responses, acks and arrivals go: coordinators and displays (bare JIDs). */
  replyTo: string[];
  note: string;
}

export interface ResponseEvent extends EventBase {
  kind: 'response';
  requestId: string;
  /** Must equal `actor`: nobody answers for someone else. */
  responder: string;
  name: string;
  /** Role or grade, prefilled from the profile and editable. */
  role: string;
  availability: Availability;
}

export interface AssignEvent extends EventBase {
  kind: 'assign';
  requestId: string;
  responder: string;
  action: AssignAction;
  /** Where to report; required for come-in. */
  location: string | null;
  /** Index of the request line this fills, when the coordinator chose one. */
  line: number | null;
  note: string;
}

export interface StandDownEvent extends EventBase {
  kind: 'standdown';
  /** Null: every row of this responder in the incident (used when the incident closes). */
  requestId: string | null;
  responder: string;
  reason: StandDownReason;
  note: string;
}

export interface AckEvent extends EventBase {
  kind: 'ack';
  /** The request the directive was about; null for an incident-wide stand-down. */
  requestId: string | null;
  responder: string;
  /** Event id of the directive (assign or standdown) being acknowledged. */
  directiveId: string;
}

export interface ArriveEvent extends EventBase {
  kind: 'arrive';
  requestId: string;
  responder: string;
  location: string | null;
}

export interface CloseEvent extends EventBase {
  kind: 'close';
  /** Present: this call-in has ended. Absent: the whole incident is closed. */
  requestId: string | null;
  note: string;
}

export type IncidentEvent =
  | DeclareEvent
  | RequestEvent
  | ResponseEvent
  | AssignEvent
  | StandDownEvent
  | AckEvent
  | ArriveEvent
  | CloseEvent;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What a builder needs: the event without `actor`, which only the transport can supply. */
export type IncidentEventDraft = DistributiveOmit<IncidentEvent, 'actor'>;

/** Why a stanza or form was not turned into an event. */
export type FormIgnoreReason =
  | 'not-incident'
  | 'not-a-message'
  | 'several-forms'
  | 'wrong-form-type'
  | 'unknown-kind'
  | 'too-many-fields'
  | 'too-many-values'
  | 'too-many-lines'
  | 'duplicate-field'
  | 'missing-field'
  | 'invalid-id'
  | 'invalid-jid'
  | 'invalid-time'
  | 'invalid-number'
  | 'invalid-boolean'
  | 'invalid-choice'
  | 'invalid-text'
  | 'text-too-long'
  | 'malformed';

export type FormParseResult =
  | { ok: true; event: IncidentEvent }
  | { ok: false; reason: FormIgnoreReason; field?: string };

/** Why the board reducer refused an otherwise well-formed event (reported for the audit log). */
export type BoardRejectReason =
  | 'other-incident'
  | 'no-declaration'
  | 'conflicting-declaration'
  | 'declarer-not-allowed'
  | 'exercise-mismatch'
  | 'not-coordinator'
  | 'not-own-response'
  | 'unknown-request'
  | 'duplicate-request'
  | 'request-closed'
  | 'incident-closed'
  | 'line-out-of-range'
  | 'missing-location';

export interface RejectedEvent {
  eventId: string;
  actor: string;
  kind: IncidentKind;
  reason: BoardRejectReason;
}

/**
 * Where a responder stands. Derived, never stored: arrival wins; then whichever came last of
 * their latest response and the latest directive (a later "not available" withdraws an
 * assignment; a later directive overrides an earlier "not available", because the coordinator
 * may have phoned them).
 */
export type ResponderStatus = ResponderStatusName;

export interface Directive {
  eventId: string;
  kind: 'assign' | 'standdown';
  action: AssignAction | 'stand-down';
  location: string | null;
  line: number | null;
  at: number;
  by: string;
  /** The coordinator's note (e.g. the automatic "Thank you — not needed now, please stand by."). */
  note: string;
  /** Why, for a stand-down (null for come-in and standby). */
  standDownReason: StandDownReason | null;
}

export interface ResponderRow {
  requestId: string;
  jid: string;
  name: string;
  role: string;
  /** Null when they arrived without ever responding (walked in). */
  availability: Availability | null;
  respondedAt: number | null;
  /** Expected arrival, epoch ms: now + ETA, or the "from" time; null when not coming or unknown. */
  expectedAt: number | null;
  status: ResponderStatus;
  directive: Directive | null;
  /** The responder acknowledged the current directive. */
  acknowledged: boolean;
  arrivedAt: number | null;
  /** The request line this person counts towards (directive's line, else role and location match). */
  line: number | null;
  /** Their latest response was an offer made when the need was already filled (or the call-in ended). */
  offeredAfterFilled: boolean;
  /** Superseded responses, counted for the coordinator ("changed their answer twice"). */
  responseCount: number;
}

export interface LineTally extends RequestLine {
  index: number;
  needed: number;
  /** Latest response is available now / from, matched to this line (any status). */
  offered: number;
  /** Come-in given and not withdrawn, stood down or replaced; arrivals included. */
  assigned: number;
  arrived: number;
  /** assigned ≥ needed. Offers never fill a line: an offer is not a commitment. */
  filled: boolean;
}

export interface RequestBoard {
  requestId: string;
  at: number;
  by: string;
  replyTo: string[];
  note: string;
  lines: LineTally[];
  totalNeeded: number;
  totalAssigned: number;
  totalArrived: number;
  /** Every line filled. */
  filled: boolean;
  closedAt: number | null;
}

export interface LocationTotals {
  location: string;
  needed: number;
  assigned: number;
  arrived: number;
  /** Places still to fill in open call-ins: Σ max(0, needed − assigned) per line. */
  outstanding: number;
}

export interface TimelineEntry {
  at: number;
  eventId: string;
  kind: IncidentKind;
  actor: string;
  requestId: string | null;
  responder: string | null;
  /** One line a person can read in an export. */
  summary: string;
}

export interface Declaration {
  eventId: string;
  name: string;
  details: string;
  declaredAt: number;
  declaredBy: string;
  exercise: boolean;
  coordinators: string[];
  displays: string[];
  announcementRoom: string | null;
  coordinationRoom: string | null;
}

export interface IncidentBoard {
  incidentId: string;
  declaration: Declaration | null;
  closedAt: number | null;
  requests: RequestBoard[];
  responders: ResponderRow[];
  locations: LocationTotals[];
  timeline: TimelineEntry[];
  rejected: RejectedEvent[];
  /** Copies of an event already counted (live + MAM, room + 1:1). */
  duplicates: number;
}

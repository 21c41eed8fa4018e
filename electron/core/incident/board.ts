/**
 * The coordinator board, derived purely from incident events. Every coordinator, the display
 * and a restarted client (after MAM catch-up) hold some set of copies of the same events; the
 * board must come out identical from any of them. So:
 *
 * - Copies are de-duplicated by (actor, eventId): ids are scoped to their sender, so nobody
 *   can suppress someone else's event by reusing its id. If one sender reuses an id for
 *   different content, the copy that sorts first wins, on every machine.
 * - Events are folded in (at, eventId, actor) order: `at` is the sender's own clock, written in
 *   the form, so the order does not depend on which copy arrived first.
 * - The declaration and the requests are indexed before the fold, so a response whose sender's
 *   clock runs a little behind the coordinator's is not lost as "unknown request".
 * - Authority: declare only from `options.declarers` (admin policy; none named, nobody); request, assign, standdown
 *   and close only from the declaration's coordinators (declarer included); response, ack and
 *   arrive only from the responder themselves. Anything else is skipped and reported.
 */
import { createHash, randomBytes } from 'node:crypto';
import { incidentBody, NOT_NEEDED_NOW } from './incidentForms.js';
import type {
  AssignAction,
  AssignEvent,
  BoardRejectReason,
  Declaration,
  DeclareEvent,
  IncidentBoard,
  Directive,
  IncidentEvent,
  IncidentEventDraft,
  LineTally,
  LocationTotals,
  RejectedEvent,
  RequestBoard,
  RequestEvent,
  ResponderRow,
  ResponderStatus,
  StandDownEvent,
  StandDownReason,
  TimelineEntry,
} from './incidentTypes.js';

export interface BoardOptions {
  incidentId: string;
  /**
   * Admin policy: who may declare. Empty: nobody. Fail closed because any member of staff can
   * message anyone 1:1, so without a list anyone could declare a fake incident and call people in.
   */
  declarers: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Ordering and de-duplication

/** JSON with sorted keys, so two equal events compare equal however they were built. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The total order every client folds in. Plain code-unit comparison: locale-independent. */
export function compareEvents(a: IncidentEvent, b: IncidentEvent): number {
  return a.at - b.at || cmp(a.eventId, b.eventId) || cmp(a.actor, b.actor) || cmp(canonical(a), canonical(b));
}

/** Sort and drop copies; returns the unique events in fold order and how many copies were dropped. */
export function orderEvents(events: readonly IncidentEvent[]): { events: IncidentEvent[]; duplicates: number } {
  const sorted = [...events].sort(compareEvents);
  const seen = new Set<string>();
  const unique: IncidentEvent[] = [];
  for (const event of sorted) {
    const key = `${event.actor}\u0000${event.eventId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(event);
  }
  return { events: unique, duplicates: sorted.length - unique.length };
}

// ---------------------------------------------------------------------------------------------
// Matching people to lines

/** Roles and locations compare case-, width- and spacing-insensitively ("ED  Majors" = "ed majors"). */
export function normaliseLabel(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

interface MutableRow extends ResponderRow {
  responseSeq: number;
  directiveSeq: number;
  /** When they last said "not available": an instruction given before it no longer counts, even if they offer again. */
  withdrawnSeq: number;
  /**
   * The come-in they answered by arriving (null: they turned up unasked). A later stand-down when
   * the call-in ends or the incident closes does not undo an arrival: they still filled the line.
   */
  arrivedFor: Directive | null;
}

/**
 * The instruction still in force: none once they said "not available" after it (offering again
 * later makes them an offer for the coordinator to place, not "coming in" as before; review finding).
 */
function directiveInForce(row: MutableRow): Directive | null {
  return row.directive !== null && row.directiveSeq > row.withdrawnSeq ? row.directive : null;
}

/** The come-in a row counts by: the instruction in force, else the one an arrival answered (unless since released one by one). */
function comeInOf(row: MutableRow): Directive | null {
  if (directiveInForce(row)?.action === 'come-in') return row.directive;
  if (row.arrivedFor === null || row.directive?.standDownReason === 'individual') return null;
  return row.arrivedFor;
}

function statusOf(row: MutableRow): ResponderStatus {
  if (row.arrivedAt !== null) return 'arrived';
  const unavailable = row.availability?.status === 'unavailable';
  const directive = directiveInForce(row);
  if (unavailable && (directive === null || row.responseSeq > row.directiveSeq)) return 'not-available';
  if (directive !== null) {
    return directive.action === 'come-in' ? 'assigned' : directive.action === 'standby' ? 'standby' : 'stood-down';
  }
  return unavailable ? 'not-available' : 'offered';
}

function expectedAt(row: ResponderRow): number | null {
  const a = row.availability;
  if (a === null || row.respondedAt === null) return null;
  if (a.status === 'now') return row.respondedAt + a.etaMinutes * 60_000;
  return a.status === 'from' ? a.from : null;
}

/** The line a person counts towards: the coordinator's choice, else role (and location) match, else location. */
function lineFor(row: MutableRow, request: RequestEvent): number | null {
  const comeIn = comeInOf(row);
  if (comeIn !== null && comeIn.line !== null) return comeIn.line;
  const role = normaliseLabel(row.role);
  const location = comeIn !== null && comeIn.location !== null ? normaliseLabel(comeIn.location) : null;
  const byRole = request.lines.flatMap((line, index) => (normaliseLabel(line.role) === role ? [index] : []));
  const atLocation = (index: number): boolean => normaliseLabel(request.lines[index]?.location ?? '') === location;
  if (location !== null) {
    const both = byRole.find(atLocation);
    if (both !== undefined) return both;
  }
  if (byRole[0] !== undefined) return byRole[0];
  if (location !== null) {
    const anyAtLocation = request.lines.findIndex((_, index) => atLocation(index));
    if (anyAtLocation !== -1) return anyAtLocation;
  }
  return null;
}

function tally(request: RequestEvent, rows: readonly MutableRow[]): LineTally[] {
  const lines: LineTally[] = request.lines.map((line, index) => ({
    ...line,
    index,
    needed: line.count,
    offered: 0,
    assigned: 0,
    arrived: 0,
    filled: false,
  }));
  for (const row of rows) {
    if (row.requestId !== request.requestId) continue;
    const line = row.line === null ? undefined : lines[row.line];
    if (line === undefined) continue;
    const status = statusOf(row);
    if (row.availability !== null && row.availability.status !== 'unavailable') line.offered += 1;
    // Only someone told to come in fills a line. A person who turns up unasked (or after a stand
    // down) shows as arrived, for the coordinator to assign, but cannot fill a need by themselves
    // and so trigger "not needed now" for everyone else.
    const toldToCome = comeInOf(row) !== null;
    if (status === 'assigned' || (status === 'arrived' && toldToCome)) line.assigned += 1;
    if (status === 'arrived' && toldToCome) line.arrived += 1;
  }
  for (const line of lines) line.filled = line.assigned >= line.needed;
  return lines;
}

// ---------------------------------------------------------------------------------------------
// The reducer

function summaryOf(event: IncidentEvent, rows: ReadonlyMap<string, MutableRow>): string {
  const body = incidentBody(event).replace(/\n+/g, ' / ');
  if (event.kind === 'response') return `${event.name} (${event.responder}): ${body}`;
  if (event.kind === 'assign' || event.kind === 'standdown' || event.kind === 'ack' || event.kind === 'arrive') {
    const row = [...rows.values()].find((r) => r.jid === event.responder);
    return `${row?.name ?? event.responder}: ${body}`;
  }
  return body;
}

const rowKey = (requestId: string, jid: string): string => `${requestId}\u0000${jid}`;

export function deriveBoard(events: readonly IncidentEvent[], options: BoardOptions): IncidentBoard {
  const rejected: RejectedEvent[] = [];
  const reject = (event: IncidentEvent, reason: BoardRejectReason): void => {
    rejected.push({ eventId: event.eventId, actor: event.actor, kind: event.kind, reason });
  };
  const mine: IncidentEvent[] = [];
  for (const event of events) {
    if (event.incidentId === options.incidentId) mine.push(event);
    else reject(event, 'other-incident');
  }
  const ordered = orderEvents(mine);
  const board: IncidentBoard = {
    incidentId: options.incidentId,
    declaration: null,
    closedAt: null,
    requests: [],
    responders: [],
    locations: [],
    timeline: [],
    rejected,
    duplicates: ordered.duplicates,
  };

  // 1. The declaration: the first allowed one. Later ones are refused, not merged. (An earlier
  //    timestamp would otherwise let anyone claim an incident another coordinator declared.)
  const declarers = new Set(options.declarers);
  let declare: DeclareEvent | null = null;
  for (const event of ordered.events) {
    if (event.kind !== 'declare') continue;
    if (!declarers.has(event.actor)) reject(event, 'declarer-not-allowed');
    // An incident id names its declarer (incidentIdFor): nobody else can declare under it first.
    else if (!incidentIdMatchesDeclarer(event.incidentId, event.actor)) reject(event, 'declarer-not-allowed');
    else if (declare !== null) reject(event, 'conflicting-declaration');
    else declare = event;
  }
  if (declare === null) {
    for (const event of ordered.events) if (event.kind !== 'declare') reject(event, 'no-declaration');
    return board;
  }
  const declaration: Declaration = {
    eventId: declare.eventId,
    name: declare.name,
    details: declare.details,
    declaredAt: declare.at,
    declaredBy: declare.actor,
    exercise: declare.exercise,
    coordinators: [...new Set([declare.actor, ...declare.coordinators])],
    displays: declare.displays,
    announcementRoom: declare.announcementRoom,
    coordinationRoom: declare.coordinationRoom,
  };
  board.declaration = declaration;
  const coordinators = new Set(declaration.coordinators);
  // The winning declaration stays in the fold only for the timeline; the others were refused above.
  const rest = ordered.events.filter((event) => event.kind !== 'declare' || event === declare);
  const usable = rest.filter((event) => {
    if (event.exercise !== declaration.exercise) reject(event, 'exercise-mismatch');
    else if (isCoordinatorKind(event.kind) && !coordinators.has(event.actor)) reject(event, 'not-coordinator');
    else if ('responder' in event && isResponderKind(event.kind) && event.responder !== event.actor) {
      reject(event, 'not-own-response');
    } else return true;
    return false;
  });

  // 2. The incident close and the requests, indexed before the fold (see module note).
  const incidentClose = usable.find((event) => event.kind === 'close' && event.requestId === null);
  const requests = new Map<string, RequestEvent>();
  const indexed = new Set<IncidentEvent>();
  for (const event of usable) {
    if (event.kind !== 'request') continue;
    indexed.add(event);
    if (incidentClose !== undefined && compareEvents(event, incidentClose) > 0) reject(event, 'incident-closed');
    else if (requests.has(event.requestId)) reject(event, 'duplicate-request');
    else requests.set(event.requestId, event);
  }

  // 3. The fold.
  const rows = new Map<string, MutableRow>();
  // Per request, the rows told something or arrived: the only ones that can fill a line.
  const counted = new Map<string, Set<MutableRow>>();
  const count = (row: MutableRow): void => {
    let set = counted.get(row.requestId);
    if (set === undefined) counted.set(row.requestId, (set = new Set()));
    set.add(row);
  };
  const closedRequests = new Map<string, number>();
  const acked = new Map<string, Set<string>>();
  const timeline: TimelineEntry[] = [];
  let seq = 0;

  const rowFor = (requestId: string, jid: string): MutableRow => {
    const key = rowKey(requestId, jid);
    let row = rows.get(key);
    if (row === undefined) {
      row = {
        requestId,
        jid,
        name: jid,
        role: '',
        availability: null,
        respondedAt: null,
        expectedAt: null,
        status: 'offered',
        directive: null,
        acknowledged: false,
        arrivedAt: null,
        line: null,
        offeredAfterFilled: false,
        responseCount: 0,
        responseSeq: -1,
        directiveSeq: -1,
        withdrawnSeq: -1,
        arrivedFor: null,
      };
      rows.set(key, row);
    }
    return row;
  };
  const isFilledFor = (row: MutableRow, request: RequestEvent): boolean => {
    if (closedRequests.has(request.requestId) || board.closedAt !== null) return true;
    // Only directed or arrived rows can count as assigned (offers never fill a line), so the
    // check looks at those alone: O(directed) per response, not O(responders), which made a
    // 2,000-response board quadratic.
    const current = [...(counted.get(request.requestId) ?? [])];
    for (const r of current) r.line = lineFor(r, request);
    const lines = tally(request, current);
    if (lines.every((line) => line.filled)) return true;
    const role = normaliseLabel(row.role);
    const matching = lines.filter((line) => normaliseLabel(line.role) === role);
    return matching.length > 0 && matching.every((line) => line.filled);
  };
  const setDirective = (row: MutableRow, event: AssignEvent | StandDownEvent): void => {
    row.directive = {
      eventId: event.eventId,
      kind: event.kind,
      action: event.kind === 'assign' ? event.action : 'stand-down',
      location: event.kind === 'assign' ? event.location : null,
      line: event.kind === 'assign' ? event.line : null,
      at: event.at,
      by: event.actor,
      note: event.note,
      standDownReason: event.kind === 'standdown' ? event.reason : null,
    };
    row.directiveSeq = seq;
    count(row);
  };

  for (const event of usable) {
    seq += 1;
    if (indexed.has(event)) {
      if (requests.get((event as RequestEvent).requestId) !== event) continue;
    } else {
      const reason = apply(event);
      if (reason !== null) {
        reject(event, reason);
        continue;
      }
    }
    timeline.push({
      at: event.at,
      eventId: event.eventId,
      kind: event.kind,
      actor: event.actor,
      requestId: 'requestId' in event ? event.requestId : null,
      responder: 'responder' in event ? event.responder : null,
      summary: summaryOf(event, rows),
    });
  }

  function apply(event: IncidentEvent): BoardRejectReason | null {
    const closed = board.closedAt !== null;
    switch (event.kind) {
      case 'declare':
      case 'request':
        return null; // handled above
      case 'close': {
        if (event.requestId === null) {
          if (event !== incidentClose) return 'incident-closed';
          board.closedAt = event.at;
          for (const id of requests.keys()) if (!closedRequests.has(id)) closedRequests.set(id, event.at);
          return null;
        }
        if (!requests.has(event.requestId)) return 'unknown-request';
        if (closedRequests.has(event.requestId)) return closed ? 'incident-closed' : 'request-closed';
        closedRequests.set(event.requestId, event.at);
        return null;
      }
      case 'response': {
        const request = requests.get(event.requestId);
        if (request === undefined) return 'unknown-request';
        // Recorded even when the call-in is over: the auto-reply decides what they are told.
        const row = rowFor(event.requestId, event.responder);
        row.name = event.name;
        row.role = event.role;
        row.availability = event.availability;
        row.respondedAt = event.at;
        row.responseSeq = seq;
        if (event.availability.status === 'unavailable') row.withdrawnSeq = seq;
        row.responseCount += 1;
        row.offeredAfterFilled = event.availability.status !== 'unavailable' && isFilledFor(row, request);
        return null;
      }
      case 'assign': {
        const request = requests.get(event.requestId);
        if (request === undefined) return 'unknown-request';
        if (closed) return 'incident-closed';
        if (closedRequests.has(event.requestId)) return 'request-closed';
        if (event.action === 'come-in' && (event.location === null || event.location === '')) return 'missing-location';
        if (event.line !== null && event.line >= request.lines.length) return 'line-out-of-range';
        const row = rowFor(event.requestId, event.responder);
        // The automatic "not needed now" is decided by one coordinator's client before another
        // coordinator's "come in" may have reached it: it never replaces a come-in in force, whatever
        // the times say (review finding). Kept in the timeline; the person stays told to come in.
        if (event.action === 'standby' && event.note === NOT_NEEDED_NOW && directiveInForce(row)?.action === 'come-in') return null;
        setDirective(row, event);
        return null;
      }
      case 'standdown': {
        // Kept in the timeline, but no new instruction: (1) the end of a call-in stands down only
        // those not told to come in; a colleague's come-in that crossed it (not yet on the sender's
        // board) stays in force, as for the automatic "not needed now". (2) A second coordinator's
        // identical stand-down (both pressed End call-in / Close) does not replace the first, so
        // the person's acknowledgement stands and they are not asked again.
        const keeps = (row: MutableRow): boolean => {
          const inForce = directiveInForce(row);
          if (event.reason === 'call-in-ended' && inForce?.action === 'come-in') return true;
          return event.reason !== 'individual' && inForce?.action === 'stand-down' && inForce.standDownReason === event.reason;
        };
        if (event.requestId === null) {
          for (const row of rows.values()) if (row.jid === event.responder && !keeps(row)) setDirective(row, event);
          return null;
        }
        if (!requests.has(event.requestId)) return 'unknown-request';
        const row = rowFor(event.requestId, event.responder);
        if (!keeps(row)) setDirective(row, event);
        return null;
      }
      case 'ack': {
        // Kept by directive id, so an ack that sorts before its directive (clock skew) still counts.
        let ids = acked.get(event.responder);
        if (ids === undefined) acked.set(event.responder, (ids = new Set()));
        ids.add(event.directiveId);
        return null;
      }
      case 'arrive': {
        if (!requests.has(event.requestId)) return 'unknown-request';
        const row = rowFor(event.requestId, event.responder);
        if (row.arrivedAt === null) {
          row.arrivedAt = event.at;
          row.arrivedFor = directiveInForce(row)?.action === 'come-in' ? row.directive : null;
        }
        count(row);
        return null;
      }
    }
  }

  // 4. Final state.
  const finalRows = [...rows.values()];
  for (const row of finalRows) {
    const request = requests.get(row.requestId);
    row.line = request === undefined ? null : lineFor(row, request);
    row.status = statusOf(row);
    // An ETA only means something for someone still to arrive.
    row.expectedAt = row.status === 'offered' || row.status === 'standby' || row.status === 'assigned' ? expectedAt(row) : null;
    // A withdrawn instruction is no instruction: not shown on their card, not awaiting their
    // acknowledgement, not reminded (review finding).
    row.directive = directiveInForce(row);
    row.acknowledged = row.directive !== null && (acked.get(row.jid)?.has(row.directive.eventId) ?? false);
  }
  board.requests = [...requests.values()]
    .sort(compareEvents)
    .map((request): RequestBoard => {
      const lines = tally(request, finalRows);
      const sum = (pick: (line: LineTally) => number): number => lines.reduce((total, line) => total + pick(line), 0);
      return {
        requestId: request.requestId,
        at: request.at,
        by: request.actor,
        replyTo: request.replyTo,
        note: request.note,
        lines,
        totalNeeded: sum((line) => line.needed),
        totalAssigned: sum((line) => line.assigned),
        totalArrived: sum((line) => line.arrived),
        filled: lines.every((line) => line.filled),
        closedAt: closedRequests.get(request.requestId) ?? null,
      };
    });
  board.responders = finalRows.map(({ responseSeq: _r, directiveSeq: _d, withdrawnSeq: _w, arrivedFor: _a, ...row }) => row);
  board.locations = locationTotals(board.requests);
  board.timeline = timeline;
  return board;
}

function isCoordinatorKind(kind: IncidentEvent['kind']): boolean {
  return kind === 'request' || kind === 'assign' || kind === 'standdown' || kind === 'close';
}

function isResponderKind(kind: IncidentEvent['kind']): boolean {
  return kind === 'response' || kind === 'ack' || kind === 'arrive';
}

/** Needs, assignments and arrivals per location across every call-in (an ended call-in's arrivals are still there). */
function locationTotals(requests: readonly RequestBoard[]): LocationTotals[] {
  const byKey = new Map<string, LocationTotals>();
  for (const request of requests) {
    for (const line of request.lines) {
      const key = normaliseLabel(line.location);
      let totals = byKey.get(key);
      if (totals === undefined) byKey.set(key, (totals = { location: line.location, needed: 0, assigned: 0, arrived: 0, outstanding: 0 }));
      // Per line, never netted: three doctors for one doctor's place do not stand for two nurses.
      if (request.closedAt === null) totals.outstanding += Math.max(0, line.needed - line.assigned);
      totals.needed += line.needed;
      totals.assigned += line.assigned;
      totals.arrived += line.arrived;
    }
  }
  return [...byKey.values()];
}

// ---------------------------------------------------------------------------------------------
// Queries for the coordinator's client

export function findRow(board: IncidentBoard, requestId: string, responder: string): ResponderRow | undefined {
  return board.responders.find((row) => row.requestId === requestId && row.jid === responder);
}

/**
 * Which coordinator answers late offers: the first coordinator in the request's reply-to list.
 * One deterministic sender, so a responder never gets the same "stand by" from three desks.
 */
export function autoReplier(board: IncidentBoard, requestId: string): string | null {
  const request = board.requests.find((r) => r.requestId === requestId);
  const coordinators = new Set(board.declaration?.coordinators ?? []);
  return request?.replyTo.find((jid) => coordinators.has(jid)) ?? null;
}

/**
 * What this client (`self`) should automatically send in answer to a responder's latest offer:
 * - 'standby' ("Thank you — not needed now, please stand by") when the offer was made after
 *   every line matching their role was filled, or after the whole request was filled;
 * - 'standdown' for any offer still unanswered once the call-in or the incident has ended;
 * - null otherwise, or when someone has already given them a directive, or when `self` is not
 *   the designated replier.
 * Idempotent over the board: once the reply is sent (and its event folded in) the row is no
 * longer 'offered', so replaying the archive after a restart sends nothing twice.
 */
export function autoReplyFor(
  board: IncidentBoard,
  requestId: string,
  responder: string,
  self: string,
): 'standby' | 'standdown' | null {
  const row = findRow(board, requestId, responder);
  const request = board.requests.find((r) => r.requestId === requestId);
  if (row === undefined || request === undefined || row.status !== 'offered') return null;
  if (autoReplier(board, requestId) !== self) return null;
  // Any offer still open once the call-in is over: one made before "End call-in" but delivered
  // after its stand-downs went out would otherwise never be answered.
  if (request.closedAt !== null || board.closedAt !== null) return 'standdown';
  return row.offeredAfterFilled ? 'standby' : null;
}

/** True when this client owes the responder the automatic "not needed now, please stand by". */
export function needsStandbyReply(board: IncidentBoard, requestId: string, responder: string, self: string): boolean {
  return autoReplyFor(board, requestId, responder, self) === 'standby';
}

export interface PendingAutoReply {
  requestId: string;
  responder: string;
  reply: 'standby' | 'standdown';
}

/** Every automatic reply this client owes now; call after each board derivation. */
export function pendingAutoReplies(board: IncidentBoard, self: string): PendingAutoReply[] {
  return board.responders.flatMap((row) => {
    const reply = autoReplyFor(board, row.requestId, row.jid, self);
    return reply === null ? [] : [{ requestId: row.requestId, responder: row.jid, reply }];
  });
}

export interface StandDownTarget {
  responder: string;
  /** Null for the incident-wide stand-down (one message per person). */
  requestId: string | null;
  reason: StandDownReason;
}

/**
 * Who still needs a stand-down:
 * - 'call-in': in every ended call-in (or just `requestId`), those who offered and were not
 *   assigned (status offered or standby);
 * - 'incident': everyone who responded, arrived or was directed, once per person, unless every
 *   one of their rows is already stood down.
 * Idempotent: people already stood down are left out, so a second coordinator pressing the
 * button after the first does nothing.
 */
export function standDownTargets(
  board: IncidentBoard,
  scope: 'call-in' | 'incident',
  requestId?: string,
): StandDownTarget[] {
  if (scope === 'incident') {
    const pending = new Set<string>();
    // An arrival outranks a stand-down on the board, so "already told" is read from the directive.
    const told = (row: ResponderRow): boolean => row.status === 'stood-down' || row.directive?.action === 'stand-down';
    for (const row of board.responders) if (!told(row)) pending.add(row.jid);
    return [...pending].sort().map((responder) => ({ responder, requestId: null, reason: 'incident-closed' }));
  }
  const ended = new Set(
    board.requests
      .filter((r) => (requestId === undefined ? r.closedAt !== null : r.requestId === requestId))
      .map((r) => r.requestId),
  );
  return board.responders
    .filter((row) => ended.has(row.requestId) && (row.status === 'offered' || row.status === 'standby'))
    .map((row) => ({ responder: row.jid, requestId: row.requestId, reason: 'call-in-ended' as const }));
}

// ---------------------------------------------------------------------------------------------
// Drafts for coordinator actions (single and bulk)

export type CoordinatorAction =
  | { action: 'come-in'; location?: string; line?: number | null; note?: string }
  | { action: 'standby'; note?: string }
  | { action: 'stand-down'; reason?: StandDownReason; note?: string };

export interface DraftStamp {
  at: number;
  /** A fresh unique event id per draft. */
  newId: () => string;
}

/**
 * One draft per target, for "Come in → report to LOCATION", "Stand by" or "Stand down" on one
 * row or many. A come-in without a location sends each person to their matched line's location;
 * a target with neither is refused (throws), because "come in" without a place is no instruction.
 */
export function actionDrafts(
  board: IncidentBoard,
  targets: readonly { requestId: string | null; responder: string }[],
  action: CoordinatorAction,
  stamp: DraftStamp,
): IncidentEventDraft[] {
  const declaration = board.declaration;
  if (declaration === null) throw new RangeError('No declaration: nothing to act on');
  const base = { incidentId: board.incidentId, exercise: declaration.exercise, at: stamp.at };
  return targets.map((target): IncidentEventDraft => {
    const note = action.note ?? '';
    if (action.action === 'stand-down') {
      return {
        ...base,
        kind: 'standdown',
        eventId: stamp.newId(),
        requestId: target.requestId,
        responder: target.responder,
        reason: action.reason ?? (target.requestId === null ? 'incident-closed' : 'individual'),
        note,
      };
    }
    if (target.requestId === null) throw new RangeError('Come in and stand by need a request');
    const row = findRow(board, target.requestId, target.responder);
    const request = board.requests.find((r) => r.requestId === target.requestId);
    if (action.action === 'standby') {
      return assignDraft(base, stamp, target.requestId, target.responder, 'standby', null, null, note);
    }
    let line = action.line ?? null;
    if (line === null && action.location === undefined && request !== undefined && row !== undefined) {
      // A row's own "Come in": the line they fill is the one still short among their role's lines
      // (two lines for one role at two places), and it is named, so the count follows the place.
      const placed = row.status === 'assigned' || row.status === 'arrived';
      const role = normaliseLabel(row.role);
      const forRole = request.lines.filter((l) => normaliseLabel(l.role) === role);
      const chosen = placed && row.line !== null ? request.lines[row.line] : (forRole.find((l) => !l.filled) ?? forRole[0]);
      line = chosen?.index ?? row.line;
    }
    const location = action.location ?? request?.lines[line ?? -1]?.location ?? null;
    if (location === null || location.trim() === '') {
      throw new RangeError(`No location to send ${target.responder} to: choose one`);
    }
    return assignDraft(base, stamp, target.requestId, target.responder, 'come-in', location, line, note);
  });
}

function assignDraft(
  base: { incidentId: string; exercise: boolean; at: number },
  stamp: DraftStamp,
  requestId: string,
  responder: string,
  action: AssignAction,
  location: string | null,
  line: number | null,
  note: string,
): IncidentEventDraft {
  return { ...base, kind: 'assign', eventId: stamp.newId(), requestId, responder, action, location, line, note };
}

/**
 * The drafts for this client's pending automatic replies (standby carries NOT_NEEDED_NOW). Once the
 * incident is closed the stand-down says so, as the closing coordinator's own do: with the same
 * reason, whichever of the two a person gets second is set aside, not a second instruction.
 */
export function autoReplyDrafts(board: IncidentBoard, self: string, stamp: DraftStamp): IncidentEventDraft[] {
  const reason = board.closedAt !== null ? 'incident-closed' : 'call-in-ended';
  return pendingAutoReplies(board, self).flatMap((pending) =>
    actionDrafts(
      board,
      [pending],
      pending.reply === 'standby' ? { action: 'standby', note: NOT_NEEDED_NOW } : { action: 'stand-down', reason },
      stamp,
    ),
  );
}

// Sorting the responder table: one implementation, shared with the renderer.
export { sortResponders, type ResponderSortKey, type SortDirection } from '../../common/responderSort.js';

const BOUND_INCIDENT_ID = /^mi-[0-9a-f]{18}-([0-9a-f]{12})$/;

/** A short, stable tag of the declarer's address, carried in every incident id Wardline makes. */
export function declarerTag(jid: string): string {
  return createHash('sha256').update(jid.toLowerCase()).digest('hex').slice(0, 12);
}

/** A new incident id bound to its declarer: "mi-<random>-<declarer tag>". */
export function incidentIdFor(declarer: string): string {
  return `mi-${randomBytes(9).toString('hex')}-${declarerTag(declarer)}`;
}

/** Ids in the bound form must carry the declarer's tag; other ids (older clients, tests) are not bound. */
export function incidentIdMatchesDeclarer(incidentId: string, actor: string): boolean {
  const tag = BOUND_INCIDENT_ID.exec(incidentId)?.[1];
  return tag === undefined || tag === declarerTag(actor);
}

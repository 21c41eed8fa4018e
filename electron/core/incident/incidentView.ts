/**
 * What crosses IPC: the board as this person may see it. Coordinators and displays see every
 * responder; a responder sees only their own rows, so nobody learns who else offered. Free
 * text has NHS numbers masked: incident views are read on shared screens.
 */
import type { IncidentState } from '../../common/contract.js';
import type { IncidentBoard, ResponderRow } from './incidentTypes.js';
import type { UndeliveredIncidentMessage } from './incidentService.js';
import { maskNhsNumbers as mask } from './redaction.js';

export function toIncidentState(
  board: IncidentBoard | null,
  role: 'coordinator' | 'display' | 'responder',
  self: string | null,
  here: {
    unsent: number;
    canDeclare: boolean;
    undelivered?: readonly UndeliveredIncidentMessage[];
    /** The directory's name for a colleague (IT's roster), when it has one. */
    nameOf?: (jid: string) => string | null;
  },
  me: { name: string; role: string },
): IncidentState {
  const meView = { jid: self, name: me.name, role: me.role };
  const { unsent, canDeclare } = here;
  const declaration = board?.declaration ?? null;
  if (board === null || declaration === null) return { incident: null, unsent, canDeclare, me: meView };
  const visible = role === 'responder' ? board.responders.filter((row) => row.jid === self) : board.responders;
  return {
    incident: {
      incidentId: board.incidentId,
      name: mask(declaration.name),
      details: mask(declaration.details),
      exercise: declaration.exercise,
      declaredAt: declaration.declaredAt,
      declaredBy: declaration.declaredBy,
      declaredByName: here.nameOf?.(declaration.declaredBy) ?? null,
      closedAt: board.closedAt,
      myRole: role,
      coordinators: declaration.coordinators,
      displays: declaration.displays,
      announcementRoom: declaration.announcementRoom,
      coordinationRoom: declaration.coordinationRoom,
      requests: board.requests.map((request) => ({
        requestId: request.requestId,
        at: request.at,
        by: request.by,
        note: mask(request.note),
        closedAt: request.closedAt,
        filled: request.filled,
        totalNeeded: request.totalNeeded,
        totalAssigned: request.totalAssigned,
        totalArrived: request.totalArrived,
        lines: request.lines.map((line) => ({
          index: line.index,
          role: mask(line.role),
          location: mask(line.location),
          by: line.by,
          needed: line.needed,
          // A responder sees the need, not how many colleagues offered.
          offered: role === 'responder' ? 0 : line.offered,
          assigned: line.assigned,
          arrived: line.arrived,
          filled: line.filled,
        })),
      })),
      responders: visible.map(rowView),
      locations: board.locations.map((l) => ({ ...l, location: mask(l.location) })),
      undelivered: (here.undelivered ?? []).map(({ ref, resend, kind, to, reason, at }) => ({ ref, resend, kind, to, reason, at })),
    },
    unsent,
    canDeclare,
    me: meView,
  };
}

function rowView(row: ResponderRow): NonNullable<IncidentState['incident']>['responders'][number] {
  return {
    requestId: row.requestId,
    jid: row.jid,
    name: mask(row.name),
    role: mask(row.role),
    availability: row.availability === null ? null : { ...row.availability },
    respondedAt: row.respondedAt,
    expectedAt: row.expectedAt,
    status: row.status,
    directive:
      row.directive === null
        ? null
        : {
            eventId: row.directive.eventId,
            action: row.directive.action,
            location: row.directive.location === null ? null : mask(row.directive.location),
            at: row.directive.at,
            by: row.directive.by,
            note: mask(row.directive.note),
            standDownReason: row.directive.standDownReason,
          },
    acknowledged: row.acknowledged,
    arrivedAt: row.arrivedAt,
    line: row.line,
    offeredAfterFilled: row.offeredAfterFilled,
    responseCount: row.responseCount,
  };
}

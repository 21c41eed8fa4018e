/**
 * What the major-incident contract channels do, after the dispatcher's checks (sender, lock,
 * payload, display-profile allowlist). Refusals carry sentences meant for the person.
 */
import type { RequestChannel } from '../../common/contract.js';
import { RoomJoinError } from '../chat/index.js';
import type { Handlers } from '../ipc/dispatcher.js';
import type { SessionController } from '../session/sessionController.js';
import { displayView } from './displayView.js';
import { loadFormDraft, saveFormDraft } from './formDrafts.js';
import { IncidentError, type IncidentService } from './incidentService.js';
import { personFacing } from '../personFacing.js';
import { toIncidentState } from './incidentView.js';
import { timelineCsv, timelineJson } from './timelineExport.js';

type IncidentChannel = Extract<RequestChannel, `incident:${string}` | 'display:view'>;

/** File names carry the incident id only: names and places stay inside the file. */
const safeName = (incidentId: string): string => incidentId.replace(/[^A-Za-z0-9-]/g, '_').slice(0, 80);

export function incidentHandlers(session: SessionController): Pick<Handlers, IncidentChannel> {
  const service = (): IncidentService => session.incident();
  const done = { done: true as const };
  return {
    'incident:getFormDraft': ({ form }) => loadFormDraft(session.store(), form),
    'incident:saveFormDraft': async (draft) => {
      await saveFormDraft(session.store(), draft);
      return done;
    },
    'incident:state': () => {
      const person = session.person();
      let incident: IncidentService;
      try {
        incident = service();
      } catch {
        return { incident: null, unsent: 0, canDeclare: false, me: person };
      }
      const board = incident.board();
      const role = board === null ? 'responder' : session.profileKind() === 'display' ? 'display' : incident.roleIn(board);
      return toIncidentState(
        board,
        role,
        person.jid,
        {
          unsent: incident.unsent(),
          canDeclare: incident.canDeclare(),
          undelivered: board === null ? [] : incident.undelivered(board.incidentId),
          nameOf: (jid) => session.chat().colleagueName(jid),
        },
        person,
      );
    },
    'incident:declare': (input) => {
      // Rooms left empty: the hospital's preconfigured ones (policy), if IT set them.
      const rooms = session.incidentRooms();
      return personFacing(() =>
        service().declare({
          ...input,
          announcementRoom: input.announcementRoom ?? rooms.announcement ?? null,
          coordinationRoom: input.coordinationRoom ?? rooms.coordination ?? null,
        }),
      );
    },
    'incident:watch': ({ roomJid }) =>
      personFacing(async () => {
        // Never create it: whoever creates a room owns it, and the announcement room is IT's or the coordinators'.
        await session
          .chat()
          .joinRoom(roomJid, 'Major incident announcements', { existingOnly: true, moderated: true })
          .catch((error: unknown) => {
            if (error instanceof RoomJoinError && error.condition === 'item-not-found') {
              throw new IncidentError('That announcement room does not exist yet. Check the address with your coordinator or IT.');
            }
            throw error;
          });
        return done;
      }),
    'incident:request': (input) => personFacing(() => service().request(input)),
    'incident:respond': (input) =>
      personFacing(async () => {
        await service().respond({ requestId: input.requestId, availability: input.availability, ...(input.role ? { role: input.role } : {}) });
        return done;
      }),
    'incident:act': ({ targets, action, location }) =>
      personFacing(() =>
        service().act({
          targets,
          action: action === 'come-in' ? { action, ...(location ? { location } : {}) } : action === 'standby' ? { action } : { action, reason: 'individual' },
        }),
      ),
    'incident:resend': ({ ref }) =>
      personFacing(async () => {
        await service().resend(ref);
        return done;
      }),
    'incident:endCallIn': ({ requestId }) => personFacing(() => service().endCallIn({ requestId })),
    'incident:acknowledge': ({ directiveId }) =>
      personFacing(async () => {
        await service().acknowledge({ directiveId });
        return done;
      }),
    'incident:arrive': ({ requestId, location }) =>
      personFacing(async () => {
        await service().arrive({ requestId, location: location ?? null });
        return done;
      }),
    'incident:close': ({ note }) => personFacing(() => service().close({ ...(note ? { note } : {}) })),
    'incident:export': () =>
      personFacing(async () => {
        const incident = service();
        const board = incident.board();
        if (board === null || board.declaration === null) throw new IncidentError('There is no major incident to export.');
        if (incident.roleIn(board) !== 'coordinator') throw new IncidentError('Only the incident’s coordinators can export its timeline.');
        const name = `wardline-incident-${safeName(board.incidentId)}`;
        const [csv, json] = await session.saveExports([
          { request: { suggestedName: `${name}.csv`, content: timelineCsv(board), mediaType: 'text/csv' }, what: 'incident-timeline-csv' },
          { request: { suggestedName: `${name}.json`, content: timelineJson(board, Date.now()), mediaType: 'application/json' }, what: 'incident-timeline-json' },
        ]);
        return { csv: csv!, json: json! };
      }),
    'display:view': () => {
      let incident: IncidentService;
      try {
        incident = service();
      } catch {
        return null;
      }
      const board = incident.board();
      if (board === null || board.declaration === null) return null;
      // Who is coming in is for the control room and the coordinators, not for every responder.
      if (session.profileKind() !== 'display' && incident.roleIn(board) === 'responder') return null;
      return displayView(board, { now: Date.now() });
    },
  };
}

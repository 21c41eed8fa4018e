/**
 * Major-incident mode, pure core: the wire forms, the board every coordinator derives from
 * the same events, the timeline export and the control-room display's view model. No sockets
 * and no store: the chat service feeds events in and sends the stanzas these build.
 */
export * from './incidentTypes.js';
export {
  INCIDENT_LIMITS,
  EXERCISE_PREFIX,
  NOT_NEEDED_NOW,
  formTypeOf,
  buildIncidentForm,
  buildIncidentMessage,
  incidentBody,
  describeLine,
  incidentDestinations,
  isIncidentForm,
  parseIncidentForm,
  parseIncidentStanza,
  type BodyOptions,
  type IncidentMessage,
  type IncidentRoutes,
  type Destination,
} from './incidentForms.js';
export {
  deriveBoard,
  compareEvents,
  orderEvents,
  normaliseLabel,
  findRow,
  autoReplier,
  autoReplyFor,
  needsStandbyReply,
  pendingAutoReplies,
  standDownTargets,
  actionDrafts,
  autoReplyDrafts,
  sortResponders,
  type BoardOptions,
  type PendingAutoReply,
  type StandDownTarget,
  type CoordinatorAction,
  type DraftStamp,
  type ResponderSortKey,
  type SortDirection,
} from './board.js';
export { csvCell, timelineCsv, timelineJson, timelineJsonValue, TIMELINE_CSV_COLUMNS, type TimelineJson } from './timelineExport.js';
export {
  displayView,
  formatElapsed,
  type Announcement,
  type DisplayOptions,
  type DisplayView,
  type DisplayLocation,
  type EnRoute,
} from './displayView.js';
export { maskNhsNumbers } from './redaction.js';

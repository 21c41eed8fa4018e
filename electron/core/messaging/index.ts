/**
 * Messaging codecs and input-safety policy: pure functions from our intent to stanzas and
 * from stanzas to typed events. No sockets; the messaging service wires these to the
 * connection and the store.
 */
export { NS } from './namespaces.js';
export { parseJid, bareJidOf, isTrustedDomain, roomVouchesFor, jidForLog, logToken, serverWordForLog, type Jid } from './jid.js';
export { MAX_ID_LENGTH, isSafeId } from './ids.js';
export {
  buildChatMessage,
  buildGroupchatMessage,
  buildReceipt,
  buildDisplayedMarker,
  buildRetraction,
  RETRACTION_FALLBACK_BODY,
  type ConversationType,
  type OutgoingMessage,
  type OutgoingRetraction,
} from './outgoingStanzas.js';
export {
  buildPersonalArchiveQuery,
  buildRoomArchiveQuery,
  buildEnableCarbons,
  parseArchiveFin,
  MAX_ARCHIVE_PAGE,
  type ArchivePage,
  type PersonalArchiveQuery,
  type RoomArchiveQuery,
  type ArchiveFin,
} from './archiveQueries.js';
export { LIVE_DELAY_WINDOW_MS, parseIncoming } from './parseIncoming.js';
export { buildDirectInvitation, readInvitation, isInvitation, type InvitationReading } from './roomInvitations.js';
export {
  parseBounce,
  isBounceFromRecipient,
  decideBounce,
  failureReason,
  WAIT_RETRY_DELAYS_MS,
  type MessageBounce,
  type BounceDecision,
  type BouncedConversation,
  type StanzaErrorType,
} from './bounces.js';
export type * from './incomingTypes.js';
export {
  sanitizeBody,
  checkOutgoingBody,
  neutraliseText,
  neutraliseName,
  countCharacters,
  DEFAULT_BODY_LIMIT,
  type SanitizedBody,
  type OutgoingBodyCheck,
} from './bodySafety.js';
export { findNhsNumbers, isValidNhsNumber, nhsCheckDigit, containsNhsNumber, type NhsNumberMatch } from './nhsNumber.js';
export { parseDelayStamp, MAX_FUTURE_SKEW_MS } from './sentTime.js';

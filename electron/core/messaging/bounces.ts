/**
 * A <message type='error'/> answering one of ours (RFC 6120 §8.3): the server or the recipient
 * refused it, so it was not delivered. Pure: read the bounce, decide who may send one, and
 * decide what to do about it. Never reads or returns a body: error replies may echo our text.
 */
import type { DeliveryFailureReason } from '../../common/contract.js';
import type { XmlElement } from '../xmpp/xml.js';
import { parseJid, type Jid } from './jid.js';
import { attr, childElements, clientChildren, idAttr, isClientStanza, trustedStanzaId } from './stanzaReading.js';

const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** RFC 6120 §8.3.2 error types. */
export type StanzaErrorType = 'auth' | 'cancel' | 'continue' | 'modify' | 'wait';
const ERROR_TYPES: ReadonlySet<string> = new Set<StanzaErrorType>(['auth', 'cancel', 'continue', 'modify', 'wait']);

/** RFC 6120 §8.3.3 defined conditions: the only names we log or act on. */
const CONDITIONS: ReadonlySet<string> = new Set([
  'bad-request',
  'conflict',
  'feature-not-implemented',
  'forbidden',
  'gone',
  'internal-server-error',
  'item-not-found',
  'jid-malformed',
  'not-acceptable',
  'not-allowed',
  'not-authorized',
  'policy-violation',
  'recipient-unavailable',
  'redirect',
  'registration-required',
  'remote-server-not-found',
  'remote-server-timeout',
  'resource-constraint',
  'service-unavailable',
  'subscription-required',
  'undefined-condition',
  'unexpected-request',
]);

export interface MessageBounce {
  /** The id of the message bounced: ours equal its origin-id. */
  id: string;
  from: Jid;
  /** Null when missing or not one of RFC 6120's. */
  errorType: StanzaErrorType | null;
  /** A defined condition; anything else reads as 'undefined-condition'. */
  condition: string;
  /**
   * Our server's archive id for this bounce: the stanza-id it stamped by our account (XEP-0359: it
   * stamps what it archives), or the result id when read back from the archive. Null when it was
   * not archived, and so can never be read again.
   */
  archiveId: string | null;
}

/**
 * The bounce in a stanza, or null if it is not a message error with an id and a sender. `ownBare`:
 * whose archive stamps count (none read when absent).
 */
export function parseBounce(stanza: XmlElement, ownBare?: string): MessageBounce | null {
  if (!isClientStanza(stanza, 'message') || attr(stanza, 'type') !== 'error') return null;
  const id = idAttr(stanza, 'id');
  const from = parseJid(attr(stanza, 'from'));
  if (id === null || from === null) return null;
  const error = clientChildren(stanza, 'error')[0];
  const rawType = error === undefined ? undefined : attr(error, 'type');
  const named = error === undefined ? undefined : childElements(error).find((child) => child.getNS() === STANZAS && CONDITIONS.has(child.getName()));
  return {
    id,
    from,
    errorType: rawType !== undefined && ERROR_TYPES.has(rawType) ? (rawType as StanzaErrorType) : null,
    condition: named?.getName() ?? 'undefined-condition',
    archiveId: ownBare === undefined ? null : trustedStanzaId(stanza, ownBare),
  };
}

export interface BouncedConversation {
  /** The peer's bare JID, or the room's. */
  jid: string;
  kind: 'direct' | 'room';
}

/**
 * Only whoever the message went to, or our own server, can say it was not delivered.
 * - 1:1: the peer's bare JID or any of its full JIDs (the recipient's own client may refuse it).
 * - Room: the room's bare JID only. Other occupants write to us as room/nick and have seen our
 *   message's id in the room, so a full room JID must not be able to fail our messages.
 * - Our server: its bare domain (server modules such as rate limits and policies answer as it).
 * Our server stamps `from` on everything it routes to us, so a different account cannot claim these.
 */
export function isBounceFromRecipient(from: Jid, conversation: BouncedConversation, ownDomain: string): boolean {
  if (from.local === null && from.resource === null && from.domain === ownDomain) return true;
  if (conversation.kind === 'room') return from.resource === null && from.bare === conversation.jid;
  return from.bare === conversation.jid;
}

/**
 * Waits before each automatic resend after a 'wait' error. Three tries over about two and a
 * half minutes rides out a busy server; after that the person decides (see decideBounce).
 */
export const WAIT_RETRY_DELAYS_MS: readonly number[] = [5_000, 30_000, 120_000];

export interface BounceDecision {
  reason: DeliveryFailureReason;
  /** Resend automatically after this long; null = wait for the person to press Retry. */
  retryAfterMs: number | null;
}

/**
 * What a bounce means for the message. It is always marked failed at once (so the person sees
 * "Not delivered", and the server's later acknowledgement of the same stanza cannot turn it back
 * into a tick; a restart meanwhile leaves it failed with a Retry button, never silently 'sent').
 * Errors of type 'wait' are temporary by definition (RFC 6120 §8.3.2: "retry after waiting"),
 * and a resend is safe because it keeps the origin-id (receivers de-duplicate), so those are also
 * resent automatically a bounded number of times: a clinician should not have to notice a
 * momentarily busy server, but one that stays busy (or claims to, forever) must not make us
 * loop. Every other error waits for the person: resending cannot fix a missing address or a refusal.
 */
export function decideBounce(
  bounce: Pick<MessageBounce, 'errorType' | 'condition'>,
  kind: BouncedConversation['kind'],
  automaticRetriesSoFar: number,
  delays: readonly number[] = WAIT_RETRY_DELAYS_MS,
): BounceDecision {
  const named = failureReason(bounce.condition, kind);
  if (bounce.errorType !== 'wait') return { reason: named, retryAfterMs: null };
  return { reason: named === 'unknown' ? 'server-busy' : named, retryAfterMs: delays[automaticRetriesSoFar] ?? null };
}

/** The condition in words a person can act on (rendered by the UI). */
export function failureReason(condition: string, kind: BouncedConversation['kind']): DeliveryFailureReason {
  switch (condition) {
    case 'item-not-found':
    case 'recipient-unavailable':
    case 'gone':
    case 'jid-malformed':
      return 'no-such-address';
    case 'service-unavailable':
      // Prosody and ejabberd answer a message to an account that does not exist this way
      // (RFC 6121 §8.5.2); a room that does not take messages at all is a refusal.
      return kind === 'direct' ? 'no-such-address' : 'refused';
    case 'remote-server-not-found':
    case 'remote-server-timeout':
      return 'server-unreachable';
    case 'forbidden':
    case 'not-acceptable':
    case 'not-allowed':
    case 'not-authorized':
    case 'registration-required':
    case 'subscription-required':
      return kind === 'room' ? 'not-allowed-in-room' : 'refused';
    case 'policy-violation':
      return 'refused';
    case 'resource-constraint':
      return 'server-busy';
    default:
      return 'unknown';
  }
}

/**
 * Retractions after transcription waiting to be sent (XEP-0424 + Wardline's transcription
 * marker). Queued in the same transaction that removes the messages, so a removal is never left
 * without its retraction; the messaging service sends them and forgets each once the server
 * acknowledges it. Ids and a name only: no content.
 */
export const PENDING_RETRACTIONS_SETTING = 'governance.pendingRetractions';

export interface PendingRetraction {
  /** This retraction message's own id. */
  id: string;
  /** The peer (1:1) or room address. */
  to: string;
  type: 'chat' | 'groupchat';
  /** origin-id in 1:1 chats, the room's stanza-id in rooms (XEP-0424 §4). */
  targetId: string;
  byName: string;
  at: number;
}

export function parsePendingRetractions(raw: string | null): PendingRetraction[] {
  if (raw === null) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter(isPendingRetraction) : [];
  } catch {
    return [];
  }
}

function isPendingRetraction(value: unknown): value is PendingRetraction {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r['id'] === 'string' &&
    typeof r['to'] === 'string' &&
    (r['type'] === 'chat' || r['type'] === 'groupchat') &&
    typeof r['targetId'] === 'string' &&
    typeof r['byName'] === 'string' &&
    typeof r['at'] === 'number'
  );
}

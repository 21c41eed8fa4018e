/**
 * What a workstation says while messaging is down and Wardline is reconnecting by itself. The
 * header only says "Offline since 14:02"; a clerk also needs why, what to do, and that what they
 * send is not lost. While it retries, the connection alternates between offline and connecting:
 * the last outage is kept through the connecting spells, so the note neither flickers nor is
 * spoken again, and goes once messaging is back (or sign-in is needed, which says so itself).
 */
import type { ConnectionView } from '../../../electron/common/contract.js';

export interface Outage {
  since: number;
  /** Main's plain-words reason (electron/core/chat/connectionReason.ts). */
  reason: string;
}

export function nextOutage(previous: Outage | null, connection: ConnectionView): Outage | null {
  switch (connection.kind) {
    case 'offline':
      // Stopped for good: the sign-in alert takes over.
      if (connection.retryAt === null) return null;
      // Unchanged: the same object, so nothing on screen (or in a screen reader) changes.
      if (previous !== null && previous.since === connection.since && previous.reason === connection.reason) return previous;
      return { since: connection.since, reason: connection.reason };
    case 'connecting':
      return previous;
    default:
      return null;
  }
}

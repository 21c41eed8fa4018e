/**
 * Sending the invitations for people just added to a team room (XEP-0249, built by
 * messaging/roomInvitations.ts). They go on the stream-managed connection like receipts and
 * markers: acknowledged by the server (XEP-0198), and resent by the next session if one replaces
 * the stream before the acknowledgement (ChatService's session-restarted handler resends every
 * body-less message). What is neither acknowledged in time nor resent is counted, so the person
 * adding is told rather than believing everyone knows.
 */
import { randomBytes } from 'node:crypto';
import { buildDirectInvitation, jidForLog } from '../messaging/index.js';
import { XmppError, type XmlElement } from '../xmpp/index.js';
import { errorName } from '../logSafeErrors.js';

/** How long to wait for the server's acknowledgement of each invitation. */
export const INVITATION_ACK_WAIT_MS = 10_000;

export interface InvitationSendingDeps {
  /** Resolves when the server acknowledges the stanza (XmppConnection.send). */
  send(stanza: XmlElement): Promise<void>;
  log(line: string): void;
  ackWaitMs?: number;
}

/** Invites each of `people` (bare JIDs) into `room`; returns how many invitations the server did not confirm. */
export async function sendInvitations(deps: InvitationSendingDeps, room: string, people: readonly string[]): Promise<number> {
  const confirmed = await Promise.all(people.map((to) => sendInvitation(deps, room, to)));
  return confirmed.filter((ok) => !ok).length;
}

async function sendInvitation(deps: InvitationSendingDeps, room: string, to: string): Promise<boolean> {
  const sending = deps.send(buildDirectInvitation({ to, room, id: `wl-invite-${randomBytes(9).toString('hex')}` }));
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<'unconfirmed'>((resolve) => {
    timer = setTimeout(() => resolve('unconfirmed'), deps.ackWaitMs ?? INVITATION_ACK_WAIT_MS);
  });
  try {
    if ((await Promise.race([sending.then(() => 'acked' as const), waited])) === 'acked') return true;
    // Still held by the connection: it may yet go, but only while Wardline runs.
    deps.log(`chat invitation-unconfirmed room=${jidForLog(room)} to=${jidForLog(to)}`);
    return false;
  } catch (error) {
    // A fresh session replaced the stream before the acknowledgement: it resends the invitation.
    if (error instanceof XmppError && error.kind === 'not-acked') return true;
    deps.log(`chat invitation-not-sent room=${jidForLog(room)} to=${jidForLog(to)} error=${errorName(error)}`);
    return false;
  } finally {
    clearTimeout(timer);
  }
}

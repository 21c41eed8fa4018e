/**
 * Acting on team-room invitations (parsed and domain-checked by messaging/roomInvitations.ts):
 * someone in the organisation added the person to a room, and the room joins their conversation
 * list (and bookmarks, so every workstation of theirs follows).
 *
 * Invitations are replayed: carbons to the person's other workstations, and the archive (Prosody
 * hands a workstation that reads its archive before presence, as Wardline does, its offline
 * messages only from there). So acting on one must be harmless when repeated, and must never
 * undo a decision the person made:
 * - a room already joined (or being joined) is left alone;
 * - a room the person left on this workstation after the invitation was sent stays left;
 * - an archived invitation from before this profile's first sign-in is not acted on when the
 *   person already had a room list then: their other workstations acted on it (or they left the
 *   room since), and the room list, not an old invitation, says which rooms are theirs;
 * - only members-only rooms are joined: an insider cannot pull people into an open room.
 * Like RoomFollowing, invitations wait until a session's set-up has joined the bookmarked rooms.
 */
import { jidForLog, serverWordForLog, type IncomingInvitation } from '../messaging/index.js';
import { errorName } from '../logSafeErrors.js';
import type { WardlineStore } from '../store/index.js';

/** When archived invitations start to count for this profile (epoch ms; 0: all of them). */
const SINCE_SETTING = 'rooms.invitationsSince';
/**
 * Rooms whose invitations may wait at once. Each costs the server a disco#info and maybe a join,
 * one after another: a colleague's script (or a compromised account) inviting to thousands of
 * addresses must not queue work, and memory, without end. Far above a real day's additions.
 */
export const MAX_WAITING_INVITATIONS = 100;
/**
 * Of those, how many one inviter's may take: a flood from one account (the case above) must not
 * crowd out a colleague's real invitation, which would be lost (its archive copy is behind the
 * next session's catch-up), and the log must name the account flooding, not whoever came next.
 */
export const MAX_WAITING_PER_INVITER = 50;

export interface RoomInfo {
  membersOnly: boolean;
  /** The room's own name (disco#info identity), or null if it has none. */
  name: string | null;
}

export interface RoomInvitationsDeps {
  store: Pick<WardlineStore, 'getSetting' | 'setSetting' | 'teamRooms'>;
  /** This session's set-up has run to its end (bookmarked rooms joined). */
  setUpFinished(): boolean;
  /** In the room (or on the way in) on this workstation now. */
  inRoom(room: string): boolean;
  /** What the room says about itself; null when there is no such room. */
  describe(room: string): Promise<RoomInfo | null>;
  /** Joins an existing room and bookmarks it, as a person's own join does. */
  join(room: string, name: string): Promise<void>;
  log(line: string): void;
}

export type InvitationOutcome = 'joined' | 'already-in' | 'left-since' | 'before-this-workstation' | 'no-such-room' | 'open-room';

export class RoomInvitations {
  readonly #waiting = new Map<string, IncomingInvitation>();
  #applying: Promise<void> = Promise.resolve();
  /** Said once a session: a flood must not become a flood of log lines too. */
  #overflowLogged = false;

  constructor(private readonly deps: RoomInvitationsDeps) {}

  /** An invitation to us, from the organisation (the parser checked both addresses). */
  received(invitation: IncomingInvitation): void {
    const earlier = this.#waiting.get(invitation.room);
    if (earlier === undefined) {
      let fromInviter = 0;
      for (const waiting of this.#waiting.values()) if (waiting.inviter === invitation.inviter) fromInviter += 1;
      if (fromInviter >= MAX_WAITING_PER_INVITER || this.#waiting.size >= MAX_WAITING_INVITATIONS) {
        if (!this.#overflowLogged) {
          this.deps.log(`chat invitations-dropped waiting=${this.#waiting.size} from-inviter=${fromInviter} from=${jidForLog(invitation.inviter)}`);
        }
        this.#overflowLogged = true;
        return;
      }
    }
    // One per room: the newest counts (it is the one a leave must be older than).
    if (earlier === undefined || earlier.sentAt < invitation.sentAt) this.#waiting.set(invitation.room, invitation);
    if (this.deps.setUpFinished()) void this.#applyWaiting();
  }

  /**
   * A session's set-up read the bookmarks: the first one on this profile fixes which archived
   * invitations count. With no room list at all the account has never been in a room (a new
   * starter): every archived invitation counts, or rooms they were added to before their first
   * sign-in would never appear.
   */
  async signedIn(at: number, hadRoomList: boolean): Promise<void> {
    if ((await this.deps.store.getSetting(SINCE_SETTING)) !== null) return;
    await this.deps.store.setSetting(SINCE_SETTING, String(hadRoomList ? at : 0));
  }

  /** The set-up has finished (or given up): act on what arrived while it ran. */
  setUpFinished(): Promise<void> {
    return this.#applyWaiting();
  }

  /** A fresh session: its own archive catch-up brings again whatever still waits. */
  sessionStarted(): void {
    this.#waiting.clear();
    this.#overflowLogged = false;
  }

  /** Settles once the invitations being acted on are (the store must not close under them). */
  idle(): Promise<void> {
    return this.#applying;
  }

  #applyWaiting(): Promise<void> {
    this.#applying = this.#applying.then(async () => {
      while (this.#waiting.size > 0 && this.deps.setUpFinished()) {
        const [room, invitation] = this.#waiting.entries().next().value as [string, IncomingInvitation];
        this.#waiting.delete(room);
        try {
          const outcome = await this.#apply(invitation);
          this.deps.log(`chat invitation room=${jidForLog(room)} from=${jidForLog(invitation.inviter)} source=${invitation.source} outcome=${outcome}`);
        } catch (error) {
          // A join refusal says why (registration-required: not a member); the server's word, escaped.
          const condition = (error as { condition?: unknown } | null)?.condition;
          const why = typeof condition === 'string' ? serverWordForLog(condition) : errorName(error);
          this.deps.log(`chat invitation-failed room=${jidForLog(room)} from=${jidForLog(invitation.inviter)} error=${why}`);
        }
      }
    });
    return this.#applying;
  }

  async #apply(invitation: IncomingInvitation): Promise<InvitationOutcome> {
    const { room, sentAt } = invitation;
    if (this.deps.inRoom(room)) return 'already-in';
    const left = (await this.deps.store.teamRooms()).find((known) => known.jid === room)?.leftAt ?? null;
    if (left !== null && sentAt <= left) return 'left-since';
    if (invitation.source === 'archive' && sentAt < (await this.#archivedSince())) return 'before-this-workstation';
    const info = await this.deps.describe(room);
    if (info === null) return 'no-such-room';
    if (!info.membersOnly) return 'open-room';
    // Checked again: a join from a bookmark (another workstation accepted it too) may have started meanwhile.
    if (this.deps.inRoom(room)) return 'already-in';
    await this.deps.join(room, info.name ?? room.slice(0, room.indexOf('@')));
    return 'joined';
  }

  /** Before the first sign-in recorded its start, no archived invitation counts. */
  async #archivedSince(): Promise<number> {
    const raw = await this.deps.store.getSetting(SINCE_SETTING);
    const since = raw === null ? Number.NaN : Number(raw);
    return Number.isFinite(since) ? since : Number.POSITIVE_INFINITY;
  }
}

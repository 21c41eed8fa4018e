/**
 * Following the person's room list while signed in: a room joined at another of their
 * workstations is joined here too, and a room left there is left here for this session (as if
 * it had had no bookmark at sign-in; nothing is stored, so a join again anywhere undoes it).
 *
 * Changes that arrive while a session is still being set up wait for its end: the set-up reads the
 * bookmarks itself, and a join started beside its own would replace it. Only the last change per
 * room counts (a join then a leave elsewhere is a leave), and changes apply one at a time.
 */
import type { BookmarkChange } from './bookmarkEvents.js';
import { jidForLog } from '../messaging/index.js';
import { errorName } from '../logSafeErrors.js';

export interface RoomFollowingDeps {
  /** This session's set-up has run to its end (rooms rejoined from the bookmarks it read). */
  setUpFinished(): boolean;
  /** In the room (or on the way in) on this workstation now. */
  inRoom(room: string): boolean;
  /** The person left it on this workstation: the echo of our own retraction changes nothing. */
  leftHere(room: string): boolean;
  /**
   * Rooms a major incident uses are never left because of another workstation: true if this is one
   * (its bookmark has been put back).
   */
  keep(room: string): Promise<boolean>;
  join(room: string, name: string): Promise<void>;
  /** Out of the room for this session; false if we were not in it. */
  leave(room: string): Promise<boolean>;
  log(line: string): void;
}

export class RoomFollowing {
  readonly #waiting = new Map<string, BookmarkChange>();
  #applying: Promise<void> = Promise.resolve();

  constructor(private readonly deps: RoomFollowingDeps) {}

  /** Changes pushed by our own account's PEP service (bookmarkEvents.ts has checked the sender). */
  changed(changes: readonly BookmarkChange[]): void {
    for (const change of changes) {
      this.#waiting.delete(change.room);
      this.#waiting.set(change.room, change);
    }
    if (this.deps.setUpFinished()) this.#applyWaiting();
  }

  /** A fresh session's set-up reads the bookmarks itself: what waited is in what it reads. */
  sessionStarted(): void {
    this.#waiting.clear();
  }

  /** The set-up has finished (or given up): apply what arrived while it ran. */
  setUpFinished(): Promise<void> {
    return this.#applyWaiting();
  }

  /** Settles once the changes being applied are (the store must not close under them). */
  idle(): Promise<void> {
    return this.#applying;
  }

  #applyWaiting(): Promise<void> {
    this.#applying = this.#applying.then(async () => {
      while (this.#waiting.size > 0 && this.deps.setUpFinished()) {
        const [room, change] = this.#waiting.entries().next().value as [string, BookmarkChange];
        this.#waiting.delete(room);
        await this.#apply(change).catch((error: unknown) => this.deps.log(`chat room-follow-failed room=${jidForLog(room)} error=${errorName(error)}`));
      }
    });
    return this.#applying;
  }

  async #apply(change: BookmarkChange): Promise<void> {
    const { room } = change;
    if (change.kind === 'added') {
      // Our own join's echo, or a room we are already in.
      if (this.deps.inRoom(room)) return;
      this.deps.log(`chat room-joined-elsewhere room=${jidForLog(room)}`);
      await this.deps.join(room, change.name);
      return;
    }
    // Our own leave's echo.
    if (this.deps.leftHere(room)) return;
    if (await this.deps.keep(room)) {
      this.deps.log(`chat room-kept room=${jidForLog(room)} reason=incident`);
      return;
    }
    if (await this.deps.leave(room)) this.deps.log(`chat room-left-elsewhere room=${jidForLog(room)}`);
  }
}

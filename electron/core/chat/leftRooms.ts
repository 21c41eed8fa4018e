/**
 * The team rooms the person left, as this workstation knows them: the store's mark (the
 * conversation says so, and nothing is sent there) and the bookmark retractions still owed to the
 * server (a leave while offline), told at the next sign-in. Nothing is inferred from a bookmark's
 * absence or presence: the bookmark list is shared by all the person's workstations, and a join
 * again on one of them must not be undone by another.
 */
import type { TeamRoom, WardlineStore } from '../store/index.js';

const OWED_SETTING = 'rooms.bookmarkRetractionsOwed';

export class LeftRooms {
  readonly #left = new Set<string>();
  #loaded: Promise<void> | null = null;
  /** Read-modify-write of the owed list, one at a time. */
  #writes: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: Pick<WardlineStore, 'teamRooms' | 'getSetting' | 'setSetting'>) {}

  /** Reads the rooms marked left, once; a failed read is tried again by the next caller. */
  load(): Promise<void> {
    this.#loaded ??= this.store.teamRooms().then(
      (rooms) => {
        for (const room of rooms) if (room.left) this.#left.add(room.jid);
      },
      (error: unknown) => {
        this.#loaded = null;
        throw error;
      },
    );
    return this.#loaded;
  }

  /** The rooms as sign-in has just read them: counts as the load, so they are not read twice. */
  adopt(rooms: readonly TeamRoom[]): void {
    if (this.#loaded !== null) return;
    for (const room of rooms) if (room.left) this.#left.add(room.jid);
    this.#loaded = Promise.resolve();
  }

  /** Only meaningful after load(); before it, nothing is known to be left. */
  has(room: string): boolean {
    return this.#left.has(room);
  }

  /**
   * The person left it here: the server's bookmark is owed its retraction until settled(). Known as
   * left only once the debt is stored: if that fails, nothing is left (the caller says so).
   */
  async left(room: string): Promise<void> {
    await this.#changeOwed((owed) => owed.add(room));
    this.#left.add(room);
  }

  /** Joined again (here): no longer left, and any retraction still owed would undo the join. */
  rejoined(room: string): Promise<void> {
    this.#left.delete(room);
    return this.#changeOwed((owed) => owed.delete(room));
  }

  /** The server has the retraction (or there was no bookmark to retract). */
  settled(room: string): Promise<void> {
    return this.#changeOwed((owed) => owed.delete(room));
  }

  async owed(): Promise<string[]> {
    await this.#writes;
    return [...(await this.#readOwed())];
  }

  #changeOwed(change: (owed: Set<string>) => unknown): Promise<void> {
    const write = this.#writes.then(async () => {
      const owed = await this.#readOwed();
      change(owed);
      await this.store.setSetting(OWED_SETTING, JSON.stringify([...owed]));
    });
    this.#writes = write.catch(() => undefined);
    return write;
  }

  async #readOwed(): Promise<Set<string>> {
    const raw = await this.store.getSetting(OWED_SETTING);
    try {
      const parsed: unknown = raw === null ? [] : JSON.parse(raw);
      return new Set(Array.isArray(parsed) ? parsed.filter((room): room is string => typeof room === 'string') : []);
    } catch {
      return new Set();
    }
  }
}

/**
 * Each team room's notification level, held in memory so every arrival can be tagged with it
 * without a store read. Loaded once when messaging starts; until then, and if the read fails,
 * every room counts as 'all': a room that notifies once too often is safer than a mention missed.
 */
import type { NotifyLevel } from '../../common/notifyLevels.js';
import type { WardlineStore } from '../store/index.js';
import { errorName } from '../logSafeErrors.js';

export class RoomNotifyLevels {
  readonly #store: Pick<WardlineStore, 'quietRooms' | 'setRoomNotify'>;
  readonly #levels = new Map<number, NotifyLevel>();
  /** Settles (never rejects) once the stored levels are in. */
  readonly loaded: Promise<void>;

  constructor(store: Pick<WardlineStore, 'quietRooms' | 'setRoomNotify'>, log: (line: string) => void) {
    this.#store = store;
    this.loaded = store.quietRooms().then(
      (rooms) => {
        // A level set while this read was on its way is newer: kept.
        for (const { conversationId, notify } of rooms) if (!this.#levels.has(conversationId)) this.#levels.set(conversationId, notify);
      },
      (error: unknown) => log(`chat notify-levels-unread error=${errorName(error)}`),
    );
  }

  of(conversationId: number): NotifyLevel {
    return this.#levels.get(conversationId) ?? 'all';
  }

  /** Stored first, then applied. False when the conversation is not a team room. */
  async set(conversationId: number, level: NotifyLevel): Promise<boolean> {
    if (!(await this.#store.setRoomNotify(conversationId, level))) return false;
    this.#levels.set(conversationId, level);
    return true;
  }
}

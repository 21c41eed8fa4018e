/**
 * The presence the person chose (available, busy, off duty), kept in the profile's encrypted
 * settings, so a lock/unlock or a restart does not quietly show them as available again. Every
 * fresh session announces it (chatService.ts); directory.ts maps it to XMPP <show>.
 */
import type { WardlineStore } from '../store/index.js';
import type { Presence } from './chatTypes.js';
import { errorName } from '../logSafeErrors.js';

export const PRESENCE_SETTING = 'xmpp.presence';

const PRESENCES: readonly Presence[] = ['available', 'busy', 'off-duty'];

/** A stored value, or 'available' when there is none (or it is not one we know). */
export function parseKeptPresence(raw: string | null): Presence {
  return PRESENCES.find((presence) => presence === raw) ?? 'available';
}

export interface KeptPresenceDeps {
  store: Pick<WardlineStore, 'getSetting' | 'setSetting'>;
  log: (line: string) => void;
}

export class KeptPresence {
  readonly #deps: KeptPresenceDeps;
  readonly #loaded: Promise<void>;
  #current: Presence = 'available';
  /** Changes are written one at a time, in the order the person made them. */
  #writes: Promise<void> = Promise.resolve();

  constructor(deps: KeptPresenceDeps) {
    this.#deps = deps;
    this.#loaded = deps.store.getSetting(PRESENCE_SETTING).then(
      (raw) => {
        this.#current = parseKeptPresence(raw);
      },
      (error: unknown) => deps.log(`chat presence-load-failed error=${errorName(error)}`),
    );
  }

  /** Resolves once the kept presence has been read (it never rejects). */
  loaded(): Promise<void> {
    return this.#loaded;
  }

  /** The presence in force now: the kept one once loaded(), 'available' before. */
  now(): Presence {
    return this.#current;
  }

  /** Kept first, then in force: a change the store refuses rejects and changes nothing. */
  set(presence: Presence): Promise<void> {
    const work = this.#writes.then(async () => {
      await this.#loaded;
      await this.#deps.store.setSetting(PRESENCE_SETTING, presence);
      this.#current = presence;
    });
    this.#writes = work.catch(() => undefined);
    return work;
  }
}

/**
 * Bounces already applied, remembered in the profile's encrypted settings. Prosody archives every
 * error sent to our full JID, online or not, so each bounce we handle live comes back in our
 * archive; read again (a later catch-up, a repair, a lost cursor) it would fail a message the
 * person has since sent again successfully. Keys are ids and addresses only, never text.
 *
 * A bounce is known by its archive id: a retry keeps the message's id, so a second, genuine
 * refusal of the retry (same sender, same condition) is a different bounce and must fail the
 * message again. Before that, keys were message id, sender and condition: those are still read.
 */
import type { MessageBounce } from '../messaging/index.js';
import type { WardlineStore } from '../store/index.js';

const SETTING = 'chat.applied-bounces';
/** Bounces are rare; the newest this many are enough to cover any archive re-read. */
export const APPLIED_BOUNCES_KEPT = 500;

function keyOf(bounce: MessageBounce): string {
  return bounce.archiveId === null ? `bounce ${legacyKeyOf(bounce)}` : `archive ${bounce.archiveId}`;
}

/** How versions before archive ids knew a bounce. */
function legacyKeyOf(bounce: MessageBounce): string {
  return `${bounce.id} ${bounce.from.full} ${bounce.condition}`;
}

export class AppliedBounces {
  #keys: string[] | null = null;

  constructor(private readonly store: Pick<WardlineStore, 'getSetting' | 'setSetting'>) {}

  async has(bounce: MessageBounce): Promise<boolean> {
    const keys = await this.#load();
    return keys.includes(keyOf(bounce)) || keys.includes(legacyKeyOf(bounce));
  }

  async add(bounce: MessageBounce): Promise<void> {
    const keys = await this.#load();
    const key = keyOf(bounce);
    if (keys.includes(key)) return;
    keys.push(key);
    if (keys.length > APPLIED_BOUNCES_KEPT) keys.splice(0, keys.length - APPLIED_BOUNCES_KEPT);
    await this.store.setSetting(SETTING, JSON.stringify(keys));
  }

  async #load(): Promise<string[]> {
    if (this.#keys !== null) return this.#keys;
    const raw = await this.store.getSetting(SETTING);
    let parsed: unknown = [];
    try {
      parsed = raw === null ? [] : JSON.parse(raw);
    } catch {
      // Damaged: start again (the worst case is one old bounce applied twice, as before).
    }
    this.#keys = Array.isArray(parsed) ? parsed.filter((key): key is string => typeof key === 'string') : [];
    return this.#keys;
  }
}

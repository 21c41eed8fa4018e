/**
 * Urgent messages keep asking for attention until read: an 'urgent-pending' event (counts only)
 * when one arrives, then every interval while it is still unread, up to a limit set by policy.
 */
import type { WardlineStore } from '../store/index.js';
import type { ChatTimers } from './chatTypes.js';

export const DEFAULT_URGENT_INTERVAL_MS = 2 * 60_000;
export const DEFAULT_URGENT_MAX_REMINDERS = 5;

export interface UrgentRemindersDeps {
  store: WardlineStore;
  timers: ChatTimers;
  intervalMs: number;
  maxReminders: number;
  notify(conversationId: number, unreadUrgent: number): void;
  log(line: string): void;
}

export class UrgentReminders {
  readonly #deps: UrgentRemindersDeps;
  /** Reminders already given per conversation since its latest urgent arrival. */
  readonly #given = new Map<number, number>();
  /**
   * Conversations whose urgent messages are being stored and not yet announced (arriving()): the
   * arrival notifies them, not a tick that happens to read the new message first.
   */
  readonly #arriving = new Map<number, number>();
  #handle: unknown;
  #ticking = false;

  constructor(deps: UrgentRemindersDeps) {
    this.#deps = deps;
    this.#handle = deps.timers.setInterval(() => void this.tick(), deps.intervalMs);
  }

  /**
   * Urgent messages for these conversations are about to be stored: ticks leave them alone until the
   * returned function is called (after arrived(), or if nothing was stored after all).
   */
  arriving(conversationIds: readonly number[]): () => void {
    for (const id of conversationIds) this.#arriving.set(id, (this.#arriving.get(id) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      for (const id of conversationIds) {
        const left = (this.#arriving.get(id) ?? 1) - 1;
        if (left > 0) this.#arriving.set(id, left);
        else this.#arriving.delete(id);
      }
    };
  }

  /** New urgent messages: notify now and start the reminder count again. */
  async arrived(conversationIds: readonly number[]): Promise<void> {
    const pending = await this.#deps.store.unreadUrgent();
    for (const { conversationId, unreadUrgent } of pending) {
      if (!conversationIds.includes(conversationId)) continue;
      this.#given.set(conversationId, 0);
      this.#deps.notify(conversationId, unreadUrgent);
    }
  }

  async tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      const pending = await this.#deps.store.unreadUrgent();
      const still = new Set(pending.map((entry) => entry.conversationId));
      for (const id of [...this.#given.keys()]) if (!still.has(id)) this.#given.delete(id);
      for (const { conversationId, unreadUrgent } of pending) {
        if (this.#arriving.has(conversationId)) continue;
        const given = this.#given.get(conversationId) ?? 0;
        if (given >= this.#deps.maxReminders) continue;
        this.#given.set(conversationId, given + 1);
        this.#deps.notify(conversationId, unreadUrgent);
      }
    } catch {
      this.#deps.log('chat urgent-tick-failed');
    } finally {
      this.#ticking = false;
    }
  }

  read(conversationId: number): void {
    this.#given.delete(conversationId);
  }

  stop(): void {
    this.#deps.timers.clearInterval(this.#handle);
  }
}

/**
 * A call-in nobody has answered, or an instruction nobody has acknowledged, keeps asking for
 * attention (issue: "re-notifies until acknowledged"): at once when one appears, then every
 * interval while any is outstanding, up to the policy's limit. Counts only; the notifier redacts.
 */
import type { IncidentBoard } from './incidentTypes.js';

/**
 * Open call-ins in this incident that this person (a responder) has not answered, plus
 * instructions to them not yet acknowledged. Coordinators and displays are never asked.
 */
export function awaitingAnswer(board: IncidentBoard | null, self: string): number {
  const declaration = board?.declaration;
  if (!board || !declaration || board.closedAt !== null) return 0;
  if (declaration.coordinators.includes(self) || declaration.displays.includes(self)) return 0;
  let count = 0;
  for (const request of board.requests) {
    const row = board.responders.find((r) => r.requestId === request.requestId && r.jid === self);
    // An ended call-in asks nothing more, except a come-in still in force: ending a filled call-in
    // must not silence the instruction to those still to see it.
    if (request.closedAt !== null) {
      if (row?.status === 'assigned' && row.directive?.action === 'come-in' && !row.acknowledged) count += 1;
      continue;
    }
    if (row === undefined || (row.directive !== null && !row.acknowledged)) count += 1;
  }
  return count;
}

export interface IncidentRemindersDeps {
  intervalMs: number;
  maxReminders: number;
  /** Starts a repeating tick; returns its stop function. */
  every(ms: number, tick: () => void): () => void;
  notify(outstanding: number): void;
}

export class IncidentReminders {
  #outstanding = 0;
  #given = 0;
  #stop: (() => void) | null = null;

  constructor(private readonly deps: IncidentRemindersDeps) {}

  /** After every board change: something new to answer notifies now and restarts the count. */
  update(outstanding: number): void {
    const grew = outstanding > this.#outstanding;
    this.#outstanding = outstanding;
    if (outstanding === 0) return this.#halt();
    if (!grew) return;
    this.#given = 0;
    this.deps.notify(outstanding);
    if (this.#stop === null) this.#stop = this.deps.every(this.deps.intervalMs, () => this.#tick());
  }

  stop(): void {
    this.#halt();
  }

  #tick(): void {
    if (this.#outstanding === 0 || this.#given >= this.deps.maxReminders) return this.#halt();
    this.#given += 1;
    this.deps.notify(this.#outstanding);
  }

  #halt(): void {
    this.#stop?.();
    this.#stop = null;
  }
}

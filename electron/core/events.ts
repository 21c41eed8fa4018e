import { EventEmitter } from 'node:events';
import type { EventName, EventPayload } from '../common/contract.js';

/** Typed main→renderer event bus. Transports (Electron webContents, Chromium bridge) subscribe. */
export class CoreEvents {
  readonly #emitter = new EventEmitter();

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.#emitter.emit(event, payload);
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    this.#emitter.on(event, listener);
    return () => this.#emitter.off(event, listener);
  }
}

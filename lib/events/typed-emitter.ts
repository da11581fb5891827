import { EventEmitter } from 'node:events';

/** A map from event name to the listener's argument list. */
export type EventMap<Events> = { [E in keyof Events]: unknown[] };

export type Listener<Args extends unknown[]> = (...args: Args) => void;

/**
 * An event emitter whose event names and payloads are checked by the compiler.
 *
 * Listeners are called synchronously, in order. A listener that throws does not break the client:
 * the error is reported on the next tick, as an uncaught exception would be, and the remaining
 * listeners still run.
 */
export class TypedEmitter<Events extends EventMap<Events>> {
  readonly #emitter = new EventEmitter({ captureRejections: false });

  constructor() {
    // Many clients may watch one busy client (a status page, metrics, logs); no leak warning for that.
    this.#emitter.setMaxListeners(0);
  }

  on<E extends keyof Events & string>(event: E, listener: Listener<Events[E]>): this {
    this.#emitter.on(event, listener as Listener<unknown[]>);
    return this;
  }

  once<E extends keyof Events & string>(event: E, listener: Listener<Events[E]>): this {
    this.#emitter.once(event, listener as Listener<unknown[]>);
    return this;
  }

  off<E extends keyof Events & string>(event: E, listener: Listener<Events[E]>): this {
    this.#emitter.off(event, listener as Listener<unknown[]>);
    return this;
  }

  listenerCount<E extends keyof Events & string>(event: E): number {
    return this.#emitter.listenerCount(event);
  }

  /** Calls every listener of `event`; returns whether there was any. */
  emit<E extends keyof Events & string>(event: E, ...args: Events[E]): boolean {
    const listeners = this.#emitter.rawListeners(event) as Listener<Events[E]>[];
    if (listeners.length === 0) return false;
    for (const listener of listeners) {
      try {
        listener.apply(this, args);
      } catch (error) {
        process.nextTick(() => {
          throw error;
        });
      }
    }
    // rawListeners keeps `once` wrappers, which remove themselves when called above.
    return true;
  }

  removeAllListeners(): void {
    this.#emitter.removeAllListeners();
  }
}

import type { Instance } from '../discovery/instance.js';
import type { AttemptOutcome } from '../transport/attempt-outcome.js';
import type { Transport } from '../transport/transport.js';
import { ServedAttempt, type SimulatedInstance } from './simulated-instance.js';

const aborted: AttemptOutcome = Object.freeze({
  kind: 'cancelled',
  error: Object.freeze(Object.assign(new Error('the attempt was aborted'), { name: 'AbortError', code: 'ABORT_ERR' })),
});

/**
 * The client's `Transport`, with simulated instances where the network would be: an attempt goes to its
 * instance's queue and ends as the instance says, keeping every promise of the interface — `send` never
 * rejects, and an aborted attempt ends at once as `cancelled`.
 */
export class SimulatedTransport implements Transport {
  readonly name = 'simulated';
  /** Attempts sent so far, across every client. */
  sent = 0;
  readonly #instances: ReadonlyMap<string, SimulatedInstance>;
  readonly #onSent: (instance: SimulatedInstance) => void;

  constructor(instances: readonly SimulatedInstance[], onSent: (instance: SimulatedInstance) => void) {
    this.#instances = new Map(instances.map((instance) => [instance.model.instance.id, instance]));
    this.#onSent = onSent;
  }

  send(instance: Instance, _request: unknown, signal: AbortSignal): Promise<AttemptOutcome> {
    const target = this.#instances.get(instance.id);
    if (target === undefined) {
      return Promise.resolve({ kind: 'failed', error: new Error(`the simulation has no instance \`${instance.id}\``) });
    }
    if (signal.aborted) return Promise.resolve(aborted);
    this.sent++;
    this.#onSent(target);
    return new Promise<AttemptOutcome>((resolve) => {
      const attempt = new ServedAttempt(resolve);
      // Left in place once the attempt is answered: removing it costs more than letting it go with the
      // signal, and should the call abort later (its next attempt shares the signal) it marks an attempt
      // that is over and resolves a promise already settled — nothing.
      signal.addEventListener('abort', () => {
        attempt.abandoned = true;
        resolve(aborted);
      });
      target.accept(attempt);
    });
  }

  instancesChanged(): void {}

  close(): void {}
}

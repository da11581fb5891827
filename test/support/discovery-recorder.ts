// A DiscoveryObserver that records what a discovery delivers, and waits for a delivery that matches.
import type { DiscoveryObserver } from '../../lib/discovery/discovery.js';
import type { Instance } from '../../lib/discovery/instance.js';

export class DiscoveryRecorder implements DiscoveryObserver {
  readonly sets: (readonly Instance[])[] = [];
  readonly errors: Error[] = [];
  readonly #waiters = new Set<() => void>();

  onInstances(instances: readonly Instance[]): void {
    this.sets.push(instances);
    for (const wake of this.#waiters) wake();
  }

  onError(error: Error): void {
    this.errors.push(error);
    for (const wake of this.#waiters) wake();
  }

  get latest(): readonly Instance[] | undefined {
    return this.sets.at(-1);
  }

  latestIds(): string[] {
    return (this.latest ?? []).map((instance) => instance.id).sort();
  }

  /** Resolves once `condition` holds (checked now and after each delivery); rejects after `timeoutMs`. */
  until(condition: (recorder: this) => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    if (condition(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last ids ${JSON.stringify(this.latestIds())}, ${this.errors.length} errors`));
      }, timeoutMs);
      const check = () => {
        if (!condition(this)) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
    });
  }
}

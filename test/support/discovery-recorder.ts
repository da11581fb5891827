// A DiscoveryObserver that records what a discovery delivers, and waits for a delivery that matches.
import type { DiscoveryObserver, DiscoveryStatus } from '../../lib/discovery/discovery.js';
import type { Instance } from '../../lib/discovery/instance.js';

export class DiscoveryRecorder implements DiscoveryObserver {
  readonly sets: (readonly Instance[])[] = [];
  readonly errors: Error[] = [];
  readonly statuses: DiscoveryStatus[] = [];
  /** Every callback in order, as `set:<ids>`, `error:<code>` or `status:<state>[:<reason>]`. */
  readonly log: string[] = [];
  readonly #waiters = new Set<() => void>();

  onInstances(instances: readonly Instance[]): void {
    this.sets.push(instances);
    this.log.push(`set:${instances.map((i) => i.id).join(',')}`);
    this.#wakeAll();
  }

  onError(error: Error): void {
    this.errors.push(error);
    this.log.push(`error:${(error as { code?: string }).code ?? error.name}`);
    this.#wakeAll();
  }

  onStatus(status: DiscoveryStatus): void {
    this.statuses.push(status);
    this.log.push(status.state === 'live' ? 'status:live' : `status:stale:${status.reason}`);
    this.#wakeAll();
  }

  get latest(): readonly Instance[] | undefined {
    return this.sets.at(-1);
  }

  get latestStatus(): DiscoveryStatus | undefined {
    return this.statuses.at(-1);
  }

  latestIds(): string[] {
    return (this.latest ?? []).map((instance) => instance.id).sort();
  }

  /** Resolves once `condition` holds (checked now and after each callback); rejects after `timeoutMs`. */
  until(condition: (recorder: this) => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    if (condition(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last ids ${JSON.stringify(this.latestIds())}, log ${this.log.slice(-12).join(' ')}`));
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

  #wakeAll(): void {
    for (const wake of [...this.#waiters]) wake();
  }
}

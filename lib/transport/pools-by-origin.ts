import type { Instance } from '../discovery/instance.js';

/** What a transport does with a pool that is no longer needed. */
export interface PoolLifecycle<P> {
  open(origin: string): P;
  /** The instance left the set: requests under way finish, then its sockets close instead of pooling. */
  retire(pool: P): void;
  /** The transport closes: every socket goes now. */
  destroy(pool: P): void;
}

/**
 * A transport's connection pools, one per instance origin — not per instance id: sockets belong to an
 * address, whatever Consul calls it. A pool opens with the first attempt to its origin and is retired
 * when no instance of the set has that origin any more, so pools do not pile up with churn.
 */
export class PoolsByOrigin<P> {
  readonly #pools = new Map<string, P>();
  readonly #lifecycle: PoolLifecycle<P>;

  constructor(lifecycle: PoolLifecycle<P>) {
    this.#lifecycle = lifecycle;
  }

  get size(): number {
    return this.#pools.size;
  }

  for(origin: string): P {
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      pool = this.#lifecycle.open(origin);
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  instancesChanged(instances: readonly Instance[]): void {
    if (this.#pools.size === 0) return;
    const live = new Set<string>();
    for (const instance of instances) live.add(instance.origin);
    for (const [origin, pool] of this.#pools) {
      if (live.has(origin)) continue;
      this.#pools.delete(origin);
      this.#lifecycle.retire(pool);
    }
  }

  close(): void {
    for (const pool of this.#pools.values()) this.#lifecycle.destroy(pool);
    this.#pools.clear();
  }
}

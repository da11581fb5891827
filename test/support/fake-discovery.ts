// A Discovery that the test drives by hand: for unit tests of the client, which must not depend on
// Consul's timing. Integration tests use the real Consul agent instead.
import type { Discovery, DiscoveryObserver, DiscoverySubscription } from '../../lib/discovery/discovery.js';
import type { Instance } from '../../lib/discovery/instance.js';

export class FakeDiscovery implements Discovery {
  readonly description = 'a fake discovery';
  readonly #observers = new Set<DiscoveryObserver>();
  #current: readonly Instance[] | undefined;

  constructor(initial?: readonly Instance[]) {
    if (initial !== undefined) this.#current = Object.freeze([...initial]);
  }

  subscribe(observer: DiscoveryObserver): DiscoverySubscription {
    this.#observers.add(observer);
    if (this.#current !== undefined) observer.onInstances(this.#current);
    return { close: () => this.#observers.delete(observer) };
  }

  set(instances: readonly Instance[]): void {
    this.#current = Object.freeze([...instances]);
    for (const observer of this.#observers) observer.onInstances(this.#current);
  }

  fail(error: Error): void {
    for (const observer of this.#observers) observer.onError(error);
  }

  get subscribers(): number {
    return this.#observers.size;
  }
}

/** An Instance as discovery would report it, for a server on 127.0.0.1. */
export function instanceAt(port: number, fields: Partial<Instance> = {}): Instance {
  return Object.freeze({
    id: `i-${port}`,
    service: 'users',
    host: '127.0.0.1',
    port,
    origin: `http://127.0.0.1:${port}`,
    tags: [],
    meta: {},
    weight: 1,
    health: 'passing' as const,
    node: { name: 'node-1', address: '127.0.0.1', datacenter: 'dc1', meta: {} },
    ...fields,
  });
}

import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { consulConnection, type ConsulConnection, type ConsulOption } from './consul-connection.js';
import { validateQueryOptions, type ConsulQueryOptions } from './consul-health-query.js';
import type { ConsulHealthWatchOptions } from './consul-health-watch.js';
import { consulWatchRegistry, type ConsulWatchRegistry } from './consul-watch-registry.js';
import type { Discovery, DiscoveryObserver, DiscoverySubscription } from './discovery.js';

export interface ConsulDiscoveryOptions extends ConsulQueryOptions {
  /** The Consul service name. */
  readonly service: string;
  /** Where Consul is, or a `Consul` client; defaults from CONSUL_HTTP_ADDR etc., else 127.0.0.1:8500. */
  readonly consul?: ConsulOption;
}

/** Timing knobs of the watch loop and the registry to share watches in; for tests, not for users. */
export interface ConsulDiscoveryInternals {
  readonly registry?: ConsulWatchRegistry;
  readonly tuning?: Omit<ConsulHealthWatchOptions, 'client' | 'service' | 'query' | 'source'>;
}

/**
 * Discovery from Consul's health API with blocking queries: the instances of `service` whose checks pass
 * (optionally narrowed by tags, node meta, a filter), followed as they change. Every subscriber to the same
 * query in this process shares one watch; errors reach `onError` as {@link DiscoveryError}s while the last
 * known set stays valid.
 */
export class ConsulDiscovery implements Discovery {
  readonly description: string;
  readonly service: string;
  readonly #connection: ConsulConnection;
  readonly #query: ConsulQueryOptions;
  readonly #internals: ConsulDiscoveryInternals;

  constructor(options: ConsulDiscoveryOptions, internals: ConsulDiscoveryInternals = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidOptionError('discovery', 'must be an object such as { service: "users" }');
    }
    const { service, consul, ...query } = options;
    if (typeof service !== 'string' || service.trim() === '') {
      throw new InvalidOptionError('service', `must be a non-empty Consul service name such as "users"; got ${JSON.stringify(service) ?? 'undefined'}`);
    }
    this.service = service;
    this.#query = validateQueryOptions(query, 'discovery');
    this.#connection = consulConnection(consul);
    this.#internals = internals;
    this.description = `consul at ${this.#connection.address}, service "${service}"`;
  }

  subscribe(observer: DiscoveryObserver): DiscoverySubscription {
    const registry = this.#internals.registry ?? consulWatchRegistry;
    return registry.subscribe(
      {
        connection: this.#connection,
        service: this.service,
        query: this.#query,
        source: this.description,
        ...(this.#internals.tuning === undefined ? {} : { tuning: this.#internals.tuning }),
      },
      observer,
    );
  }
}

/** `new ConsulDiscovery(options)`: reads well as `discovery: consulDiscovery({ service: 'users', tags: ['v2'] })`. */
export function consulDiscovery(options: ConsulDiscoveryOptions): ConsulDiscovery {
  return new ConsulDiscovery(options);
}

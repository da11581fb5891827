import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { describeValue, rejectUnknownKeys, requireOptionsObject } from '../options/option-checks.js';
import { consulConnections, type ConsulConnection, type ConsulOption } from './consul-connection.js';
import { queryOptionNames, resolveQueryOptions, type ConsulQueryOptions, type ResolvedConsulQuery } from './consul-health-query.js';
import { consulWatchRegistry, type ConsulDiscoveryTuning, type ConsulWatchRegistry } from './consul-watch-registry.js';
import type { Discovery, DiscoveryObserver, DiscoverySubscription } from './discovery.js';

export interface ConsulDiscoveryOptions extends ConsulQueryOptions {
  /** The Consul service name. */
  readonly service: string;
  /**
   * The Consul agent, or several in order of preference (the local agent first), or a `Consul` client;
   * defaults from CONSUL_HTTP_ADDR etc., else 127.0.0.1:8500.
   */
  readonly consul?: ConsulOption;
}

/** The registry to share watches in and the timing of the loop; for tests, not for users. */
export interface ConsulDiscoveryInternals {
  readonly registry?: ConsulWatchRegistry;
  readonly tuning?: ConsulDiscoveryTuning;
}

const discoveryOptionNames = [...queryOptionNames, 'service', 'consul'];

/**
 * Discovery from Consul's health API with blocking queries: the instances of `service` whose checks pass
 * (optionally narrowed by tags, node meta, a filter), followed as they change through the first Consul
 * agent that answers. Every subscriber to the same query in this process shares one watch; errors reach
 * `onError` as {@link DiscoveryError}s while the last known set stays valid, and `onStatus` says when the
 * set is stale (a snapshot, an agent cut off from its servers, an empty answer held through) and when it
 * is live again.
 */
export class ConsulDiscovery implements Discovery {
  readonly description: string;
  readonly service: string;
  readonly #connections: readonly ConsulConnection[];
  readonly #query: ResolvedConsulQuery;
  readonly #internals: ConsulDiscoveryInternals;

  constructor(options: ConsulDiscoveryOptions, internals: ConsulDiscoveryInternals = {}) {
    requireOptionsObject('discovery', options, '{ service: "users" }');
    rejectUnknownKeys('discovery', options, discoveryOptionNames);
    const { service, consul, ...query } = options;
    if (typeof service !== 'string' || service.trim() === '') {
      throw new InvalidOptionError('service', `must be a non-empty Consul service name such as "users"; got ${describeValue(service)}`);
    }
    this.service = service;
    this.#query = resolveQueryOptions(query, 'discovery');
    this.#connections = consulConnections(consul);
    this.#internals = internals;
    this.description = `consul at ${this.#connections.map((connection) => connection.address).join(' or ')}, service "${service}"`;
  }

  subscribe(observer: DiscoveryObserver): DiscoverySubscription {
    const registry = this.#internals.registry ?? consulWatchRegistry;
    return registry.subscribe(
      {
        connections: this.#connections,
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

import { ConsulAgents, type ConsulAgentsTuning } from './consul-agents.js';
import type { ConsulConnection } from './consul-connection.js';
import { queryKey, type ResolvedConsulQuery } from './consul-health-query.js';
import { ConsulHealthWatch, type ConsulWatchTuning } from './consul-health-watch.js';
import type { DiscoveryObserver, DiscoverySubscription } from './discovery.js';

/** Timing knobs of the watches and of agent failover: for tests, not for users. */
export interface ConsulDiscoveryTuning extends ConsulWatchTuning {
  readonly agents?: ConsulAgentsTuning;
}

/** What a subscriber follows: a query through a list of agents. */
export interface WatchRequest {
  readonly connections: readonly ConsulConnection[];
  readonly service: string;
  readonly query: ResolvedConsulQuery;
  readonly source: string;
  readonly tuning?: ConsulDiscoveryTuning;
}

/** One running watch, for tests and diagnostics. */
export interface WatchInfo {
  readonly source: string;
  readonly observers: number;
  readonly requests: number;
  /** The address of the agent the watch reads now. */
  readonly agent: string;
}

/**
 * The running Consul watches of this process, one per distinct query (agents + service + query options),
 * shared by every subscriber to it: a hundred clients of service "users" cost Consul one blocking query.
 * Watches through the same list of agents share its failover state, its clients and its sockets. A watch
 * starts with its first subscriber and stops (cancelling its request) when its last one leaves; the agents
 * are released with their last watch.
 */
export class ConsulWatchRegistry {
  readonly #watches = new Map<string, { watch: ConsulHealthWatch; agentsKey: string }>();
  readonly #agents = new Map<string, { agents: ConsulAgents; watches: number }>();

  subscribe(request: WatchRequest, observer: DiscoveryObserver): DiscoverySubscription {
    const agentsKey = JSON.stringify(request.connections.map((connection) => connection.key));
    const key = JSON.stringify([agentsKey, queryKey(request.service, request.query)]);
    let entry = this.#watches.get(key);
    if (entry === undefined) {
      let shared = this.#agents.get(agentsKey);
      if (shared === undefined) {
        shared = { agents: new ConsulAgents(request.connections, request.tuning?.agents), watches: 0 };
        this.#agents.set(agentsKey, shared);
      }
      shared.watches += 1;
      const watch = new ConsulHealthWatch({
        ...request.tuning,
        agents: shared.agents,
        service: request.service,
        query: request.query,
        source: request.source,
      });
      entry = { watch, agentsKey };
      this.#watches.set(key, entry);
    }
    const { watch } = entry;
    watch.add(observer);
    let open = true;
    return {
      close: () => {
        if (!open) return;
        open = false;
        watch.remove(observer);
        if (watch.observerCount > 0 || this.#watches.get(key)?.watch !== watch) return;
        watch.close();
        this.#watches.delete(key);
        const shared = this.#agents.get(agentsKey);
        if (shared !== undefined && --shared.watches === 0) {
          shared.agents.close();
          this.#agents.delete(agentsKey);
        }
      },
    };
  }

  /** The watches running now. */
  watches(): readonly WatchInfo[] {
    return [...this.#watches.values()].map(({ watch }) => ({
      source: watch.source,
      observers: watch.observerCount,
      requests: watch.requests,
      agent: watch.agent,
    }));
  }
}

/** The registry every {@link ConsulDiscovery} of this process shares. */
export const consulWatchRegistry = new ConsulWatchRegistry();

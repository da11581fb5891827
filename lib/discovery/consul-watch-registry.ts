import type { ConsulConnection } from './consul-connection.js';
import type { ConsulQueryOptions } from './consul-health-query.js';
import { queryKey } from './consul-health-query.js';
import { ConsulHealthWatch, type ConsulHealthWatchOptions } from './consul-health-watch.js';
import type { DiscoveryObserver, DiscoverySubscription } from './discovery.js';

/**
 * The running Consul watches of this process, one per distinct query (agent + service + query options),
 * shared by every subscriber to it: a hundred clients of service "users" cost Consul one blocking query.
 * A watch starts with its first subscriber and stops (cancelling its request, releasing its client) when
 * its last one leaves.
 */
export class ConsulWatchRegistry {
  readonly #watches = new Map<string, { watch: ConsulHealthWatch; release: () => void }>();

  subscribe(
    request: {
      connection: ConsulConnection;
      service: string;
      query: ConsulQueryOptions;
      source: string;
      tuning?: Omit<ConsulHealthWatchOptions, 'client' | 'service' | 'query' | 'source'>;
    },
    observer: DiscoveryObserver,
  ): DiscoverySubscription {
    const key = JSON.stringify([request.connection.key, queryKey(request.service, request.query)]);
    let entry = this.#watches.get(key);
    if (!entry) {
      const client = request.connection.createClient();
      const watch = new ConsulHealthWatch({
        ...request.tuning,
        client,
        service: request.service,
        query: request.query,
        source: request.source,
      });
      entry = { watch, release: () => request.connection.releaseClient(client) };
      this.#watches.set(key, entry);
    }
    const { watch, release } = entry;
    watch.add(observer);
    let open = true;
    return {
      close: () => {
        if (!open) return;
        open = false;
        watch.remove(observer);
        if (watch.observerCount === 0) {
          watch.close();
          release();
          if (this.#watches.get(key)?.watch === watch) this.#watches.delete(key);
        }
      },
    };
  }

  /** The watches running now, for tests and diagnostics. */
  watches(): readonly { readonly source: string; readonly observers: number; readonly requests: number }[] {
    return [...this.#watches.values()].map(({ watch }) => ({
      source: watch.source,
      observers: watch.observerCount,
      requests: watch.requests,
    }));
  }
}

/** The registry every {@link ConsulDiscovery} of this process shares. */
export const consulWatchRegistry = new ConsulWatchRegistry();

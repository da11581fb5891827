import type { Instance } from './instance.js';

/**
 * A source of the instances of one service.
 *
 * Discovery is the first stage a request's route passes through: it turns a service name into the set
 * of instances that may serve it. The built-in {@link ConsulDiscovery} follows Consul with blocking
 * queries; {@link staticDiscovery} serves a fixed list; anything else (DNS, a file, another registry)
 * can implement this interface.
 *
 * Promises of an implementation:
 * - `onInstances` receives the complete current set, and only when it really changed;
 * - after an error it keeps trying by itself, and the last set delivered stays valid meanwhile;
 * - after `close()` of the returned subscription no callback runs and no timer or socket is left.
 */
export interface Discovery {
  /** Says where instances come from, for error messages: `consul at 127.0.0.1:8500, service "users"`. */
  readonly description: string;
  subscribe(observer: DiscoveryObserver): DiscoverySubscription;
}

export interface DiscoveryObserver {
  /** The full set of routable instances. The array is frozen and replaced, never mutated. */
  onInstances(instances: readonly Instance[]): void;
  /** A failure to refresh the set; discovery retries by itself. */
  onError(error: Error): void;
  /**
   * How far the set last delivered can be trusted. `stale` while it comes from somewhere other than a
   * live answer (a snapshot on disk, an agent that lost its servers, a suspicious empty answer held
   * through); `live` when the source answers normally again, including after errors (a set that did not
   * change while discovery failed is not delivered again, so this is how recovery is told). Optional:
   * a source that is always live never calls it.
   */
  onStatus?(status: DiscoveryStatus): void;
}

/** See {@link DiscoveryObserver.onStatus}. */
export type DiscoveryStatus =
  | { readonly state: 'live' }
  | {
      readonly state: 'stale';
      readonly reason: DiscoveryStaleReason;
      /** One sentence for operators: where the set comes from and since when. Never contains a token. */
      readonly detail: string;
    };

export type DiscoveryStaleReason =
  /** Read from `discovery.snapshotPath` because the source could not be reached at start-up. */
  | 'snapshot'
  /**
   * The agent answered from its cache but has lost contact with the Consul servers (a non-zero `Age`), or
   * answered a stale read without a known cluster leader.
   */
  | 'agent-lost-servers'
  /** The source answered an empty set right after reconnecting; the last set is held for a grace period. */
  | 'holding-through-empty'
  /** The source has failed for a while; the last set is still served. */
  | 'unreachable';

export interface DiscoverySubscription {
  close(): void;
}

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
}

export interface DiscoverySubscription {
  close(): void;
}

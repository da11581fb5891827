// proxyless: client-side load balancing for Node.js. Everything a user imports comes from here,
// grouped in the order a request travels: client → discovery → pickers → breakers → transport.

export { createClient } from './client/create-client.js';
export type { BalancedClient } from './client/balanced-client.js';
export type { ClientOptions } from './client/client-options.js';
export type { ClientEvents, InstancesChangedEvent, BreakerEvent, DiscoveryErrorEvent } from './client/client-events.js';

export type { Instance, InstanceNode } from './discovery/instance.js';
export type { Discovery, DiscoveryObserver, DiscoveryStaleReason, DiscoveryStatus, DiscoverySubscription } from './discovery/discovery.js';
export { ConsulDiscovery, consulDiscovery } from './discovery/consul-discovery.js';
export type { ConsulDiscoveryOptions } from './discovery/consul-discovery.js';
export type { ConsulOption, ConsulConnectionOptions } from './discovery/consul-connection.js';
export type { ConsulQueryOptions } from './discovery/consul-health-query.js';
export { staticDiscovery } from './discovery/static-discovery.js';
export type { StaticDiscoveryOptions } from './discovery/static-discovery.js';

export * from './pickers/index.js';

export type { BreakerOptions } from './breakers/breaker-options.js';
export type { BreakerState } from './breakers/breaker-registry.js';
export type { RetryOptions } from './retry/retry-policy.js';
export type { Transport } from './transport/transport.js';

export { systemClock, systemRandom, seededRandom, ManualClock } from './clock.js';
export type { Clock, Random } from './clock.js';

export { ProxylessError } from './errors/proxyless-error.js';
export { InvalidOptionError } from './errors/invalid-option-error.js';
export { AbsoluteUrlError } from './errors/absolute-url-error.js';
export { NoHealthyInstancesError } from './errors/no-healthy-instances-error.js';
export { DiscoveryError } from './errors/discovery-error.js';
export { DiscoveryTimeoutError } from './errors/discovery-timeout-error.js';
export { ClientClosedError } from './errors/client-closed-error.js';

// proxyless: client-side load balancing for Node.js. Everything a user imports comes from here,
// grouped in the order a request travels: client → discovery → pickers → breakers → transport.

export { createClient } from './client/create-client.js';
export type { BalancedClient } from './client/balanced-client.js';
export type { BalancedFetch, BalancedRequestInit } from './client/fetch.js';
export type { BalancedSend, SendRequest, SendResponse } from './client/send.js';
export type { CloseOptions, DiscoveryState } from './client/balancer.js';
export type { ClientOptions } from './client/client-options.js';
export type {
  ClientEvents,
  InstancesChangedEvent,
  AttemptFailedEvent,
  RetryEvent,
  NotRetriedEvent,
  HedgeEvent,
  BreakerEvent,
  PanicEvent,
  EjectionEvent,
  DiscoveryErrorEvent,
  DiscoveryStaleEvent,
  DiscoveryRecoveredEvent,
} from './client/client-events.js';
export type { ClientStats, InstanceStats, TotalStats, RetryStats } from './observe/client-stats.js';
export type { Logger } from './observe/event-logger.js';

export { callReportOf } from './call/call-report.js';
export type { CallReport, AttemptReport } from './call/call-report.js';
export type { RetryOptions, HedgeOptions } from './call/retry-options.js';
export type { RetryBudgetOptions } from './call/retry-budget.js';
export type { BackoffOptions } from './call/backoff.js';
export type { NotRetriedReason } from './call/retry-rule.js';

export type { Instance, InstanceNode } from './discovery/instance.js';
export type { Discovery, DiscoveryObserver, DiscoveryStaleReason, DiscoveryStatus, DiscoverySubscription } from './discovery/discovery.js';
export { ConsulDiscovery, consulDiscovery } from './discovery/consul-discovery.js';
export type { ConsulDiscoveryOptions } from './discovery/consul-discovery.js';
export type { ConsulOption, ConsulAgentOption, ConsulConnectionOptions } from './discovery/consul-connection.js';
export type { ConsulQueryOptions, ConsulConsistency } from './discovery/consul-health-query.js';
export { staticDiscovery } from './discovery/static-discovery.js';
export type { StaticDiscoveryOptions } from './discovery/static-discovery.js';

export * from './pickers/index.js';

export type { BreakerOptions, FailureInfo } from './health/breaker-options.js';
export type { OutlierDetectionOptions, SuccessRateOptions, FailurePercentageOptions } from './health/outlier-detection.js';
export type { BreakerState } from './health/instance-breaker.js';
export type { InstanceState } from './health/instance-health.js';

export type { Transport } from './transport/transport.js';
export { AttemptSignal } from './transport/attempt-signal.js';
export type { AttemptAbortListener } from './transport/attempt-signal.js';
export type { OutgoingRequest } from './transport/outgoing-request.js';
export type { AttemptOutcome, AttemptFailureKind, ResponseOutcome, FailureOutcome, IncomingResponse } from './transport/attempt-outcome.js';
export { OneShotBody } from './transport/request-body.js';
export type { BodyLimit } from './transport/request-body.js';
export type { RequestBody } from './transport/request-body.js';
export type { InstanceTlsOptions } from './transport/instance-tls.js';

export { systemClock, systemRandom, systemScheduler, seededRandom, ManualClock } from './clock.js';
export type { Clock, Random, Scheduler, Timer } from './clock.js';

export { ProxylessError } from './errors/proxyless-error.js';
export { InvalidOptionError } from './errors/invalid-option-error.js';
export { AbsoluteUrlError } from './errors/absolute-url-error.js';
export { NoHealthyInstancesError } from './errors/no-healthy-instances-error.js';
export { DiscoveryError } from './errors/discovery-error.js';
export { ConsulTlsError } from './errors/consul-tls-error.js';
export { ConsulAclError } from './errors/consul-acl-error.js';
export { DiscoverySnapshotError } from './errors/discovery-snapshot-error.js';
export { DiscoveryTimeoutError } from './errors/discovery-timeout-error.js';
export { ClientClosedError } from './errors/client-closed-error.js';
export { UnsupportedRequestOptionError } from './errors/unsupported-request-option-error.js';
export { AllInstancesBusyError } from './errors/all-instances-busy-error.js';
export { RequestFailedError } from './errors/request-failed-error.js';
export { DeadlineExceededError } from './errors/deadline-exceeded-error.js';

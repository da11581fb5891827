import type { AttemptReport } from '../call/call-report.js';
import type { NotRetriedReason } from '../call/retry-rule.js';
import type { DiscoveryStaleReason } from '../discovery/discovery.js';
import type { Instance } from '../discovery/instance.js';
import type { BreakerState } from '../health/instance-breaker.js';

/**
 * The events of a {@link BalancedClient}, by name, with their payloads: every decision the balancer makes
 * that an operator may want to see. A payload is built only when the event has a listener.
 */
export interface ClientEvents {
  /** Discovery delivered a set that differs from the previous one. */
  instancesChanged: [InstancesChangedEvent];
  /** An attempt failed: the request may still succeed on another instance (see `retry`). */
  attemptFailed: [AttemptFailedEvent];
  /** A failed attempt is being tried again on another instance. */
  retry: [RetryEvent];
  /** A failed attempt was not tried again, though a retry might have repaired it; the caller gets the failure. */
  notRetried: [NotRetriedEvent];
  /** A hedge was sent: an earlier attempt of the request had not answered in time. */
  hedge: [HedgeEvent];
  /** An instance's breaker opened: it is left out of picking until it half-opens. */
  breakerOpened: [BreakerEvent];
  /** An open breaker lets its trial attempts through. */
  breakerHalfOpened: [BreakerEvent];
  /** A breaker closed again after a successful trial. */
  breakerClosed: [BreakerEvent];
  /** Outlier detection took an instance out: it failed far more than its peers over the last interval. */
  instanceEjected: [EjectionEvent];
  /** An ejected instance served its time and takes traffic again. */
  instanceReturned: [EjectionEvent];
  /** Too few instances were available: every instance is routed to, breakers notwithstanding. */
  panicEntered: [PanicEvent];
  /** Enough instances are available again. */
  panicLeft: [PanicEvent];
  /** Discovery failed to refresh the set; it retries by itself and the last set stays in use. */
  discoveryError: [DiscoveryErrorEvent];
  /** The set in use is not a live answer (a snapshot, an agent that lost its servers, an empty answer held through). */
  discoveryStale: [DiscoveryStaleEvent];
  /** Discovery answers normally again after errors or a stale period. */
  discoveryRecovered: [DiscoveryRecoveredEvent];
}

export interface InstancesChangedEvent {
  readonly service: string;
  readonly instances: readonly Instance[];
  readonly added: readonly Instance[];
  readonly removed: readonly Instance[];
}

export interface AttemptFailedEvent {
  readonly service: string;
  readonly method: string;
  readonly url: string;
  readonly attempt: AttemptReport;
  readonly error: Error | undefined;
}

export interface RetryEvent {
  readonly service: string;
  readonly method: string;
  readonly url: string;
  /** The attempt that failed. */
  readonly after: AttemptReport;
  /** The wait before the next attempt (backoff, or the server's `Retry-After`). */
  readonly delayMs: number;
}

export interface NotRetriedEvent {
  readonly service: string;
  readonly method: string;
  readonly url: string;
  readonly after: AttemptReport;
  readonly reason: NotRetriedReason;
}

export interface HedgeEvent {
  readonly service: string;
  readonly method: string;
  readonly url: string;
  readonly instance: Instance;
  readonly afterMs: number;
}

export interface BreakerEvent {
  readonly service: string;
  readonly instance: Instance;
  readonly state: BreakerState;
}

export interface EjectionEvent {
  readonly service: string;
  readonly instance: Instance;
  /** How long it is out, for `instanceEjected`; 0 for `instanceReturned`. */
  readonly forMs: number;
}

export interface PanicEvent {
  readonly service: string;
  /** Instances whose breaker would let them take traffic. */
  readonly available: number;
  readonly instances: number;
}

export interface DiscoveryErrorEvent {
  readonly service: string;
  readonly error: Error;
  /** How many instances are still being served from the last known set. */
  readonly instancesKept: number;
}

export interface DiscoveryStaleEvent {
  readonly service: string;
  readonly reason: DiscoveryStaleReason;
  readonly detail: string;
  readonly instancesKept: number;
}

export interface DiscoveryRecoveredEvent {
  readonly service: string;
  readonly instances: number;
}

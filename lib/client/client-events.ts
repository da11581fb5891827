import type { BreakerState } from '../breakers/breaker-registry.js';
import type { Instance } from '../discovery/instance.js';

/** The events of a {@link BalancedClient}, by name, with their payloads. */
export interface ClientEvents {
  /** Discovery delivered a set that differs from the previous one. */
  instancesChanged: [InstancesChangedEvent];
  /** An instance's breaker opened: it is left out of picking until it half-opens. */
  breakerOpened: [BreakerEvent];
  /** An open breaker lets one trial attempt through. */
  breakerHalfOpened: [BreakerEvent];
  /** A breaker closed again after a successful trial. */
  breakerClosed: [BreakerEvent];
  /** Discovery failed to refresh the set; it retries by itself and the last set stays in use. */
  discoveryError: [DiscoveryErrorEvent];
}

export interface InstancesChangedEvent {
  readonly service: string;
  readonly instances: readonly Instance[];
  readonly added: readonly Instance[];
  readonly removed: readonly Instance[];
}

export interface BreakerEvent {
  readonly service: string;
  readonly instance: Instance;
  readonly state: BreakerState;
}

export interface DiscoveryErrorEvent {
  readonly service: string;
  readonly error: Error;
  /** How many instances are still being served from the last known set. */
  readonly instancesKept: number;
}

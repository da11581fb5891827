import type { NotRetriedReason } from '../call/retry-rule.js';
import type { Balancer, DiscoveryState } from '../client/balancer.js';
import type { InstanceState } from '../health/instance-health.js';
import type { RetryCounts } from './retry-counts.js';

/**
 * What one client sees and does, at one moment: `client.stats()`. Plain data, ready for `JSON.stringify`
 * (the status page serves exactly this). Counts run from the client's start.
 */
export interface ClientStats {
  readonly service: string;
  /** The picker's name (`p2c-ewma`), or `custom` for a picker without one. */
  readonly picker: string;
  readonly discovery: DiscoveryState;
  /** Too few instances are available, so every instance is routed to, breakers notwithstanding (Envoy's panic mode). */
  readonly panic: boolean;
  /** Every instance discovery reports now, in its order. */
  readonly instances: readonly InstanceStats[];
  readonly totals: TotalStats;
  readonly retries: RetryStats;
}

export interface InstanceStats {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  /** `healthy`: its breaker is closed; `open`: taken out; `half-open`: taking its trial attempts. */
  readonly state: InstanceState;
  /** Attempts sent to it and not yet answered. */
  readonly inFlight: number;
  /** Attempts sent to it since the client started (retries and hedges included). */
  readonly requests: number;
  /** Attempts that counted against it: connection errors, timeouts, 5xx (not 4xx, 429 or cancellations). */
  readonly failures: number;
  /** The picker's current latency estimate in ms, where it keeps one (`p2c-ewma`) and has seen the instance. */
  readonly latencyMs?: number;
  /** Its part of `totals.requests`, from 0 to 1. */
  readonly share: number;
  /** Its weight in Consul (`Weights.Passing`, or `Warning` while it warns). */
  readonly weight: number;
}

export interface TotalStats {
  readonly instances: number;
  /** Instances whose breaker is closed. */
  readonly healthy: number;
  readonly inFlight: number;
  readonly requests: number;
  readonly failures: number;
}

export interface RetryStats {
  /** Failed attempts tried again (hedges not included). */
  readonly total: number;
  /** Retries by what failed: `never-sent`, `connection-lost`, `timed-out`, `failed`, or a status (`"503"`). */
  readonly byReason: Readonly<Record<string, number>>;
  /** Extra attempts sent while an earlier one was slow to answer. */
  readonly hedges: number;
  /** Failures a retry might have repaired but that were not retried, by why not. */
  readonly notRetried: Readonly<Partial<Record<NotRetriedReason, number>>>;
  /** Retries the budget allows now; `null` when retries are not budgeted. */
  readonly budgetLeft: number | null;
}

/** A snapshot of `balancer`; `retries` counts its retry decisions. */
export function clientStats(balancer: Balancer, retries: RetryCounts): ClientStats {
  const health = balancer.health;
  const picker = balancer.picker;
  let inFlight = 0;
  let requests = 0;
  let failures = 0;
  let healthy = 0;
  const counted = health.members.map((instance) => {
    const counters = health.counters(instance.id) ?? { inFlight: 0, attempts: 0, failures: 0 };
    const state = health.state(instance.id);
    const latencyMs = picker.estimate?.(instance)?.latencyMs;
    inFlight += counters.inFlight;
    requests += counters.attempts;
    failures += counters.failures;
    if (state === 'healthy') healthy++;
    return { instance, counters, state, latencyMs };
  });
  const instances = counted.map(({ instance, counters, state, latencyMs }): InstanceStats => ({
    id: instance.id,
    host: instance.host,
    port: instance.port,
    state,
    inFlight: counters.inFlight,
    requests: counters.attempts,
    failures: counters.failures,
    ...(latencyMs === undefined ? {} : { latencyMs }),
    share: requests === 0 ? 0 : counters.attempts / requests,
    weight: instance.weight,
  }));
  const budget = balancer.retryBudget;
  return {
    service: balancer.service,
    picker: picker.name ?? 'custom',
    discovery: balancer.discoveryState(),
    panic: health.panicking,
    instances,
    totals: { instances: instances.length, healthy, inFlight, requests, failures },
    retries: {
      total: retries.total,
      byReason: Object.fromEntries(retries.byReason),
      hedges: retries.hedges,
      notRetried: Object.fromEntries(retries.notRetried),
      budgetLeft: budget === undefined ? null : Math.max(0, Math.floor(budget.balance)),
    },
  };
}

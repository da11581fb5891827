import { Counter, Gauge, Histogram, register as defaultRegistry, type Registry } from 'prom-client';
import type { CallScope } from '../call/call-scope.js';
import type { BalancedClient } from '../client/balanced-client.js';
import { balancerOf } from '../client/balanced-client.js';
import type { Balancer } from '../client/balancer.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { rejectUnknownKeys, requireOptionsObject } from '../options/option-checks.js';
import { attemptOutcomeLabel } from './attempt-outcome-label.js';
import { retryReason } from './retry-counts.js';

export interface PrometheusMetricsOptions {
  /** The prom-client registry to register the metrics in. Default prom-client's global `register`. */
  readonly registry?: Registry;
}

/** A breaker's state as the value of `proxyless_breaker_state`. */
const breakerValue = { healthy: 0, 'half-open': 1, open: 2, ejected: 3 } as const;
const instanceStates = ['healthy', 'half-open', 'open'] as const;

/** The five metrics in one registry, and the clients reporting to it. */
class RegistryMetrics {
  readonly balancers = new Set<Balancer>();
  readonly requests: Counter<'service' | 'instance' | 'outcome'>;
  readonly duration: Histogram<'service' | 'instance'>;
  readonly retries: Counter<'service' | 'reason'>;

  constructor(registry: Registry) {
    const balancers = this.balancers;
    this.requests = new Counter({
      name: 'proxyless_requests_total',
      help: 'Attempts sent to each instance, by how they ended (success, throttled, server-error, never-sent, connection-lost, timed-out, cancelled, failed).',
      labelNames: ['service', 'instance', 'outcome'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'proxyless_request_duration_seconds',
      help: 'Time from sending an attempt to its response headers or its failure, per instance (cancelled attempts left out).',
      labelNames: ['service', 'instance'],
      registers: [registry],
    });
    this.retries = new Counter({
      name: 'proxyless_retries_total',
      help: 'Extra attempts, by why: what the failed attempt met (a status such as 503, never-sent, connection-lost, timed-out) or hedge.',
      labelNames: ['service', 'reason'],
      registers: [registry],
    });
    new Gauge({
      name: 'proxyless_instances',
      help: 'Instances discovery reports, by state (healthy, half-open, open, ejected).',
      labelNames: ['service', 'state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const balancer of balancers) {
          if (balancer.closed) {
            balancers.delete(balancer);
            continue;
          }
          for (const state of instanceStates) this.inc({ service: balancer.service, state }, 0);
          for (const instance of balancer.health.members) this.inc({ service: balancer.service, state: balancer.health.state(instance.id) });
        }
      },
    });
    new Gauge({
      name: 'proxyless_breaker_state',
      help: "Each instance's circuit breaker: 0 closed, 1 half-open, 2 open; 3 ejected by outlier detection.",
      labelNames: ['service', 'instance'],
      registers: [registry],
      collect() {
        this.reset();
        const values = new Map<string, { service: string; instance: string; value: number }>();
        for (const balancer of balancers) {
          if (balancer.closed) continue;
          for (const instance of balancer.health.members) {
            const key = JSON.stringify([balancer.service, instance.id]);
            const value = breakerValue[balancer.health.state(instance.id)];
            // Two clients of one service may disagree about an instance: the worse state is shown.
            if ((values.get(key)?.value ?? -1) < value) values.set(key, { service: balancer.service, instance: instance.id, value });
          }
        }
        for (const { service, instance, value } of values.values()) this.set({ service, instance }, value);
      },
    });
  }

  /** The scope every call of `balancer` shares: it keeps no state of its own, so no call allocates one. */
  scopeFor(balancer: Balancer): CallScope {
    const service = balancer.service;
    const { requests, duration, retries } = this;
    return {
      attemptStarted(_instance, hedge) {
        if (hedge) retries.inc({ service, reason: 'hedge' });
      },
      attemptEnded(attempt) {
        const outcome = attemptOutcomeLabel(attempt);
        requests.inc({ service, instance: attempt.instance.id, outcome });
        if (outcome !== 'cancelled') duration.observe({ service, instance: attempt.instance.id }, attempt.durationMs / 1000);
      },
      retrying(after) {
        retries.inc({ service, reason: retryReason(after) });
      },
      notRetried() {},
      ended() {},
    };
  }
}

const byRegistry = new WeakMap<Registry, RegistryMetrics>();

/**
 * Registers proxyless's metrics for `client` in a prom-client registry:
 * `proxyless_requests_total{service,instance,outcome}`, `proxyless_request_duration_seconds{service,instance}`
 * (a histogram), `proxyless_retries_total{service,reason}`, `proxyless_instances{service,state}` and
 * `proxyless_breaker_state{service,instance}`. Any number of clients may report to one registry; the
 * gauges are read at scrape time, and a closed client drops out of them.
 *
 * @example
 * import { Registry } from 'prom-client';
 * import { prometheusMetrics } from 'proxyless/prometheus';
 * const registry = new Registry();
 * prometheusMetrics(users, { registry });
 * app.get('/metrics', async (_req, res) => res.type(registry.contentType).send(await registry.metrics()));
 */
export function prometheusMetrics(client: BalancedClient, options: PrometheusMetricsOptions = {}): void {
  const balancer = balancerOf(client);
  if (balancer === undefined) throw new InvalidOptionError('prometheusMetrics(client)', 'must be a client made by createClient()');
  requireOptionsObject('prometheusMetrics options', options, '{ registry }');
  rejectUnknownKeys('', options, ['registry']);
  const registry = options.registry ?? defaultRegistry;
  if (typeof registry !== 'object' || registry === null || typeof registry.registerMetric !== 'function') {
    throw new InvalidOptionError('registry', "must be a prom-client Registry, e.g. new Registry() from 'prom-client'");
  }
  let metrics = byRegistry.get(registry);
  if (metrics === undefined) {
    metrics = new RegistryMetrics(registry);
    byRegistry.set(registry, metrics);
  }
  if (metrics.balancers.has(balancer)) return;
  metrics.balancers.add(balancer);
  const scope = metrics.scopeFor(balancer);
  balancer.instrument({ callStarted: () => scope });
}

import type { Instance } from '../discovery/instance.js';
import type { LatencyDistribution } from './latency.js';

/**
 * One simulated instance: the `Instance` the pickers see, and how it behaves when a request
 * reaches it.
 */
export interface InstanceModel {
  readonly instance: Instance;
  /** How long a request takes once the instance starts serving it (queueing comes on top). */
  readonly latency: LatencyDistribution;
  /** Share of requests, 0 to 1, that fail. Defaults to 0. */
  readonly failureRate?: number;
  /**
   * How long a failing request takes; defaults to `latency`. A fast failure (an instant 503) is
   * the trap for latency-aware pickers: the broken instance looks like the quickest one.
   */
  readonly failureLatency?: LatencyDistribution;
  /**
   * How many requests the instance serves at once; further requests wait in a first-in, first-out
   * queue, so overload shows up as latency, as it does on a real server. Defaults to unlimited.
   */
  readonly concurrency?: number;
  /** Periods in which the instance behaves differently (slower, failing), e.g. from t=10 s to t=40 s. */
  readonly phases?: readonly InstancePhase[];
}

/**
 * A period of simulated time, `[fromMs, toMs)`, in which an instance's behaviour is replaced.
 * A request takes the behaviour of the phase in force when the instance starts serving it.
 */
export interface InstancePhase {
  readonly fromMs: number;
  readonly toMs: number;
  /** Replaces the instance's latency in this phase (see `scaledLatency` for "10× slower"). */
  readonly latency?: LatencyDistribution;
  /** Replaces the instance's failure rate in this phase. */
  readonly failureRate?: number;
}

/** What the simulator needs to build a realistic `Instance`; everything else gets a plausible value. */
export interface SimulatedInstanceOptions {
  readonly id: string;
  readonly service?: string;
  /** Defaults to 1. */
  readonly weight?: number;
  /** Written into the node's meta as `zone`, where Consul users usually keep it. */
  readonly zone?: string;
  readonly tags?: readonly string[];
  readonly meta?: Readonly<Record<string, string>>;
  readonly health?: Instance['health'];
}

/**
 * Builds a complete, frozen `Instance` for a simulation, with every field filled as discovery
 * would fill it, so a picker cannot tell it from a real one. The address comes from `index`
 * (10.0.0.1, 10.0.0.2, …), so the instances of one fleet never share one.
 */
export function simulatedInstance(options: SimulatedInstanceOptions, index = 0): Instance {
  const host = `10.0.${Math.floor(index / 250)}.${(index % 250) + 1}`;
  const port = 8080;
  const nodeMeta: Record<string, string> = options.zone === undefined ? {} : { zone: options.zone };
  return Object.freeze({
    id: options.id,
    service: options.service ?? 'simulated',
    host,
    port,
    origin: `http://${host}:${port}`,
    tags: Object.freeze([...(options.tags ?? [])]),
    meta: Object.freeze({ ...options.meta }),
    weight: options.weight ?? 1,
    health: options.health ?? 'passing',
    node: Object.freeze({
      name: `node-${options.id}`,
      address: host,
      datacenter: 'dc1',
      meta: Object.freeze(nodeMeta),
    }),
  });
}

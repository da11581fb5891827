import type { Instance } from '../discovery/instance.js';
import type { LatencyDistribution } from './latency.js';

/**
 * One simulated instance: the `Instance` the client sees, and how it behaves when an attempt reaches it.
 *
 * Each attempt the instance serves ends one way, drawn when it starts being served: it hangs, its
 * connection is reset, it is answered with `failureStatus`, or it succeeds — with the shares below, the
 * rest succeeding. A refused connection is decided before that, as the attempt arrives: it never reaches
 * the queue.
 */
export interface InstanceModel {
  readonly instance: Instance;
  /** How long a request takes once the instance starts serving it (queueing comes on top). */
  readonly latency: LatencyDistribution;
  /**
   * How many requests the instance serves at once; further requests wait in a first-in, first-out
   * queue, so overload shows up as latency, as it does on a real server. Defaults to unlimited.
   */
  readonly concurrency?: number;
  /** Share of attempts, 0 to 1, answered with `failureStatus`. Defaults to 0. */
  readonly failureRate?: number;
  /** The status of those answers: 400 to 599. Defaults to 503. */
  readonly failureStatus?: number;
  /**
   * How long a failing attempt (an error status or a reset) takes; defaults to `latency`. A fast failure
   * (an instant 503) is the trap for latency-aware pickers: the broken instance looks like the quickest one.
   */
  readonly failureLatency?: LatencyDistribution;
  /** Share of attempts, 0 to 1, whose connection breaks after `failureLatency` without an answer (`ECONNRESET`). */
  readonly resetRate?: number;
  /** Share of attempts, 0 to 1, whose connection is refused (`ECONNREFUSED`) 1 ms after they are sent: nothing reached the instance. */
  readonly refusalRate?: number;
  /**
   * Share of attempts, 0 to 1, never answered: the caller waits until its own deadline or attempt
   * timeout gives up. A hung attempt takes no slot of `concurrency`.
   */
  readonly hangRate?: number;
  /** Periods in which the instance behaves differently (slower, failing, down), e.g. from t=10 s to t=40 s. */
  /**
   * Whether the instance reports its load on every response, as `proxyless/express` does
   * (`endpoint-load-metrics`: requests in flight, outside load included, and busy slots over concurrency).
   * Default false.
   */
  readonly reportsLoad?: boolean;
  /**
   * Requests the instance serves for callers outside the simulated clients — a noisy neighbour, a batch job,
   * another service: Poisson arrivals that take its slots and queue like any request, so its latency rises
   * and its requests in flight with it, while no client sees them except through what it reports.
   */
  readonly outsideLoad?: OutsideLoad;
  readonly phases?: readonly InstancePhase[];
}

/** Load from outside the simulated clients: `ratePerSecond` arrivals in `[fromMs, toMs)`. */
export interface OutsideLoad {
  readonly ratePerSecond: number;
  /** Default 0. */
  readonly fromMs?: number;
  /** Default: the end of the run. */
  readonly toMs?: number;
}

/**
 * A period of simulated time, `[fromMs, toMs)`, in which some of an instance's behaviour is replaced;
 * what a phase leaves out stays as the model says. An attempt takes the behaviour of the phase in force
 * when the instance starts serving it (for a refusal: when it arrives). When phases overlap, the first
 * listed wins. The instance recovers when the phase ends.
 */
export interface InstancePhase {
  readonly fromMs: number;
  /** Defaults to the end of the run. */
  readonly toMs?: number;
  /** Replaces the instance's latency in this phase (see `scaledLatency` for "10× slower"). */
  readonly latency?: LatencyDistribution;
  readonly failureRate?: number;
  readonly failureStatus?: number;
  readonly resetRate?: number;
  readonly refusalRate?: number;
  readonly hangRate?: number;
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

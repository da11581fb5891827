/**
 * What one candidate measured on one scenario: latency as the callers saw it (from the request to its
 * final answer, queueing, retries and backoff included), how many requests succeeded, what they cost in
 * attempts, how the instances shared them, and how all of that moved during the run.
 */
export interface SimulationReport {
  /** The candidate's name: its key in `compare`. */
  readonly candidate: string;
  /** The picker's own `name` (`custom` when it has none). */
  readonly picker: string;
  readonly scenario: string;
  readonly seed: number;
  /** Requests sent (each may have made several attempts). */
  readonly requests: number;
  /** Requests answered with a status below 400. */
  readonly succeeded: number;
  /** `succeeded / requests`, 0 to 1. */
  readonly successRate: number;
  /** Requests per second of the run's duration: the load offered, or with closed-loop workers, the load the fleet let through. */
  readonly requestsPerSecond: number;
  /** Attempts sent to instances: first tries, retries, hedges and resends of refused connections. */
  readonly attempts: number;
  /** `attempts / requests`: how much retries and hedges amplify the load (1 is none). */
  readonly attemptsPerRequest: number;
  /** How the requests that did not succeed ended. */
  readonly failures: FailureCounts;
  readonly latency: LatencySummary;
  /** The latency distribution, for plotting: quantiles spaced evenly in "nines" up to the largest sample. */
  readonly latencyQuantiles: readonly LatencyQuantile[];
  /** One entry per instance, in the scenario's order. */
  readonly instances: readonly InstanceShare[];
  readonly imbalance: Imbalance;
  /** The run cut into equal windows, by the time requests were sent. */
  readonly timeline: Timeline;
}

/** Requests that did not succeed, by how they ended for the caller. */
export interface FailureCounts {
  /** Answered with a status of 400 or more (after whatever retries were allowed). */
  readonly errorStatus: number;
  /** Their last attempt's connection was refused or broke. */
  readonly connection: number;
  /** Their last attempt hit its time limit (`retry.attemptTimeoutMs`, `breaker.timeout`) and was not retried. */
  readonly attemptTimeout: number;
  /** Their deadline (`defaultDeadlineMs`) passed. */
  readonly deadline: number;
  /** No instance could take them: every breaker open with panic off, or every instance at `breaker.capacity`. */
  readonly unavailable: number;
  /** Still waiting when the run ended, on an instance that hung, with no deadline to end the wait; their latency counts as infinite. */
  readonly neverAnswered: number;
}

export interface InstanceShare {
  readonly id: string;
  /** Attempts sent to it, by every client. */
  readonly attempts: number;
  /** This instance's part of all attempts, 0 to 1. */
  readonly share: number;
  /** Attempts it failed: refused, reset, hung or answered with an error status. */
  readonly failures: number;
  /** How many times a client's breaker took it out (summed over clients). */
  readonly breakerOpenings: number;
  /**
   * Requests in flight at the instance, served or queued, averaged over the run — load from outside the
   * clients included: where the queues built up, which shares alone do not show when instances differ.
   */
  readonly meanInFlight: number;
}

/** How unevenly attempts were spread across instances; both are 0 and 1 for a perfectly even spread. */
export interface Imbalance {
  /** The busiest instance's share over the mean share: 1 is even, 2 means one got twice its part. */
  readonly maxOverMean: number;
  /** Standard deviation of the shares over their mean: 0 is even. */
  readonly coefficientOfVariation: number;
}

export interface Timeline {
  readonly windowMs: number;
  readonly windows: readonly TimelineWindow[];
}

/** One window of the run: the requests sent in it and the attempts sent in it. */
export interface TimelineWindow {
  readonly fromMs: number;
  readonly requests: number;
  /** Of the requests sent in the window; 1 when none was. */
  readonly successRate: number;
  /** Of the requests sent in the window, in ms; `NaN` when none was. */
  readonly p50: number;
  readonly p99: number;
  readonly attempts: number;
  /** Each instance's part of the window's attempts, in the scenario's order; all 0 when there were none. */
  readonly shares: readonly number[];
}

/** Milliseconds. Percentiles use the nearest-rank definition: every value is one that was observed. */
export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
  readonly mean: number;
  readonly max: number;
}

export interface LatencyQuantile {
  /** 0 to 1. */
  readonly quantile: number;
  readonly ms: number;
}

/**
 * The nearest-rank percentile of ascending `sorted` values: the smallest value with at least
 * `p` percent of the values at or below it. `NaN` when there are no values.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const count = sorted.length;
  if (count === 0) return NaN;
  // 99.9 % of 1,000 is 999.0000000000001 in floating point; the tolerance keeps its rank at 999.
  const exactRank = (p * count) / 100;
  const rank = Math.min(count, Math.max(1, Math.ceil(exactRank - 1e-9 * exactRank)));
  return sorted[rank - 1] ?? NaN;
}

/** Summarises ascending latencies in milliseconds. */
export function summarizeLatency(sorted: ArrayLike<number>): LatencySummary {
  let total = 0;
  for (let i = 0; i < sorted.length; i++) total += sorted[i] ?? 0;
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    mean: sorted.length === 0 ? NaN : total / sorted.length,
    max: sorted.length === 0 ? NaN : (sorted[sorted.length - 1] ?? NaN),
  };
}

/**
 * Quantiles of ascending latencies spaced evenly on a "nines" scale (0, 90 %, 99 %, 99.9 % are
 * equally far apart), from the minimum to the 1 − 1/n quantile: the tail gets as many points as
 * the body, as in HdrHistogram's percentile plots.
 */
export function latencyQuantiles(sorted: ArrayLike<number>, pointsPerNine = 25): LatencyQuantile[] {
  const count = sorted.length;
  if (count === 0) return [];
  const maxNines = Math.log10(count);
  const steps = Math.max(1, Math.ceil(maxNines * pointsPerNine));
  const points: LatencyQuantile[] = [];
  for (let step = 0; step <= steps; step++) {
    const quantile = 1 - Math.pow(10, -(maxNines * step) / steps);
    points.push({ quantile, ms: percentile(sorted, quantile * 100) });
  }
  return points;
}

/** How unevenly `counts` are spread; an empty or all-zero list counts as even. */
export function imbalance(counts: readonly number[]): Imbalance {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (counts.length === 0 || total === 0) return { maxOverMean: 1, coefficientOfVariation: 0 };
  const mean = total / counts.length;
  const variance = counts.reduce((sum, count) => sum + (count - mean) ** 2, 0) / counts.length;
  return {
    maxOverMean: Math.max(...counts) / mean,
    coefficientOfVariation: Math.sqrt(variance) / mean,
  };
}

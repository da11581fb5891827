/**
 * What one simulated run measured: latency as the callers saw it (from arrival to final answer,
 * queueing and retries included), how many requests succeeded, and how the picker spread them.
 */
export interface SimulationReport {
  /** The picker's name: its key in `compare`, else its own `name`. */
  readonly picker: string;
  readonly scenario: string;
  readonly seed: number;
  /** Requests that arrived (each may have made several attempts). */
  readonly requests: number;
  readonly succeeded: number;
  /** `succeeded / requests`, 0 to 1. */
  readonly successRate: number;
  /** Attempts sent to instances, retries included. */
  readonly attempts: number;
  readonly latency: LatencySummary;
  /** The latency distribution, for plotting: quantiles spaced evenly in "nines" up to the largest sample. */
  readonly latencyQuantiles: readonly LatencyQuantile[];
  /** One entry per instance, in the scenario's order. */
  readonly instances: readonly InstanceShare[];
  readonly imbalance: Imbalance;
}

/** Milliseconds. Percentiles use the nearest-rank definition: every value is one that was observed. */
export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
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

export interface InstanceShare {
  readonly id: string;
  readonly attempts: number;
  /** This instance's part of all attempts, 0 to 1. */
  readonly share: number;
  readonly failures: number;
}

/** How unevenly attempts were spread across instances; both are 0 and 1 for a perfectly even spread. */
export interface Imbalance {
  /** The busiest instance's share over the mean share: 1 is even, 2 means one got twice its part. */
  readonly maxOverMean: number;
  /** Standard deviation of the shares over their mean: 0 is even. */
  readonly coefficientOfVariation: number;
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

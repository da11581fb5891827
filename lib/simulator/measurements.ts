import type { CallResult } from '../call/call.js';
import { imbalance, latencyQuantiles, percentile, summarizeLatency } from './report.js';
import type { FailureCounts, SimulationReport, TimelineWindow } from './report.js';

type FailureKind = keyof FailureCounts;

/** Window lengths the timeline may use: round numbers, so its axis reads well. */
const windowChoices = [10, 20, 25, 50, 100, 200, 250, 500, 1_000, 2_000, 2_500, 5_000, 10_000, 20_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];
const maxWindows = 100;

/** What a report needs besides the measurements. */
export interface ReportLabels {
  readonly candidate: string;
  readonly picker: string;
  readonly scenario: string;
  readonly seed: number;
}

/**
 * Everything one run measures, as it happens: each request's latency and ending by the window it was
 * sent in, and each attempt by its instance and the window it was sent in.
 */
export class Measurements {
  readonly #durationMs: number;
  readonly #instanceIds: readonly string[];
  readonly #windowMs: number;
  readonly #latencies: number[] = [];
  readonly #windowLatencies: number[][];
  readonly #windowSucceeded: Float64Array;
  /** Attempts by window, then instance: `window × instances + instance`. */
  readonly #windowAttempts: Float64Array;
  readonly #instanceAttempts: Float64Array;
  readonly #breakerOpenings: Map<string, number> = new Map();
  readonly #failures: Record<FailureKind, number> = {
    errorStatus: 0,
    connection: 0,
    attemptTimeout: 0,
    deadline: 0,
    unavailable: 0,
    neverAnswered: 0,
  };
  #succeeded = 0;
  #attempts = 0;

  constructor(durationMs: number, instanceIds: readonly string[]) {
    this.#durationMs = durationMs;
    this.#instanceIds = instanceIds;
    this.#windowMs = windowChoices.find((choice) => Math.ceil(durationMs / choice) <= maxWindows) ?? Math.ceil(durationMs / maxWindows);
    const windows = Math.max(1, Math.ceil(durationMs / this.#windowMs));
    this.#windowLatencies = Array.from({ length: windows }, () => []);
    this.#windowSucceeded = new Float64Array(windows);
    this.#windowAttempts = new Float64Array(windows * instanceIds.length);
    this.#instanceAttempts = new Float64Array(instanceIds.length);
  }

  attemptSent(instanceIndex: number, now: number): void {
    this.#attempts++;
    this.#instanceAttempts[instanceIndex] = (this.#instanceAttempts[instanceIndex] as number) + 1;
    const slot = this.#window(now) * this.#instanceIds.length + instanceIndex;
    this.#windowAttempts[slot] = (this.#windowAttempts[slot] as number) + 1;
  }

  breakerOpened(instanceId: string): void {
    this.#breakerOpenings.set(instanceId, (this.#breakerOpenings.get(instanceId) ?? 0) + 1);
  }

  requestEnded(sentAt: number, now: number, result: CallResult): void {
    const failure = failureKind(result);
    this.#record(sentAt, elapsed(sentAt, now), failure);
  }

  /** A request still waiting when the run ended: its caller would wait for ever. */
  neverAnswered(sentAt: number): void {
    this.#record(sentAt, Infinity, 'neverAnswered');
  }

  /**
   * @param instanceFailures attempts each instance failed, in the scenario's order
   * @param instanceInFlight each instance's requests in flight, averaged over the run (outside load included)
   */
  report(labels: ReportLabels, instanceFailures: readonly number[], instanceInFlight: readonly number[] = []): SimulationReport {
    const sorted = Float64Array.from(this.#latencies).sort();
    const requests = sorted.length;
    const attempts = this.#attempts;
    const counts = Array.from(this.#instanceAttempts);
    return {
      ...labels,
      requests,
      succeeded: this.#succeeded,
      successRate: requests === 0 ? 1 : this.#succeeded / requests,
      requestsPerSecond: requests / (this.#durationMs / 1000),
      attempts,
      attemptsPerRequest: requests === 0 ? 0 : attempts / requests,
      failures: { ...this.#failures },
      latency: summarizeLatency(sorted),
      latencyQuantiles: latencyQuantiles(sorted),
      instances: this.#instanceIds.map((id, index) => ({
        id,
        attempts: counts[index] ?? 0,
        share: attempts === 0 ? 0 : (counts[index] ?? 0) / attempts,
        failures: instanceFailures[index] ?? 0,
        breakerOpenings: this.#breakerOpenings.get(id) ?? 0,
        meanInFlight: instanceInFlight[index] ?? 0,
      })),
      imbalance: imbalance(counts),
      timeline: { windowMs: this.#windowMs, windows: this.#windowLatencies.map((_, window) => this.#timelineWindow(window)) },
    };
  }

  #record(sentAt: number, latencyMs: number, failure: FailureKind | undefined): void {
    this.#latencies.push(latencyMs);
    const window = this.#window(sentAt);
    this.#windowLatencies[window]?.push(latencyMs);
    if (failure === undefined) {
      this.#succeeded++;
      this.#windowSucceeded[window] = (this.#windowSucceeded[window] as number) + 1;
    } else {
      this.#failures[failure]++;
    }
  }

  #window(at: number): number {
    // Retries of the last requests go out after the run's end: they count in its last window.
    return Math.min(this.#windowLatencies.length - 1, Math.max(0, Math.floor(at / this.#windowMs)));
  }

  #timelineWindow(window: number): TimelineWindow {
    const latencies = Float64Array.from(this.#windowLatencies[window] ?? []).sort();
    const instances = this.#instanceIds.length;
    const attempts = this.#windowAttempts.subarray(window * instances, (window + 1) * instances);
    let total = 0;
    for (const count of attempts) total += count;
    return {
      fromMs: window * this.#windowMs,
      requests: latencies.length,
      successRate: latencies.length === 0 ? 1 : (this.#windowSucceeded[window] as number) / latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      attempts: total,
      shares: Array.from(attempts, (count) => (total === 0 ? 0 : count / total)),
    };
  }
}

/** How a request ended, as far as its caller is concerned: `undefined` for success. */
function failureKind(result: CallResult): FailureKind | undefined {
  if (result.kind === 'response') return result.response.status < 400 ? undefined : 'errorStatus';
  switch (result.reason) {
    case 'deadline':
      return 'deadline';
    case 'attempt':
      return result.outcome?.kind === 'timed-out' ? 'attemptTimeout' : 'connection';
    default:
      return 'unavailable';
  }
}

/**
 * Milliseconds between two simulated instants, to the nanosecond: event times are sums of
 * floating-point draws, and without rounding a fixed 7 ms would read 7.000000000000114.
 */
function elapsed(from: number, to: number): number {
  return Math.round((to - from) * 1e6) / 1e6;
}

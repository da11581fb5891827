// What bench/central-balancers.bench.ts saves for the benchmarks page (bench/support/write-benchmarks-doc.ts).

export interface PathRow {
  readonly name: string;
  readonly throughput: number;
  /** The calling process's CPU per request during the throughput runs, in µs (a central balancer's own is not in it). */
  readonly callerCpuMicros: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

export interface SlowRow {
  readonly name: string;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly slowShare: number;
}

export interface KillRow {
  readonly name: string;
  readonly requests: number;
  readonly failed: number;
  /** From the kill to the last failed request's end; 0 when none failed. */
  readonly settledMs: number;
}

/** The whole result, as saved to BENCH_RESULT_FILE. */
export interface CentralBalancersResult {
  readonly machine: string;
  readonly concurrency: number;
  readonly rounds: number;
  readonly offeredPerSecond: number;
  readonly rows: readonly PathRow[];
  readonly slowRate: number;
  readonly slow: readonly SlowRow[];
  readonly killRate: number;
  readonly killed: readonly KillRow[];
}

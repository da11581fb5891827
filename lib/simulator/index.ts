/**
 * The simulator: runs the client's own call model and health layer — pickers, deadlines, retries with
 * their budget and backoff, breakers with their ejection cap and panic, hedging — against modelled
 * instances on simulated time, with seeded randomness, to compare client settings on a fleet before
 * deploying them. Published as `proxyless/simulator`.
 */
export { simulate, compare } from './simulation.js';
export type { Comparison } from './simulation.js';
export type { Candidate, PickerFactory } from './candidate.js';
export type { Scenario, PublishedReference, PublishedFigures } from './scenario.js';
export { checkScenario } from './scenario.js';
export { scenarioFromJson, readScenarioFile } from './scenario-file.js';
export { simulatedInstance } from './instance-model.js';
export type { InstanceModel, InstancePhase, OutsideLoad, SimulatedInstanceOptions } from './instance-model.js';
export { fixedLatency, uniformLatency, normalLatency, lognormalLatency, scaledLatency } from './latency.js';
export type { LatencyDistribution } from './latency.js';
export { poissonArrivals, burstyArrivals, closedLoop, nextArrival, uniformKeys, zipfKeys } from './workload.js';
export type { ArrivalProcess, BurstyArrivalsOptions, ClosedLoopLoad, Load, KeyDistribution } from './workload.js';
export { percentile, summarizeLatency, latencyQuantiles, imbalance } from './report.js';
export type {
  SimulationReport,
  FailureCounts,
  LatencySummary,
  LatencyQuantile,
  InstanceShare,
  Imbalance,
  Timeline,
  TimelineWindow,
} from './report.js';
export { checkClaims, reportOf } from './claim.js';
export type { Claim, ClaimCheck, CheckedClaim } from './claim.js';
export { scenarios } from './scenarios/index.js';
export type { ScenarioName } from './scenarios/index.js';
export { comparisonTable, publishedTable } from './comparison-table.js';
export { latencyPercentileChart, instanceShareChart, shareTimelineChart, successTimelineChart } from './charts/index.js';

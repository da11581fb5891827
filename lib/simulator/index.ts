/**
 * The strategy simulator: replays a workload against modelled instances through real pickers, on
 * a simulated clock with seeded randomness, to show which strategy fits a latency profile.
 * Published as `proxyless/simulator`.
 */
export { simulate, compare } from './simulation.js';
export type { Scenario, SimulationOptions, PickerChoice, PickerFactory, Comparison } from './simulation.js';
export { simulatedInstance } from './instance-model.js';
export type { InstanceModel, InstancePhase, SimulatedInstanceOptions } from './instance-model.js';
export { fixedLatency, uniformLatency, normalLatency, lognormalLatency, scaledLatency } from './latency.js';
export type { LatencyDistribution } from './latency.js';
export { poissonArrivals, burstyArrivals, nextArrival, uniformKeys, zipfKeys } from './workload.js';
export type { ArrivalProcess, BurstyArrivalsOptions, KeyDistribution } from './workload.js';
export { percentile, summarizeLatency, latencyQuantiles, imbalance } from './report.js';
export type { SimulationReport, LatencySummary, LatencyQuantile, InstanceShare, Imbalance } from './report.js';
export { scenarios } from './scenarios.js';
export type { ScenarioName } from './scenarios.js';
export { comparisonTable } from './comparison-table.js';
export { latencyPercentileChart, instanceShareChart } from './svg-chart.js';

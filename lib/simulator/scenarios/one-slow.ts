import { reportOf } from '../claim.js';
import { scaledLatency } from '../latency.js';
import type { Scenario } from '../scenario.js';
import { poissonArrivals, uniformKeys } from '../workload.js';
import { ms, times } from './figures.js';
import { fleet, healthyLatency, pickerCandidates } from './fleet.js';

export const oneSlow: Scenario = {
  name: 'one-slow',
  description: 'ten instances, one of them 10× slower (100 ms median); 500 req/s from 10 clients for 20 s',
  seed: 1,
  durationMs: 20_000,
  load: poissonArrivals(500),
  clients: 10,
  keys: uniformKeys(1_000),
  instances: fleet(10, (index) => ({
    latency: index === 3 ? scaledLatency(healthyLatency, 10) : healthyLatency,
    concurrency: 10,
  })),
  candidates: pickerCandidates(),
  claims: [
    {
      says: "p2c-ewma's p99 beats round-robin's at least threefold",
      candidates: ['round-robin', 'p2c-ewma'],
      check(comparison) {
        const roundRobin = reportOf(comparison, 'round-robin').latency.p99;
        const p2c = reportOf(comparison, 'p2c-ewma').latency.p99;
        return { holds: roundRobin >= 3 * p2c, measured: `${times(roundRobin / p2c)} (${ms(roundRobin)} against ${ms(p2c)})` };
      },
    },
    {
      says: 'p2c-ewma sends the slow instance under 1 % of the attempts',
      candidates: ['p2c-ewma'],
      check(comparison) {
        const share = reportOf(comparison, 'p2c-ewma').instances[3]?.share ?? 1;
        return { holds: share < 0.01, measured: `${(share * 100).toFixed(2)} %` };
      },
    },
    {
      says: "least-request beats round-robin's p99",
      candidates: ['least-request', 'round-robin'],
      check(comparison) {
        const leastRequest = reportOf(comparison, 'least-request').latency.p99;
        const roundRobin = reportOf(comparison, 'round-robin').latency.p99;
        return { holds: leastRequest < roundRobin, measured: `${ms(leastRequest)} against ${ms(roundRobin)}` };
      },
    },
    {
      says: "round-robin's shares stay even (max / mean under 1.05) although one instance is slow",
      candidates: ['round-robin'],
      check(comparison) {
        const maxOverMean = reportOf(comparison, 'round-robin').imbalance.maxOverMean;
        return { holds: maxOverMean < 1.05, measured: `max / mean ${maxOverMean.toFixed(3)}` };
      },
    },
  ],
};

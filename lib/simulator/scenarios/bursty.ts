import { reportOf } from '../claim.js';
import type { Scenario } from '../scenario.js';
import { burstyArrivals, uniformKeys } from '../workload.js';
import { ms } from './figures.js';
import { fleet, healthyLatency, pickerCandidates } from './fleet.js';

export const bursty: Scenario = {
  name: 'bursty',
  description: 'ten instances of 4 requests at a time; 1,000 req/s with bursts of 3,300 req/s for 300 ms every 2 s, for 20 s',
  seed: 1,
  durationMs: 20_000,
  load: burstyArrivals({ baseRatePerSecond: 1_000, burstRatePerSecond: 3_300, everyMs: 2_000, lengthMs: 300 }),
  clients: 10,
  keys: uniformKeys(1_000),
  instances: fleet(10, () => ({ latency: healthyLatency, concurrency: 4 })),
  candidates: pickerCandidates(),
  claims: [
    {
      says: "random's p99 is worse than round-robin's and least-request's (by more than 1.3×), which spread bursts evenly",
      candidates: ['random', 'round-robin', 'least-request'],
      check(comparison) {
        const random = reportOf(comparison, 'random').latency.p99;
        const roundRobin = reportOf(comparison, 'round-robin').latency.p99;
        const leastRequest = reportOf(comparison, 'least-request').latency.p99;
        return {
          holds: random > 1.3 * roundRobin && random > 1.3 * leastRequest,
          measured: `${ms(random)} against ${ms(roundRobin)} and ${ms(leastRequest)}`,
        };
      },
    },
  ],
};

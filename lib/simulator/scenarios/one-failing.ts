import { reportOf } from '../claim.js';
import { fixedLatency } from '../latency.js';
import type { Scenario } from '../scenario.js';
import { poissonArrivals, uniformKeys } from '../workload.js';
import { percent } from './figures.js';
import { fleet, healthyLatency, pickerCandidates } from './fleet.js';

export const oneFailing: Scenario = {
  name: 'one-failing',
  description: 'ten instances; from t=5 s to t=15 s one answers half its requests with an instant 503; 500 req/s for 20 s',
  seed: 1,
  durationMs: 20_000,
  load: poissonArrivals(500),
  clients: 10,
  keys: uniformKeys(1_000),
  instances: fleet(10, (index) => ({
    latency: healthyLatency,
    concurrency: 10,
    ...(index === 4 ? { failureLatency: fixedLatency(1), phases: [{ fromMs: 5_000, toMs: 15_000, failureRate: 0.5 }] } : {}),
  })),
  candidates: {
    ...pickerCandidates(),
    'round-robin, 1 retry': { picker: 'round-robin', retry: { attempts: 2 }, breaker: false },
  },
  claims: [
    {
      says: 'round-robin loses about 2.5 % of requests (half of a tenth, for half the run)',
      candidates: ['round-robin'],
      check(comparison) {
        const successRate = reportOf(comparison, 'round-robin').successRate;
        return { holds: Math.abs(successRate - 0.975) < 0.005, measured: `success ${percent(successRate)}` };
      },
    },
    {
      says: 'p2c-ewma keeps success above 99 % although the failures are instant',
      candidates: ['p2c-ewma'],
      check(comparison) {
        const successRate = reportOf(comparison, 'p2c-ewma').successRate;
        return { holds: successRate > 0.99, measured: `success ${percent(successRate)}` };
      },
    },
    {
      says: 'one retry on another instance brings round-robin to 100 %',
      candidates: ['round-robin, 1 retry'],
      check(comparison) {
        const successRate = reportOf(comparison, 'round-robin, 1 retry').successRate;
        return { holds: successRate === 1, measured: `success ${percent(successRate)}` };
      },
    },
  ],
};

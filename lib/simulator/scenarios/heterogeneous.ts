import { reportOf } from '../claim.js';
import { lognormalLatency } from '../latency.js';
import type { Scenario } from '../scenario.js';
import { poissonArrivals, uniformKeys } from '../workload.js';
import { ms, times } from './figures.js';
import { fleet, pickerCandidates } from './fleet.js';

const weights = [1, 1, 2, 2, 4, 4];

export const heterogeneous: Scenario = {
  name: 'heterogeneous',
  description: 'six instances of weights 1, 1, 2, 2, 4, 4 serving 4 × weight requests at a time (20 ms median); 1,200 req/s for 10 s',
  seed: 1,
  durationMs: 10_000,
  load: poissonArrivals(1_200),
  clients: 10,
  keys: uniformKeys(1_000),
  instances: fleet(6, (index) => {
    const weight = weights[index] ?? 1;
    return { weight, latency: lognormalLatency(20, 0.3), concurrency: 4 * weight };
  }),
  candidates: pickerCandidates(),
  claims: [
    {
      says: "weighted-round-robin gives each instance its weight's share (within half a point)",
      candidates: ['weighted-round-robin'],
      check(comparison) {
        const total = weights.reduce((sum, weight) => sum + weight, 0);
        const shares = reportOf(comparison, 'weighted-round-robin').instances.map((instance) => instance.share);
        const worst = Math.max(...shares.map((share, index) => Math.abs(share - (weights[index] ?? 0) / total)));
        return { holds: worst < 0.005, measured: `largest gap ${(worst * 100).toFixed(2)} points` };
      },
    },
    {
      says: "weighted-round-robin's p99 beats round-robin's, which overloads the small instances, at least fivefold",
      candidates: ['round-robin', 'weighted-round-robin'],
      check(comparison) {
        const plain = reportOf(comparison, 'round-robin').latency.p99;
        const weighted = reportOf(comparison, 'weighted-round-robin').latency.p99;
        return { holds: plain >= 5 * weighted, measured: `${times(plain / weighted)} (${ms(plain)} against ${ms(weighted)})` };
      },
    },
  ],
};

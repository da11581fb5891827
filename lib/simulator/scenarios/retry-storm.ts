import { reportOf } from '../claim.js';
import { lognormalLatency } from '../latency.js';
import type { SimulationReport } from '../report.js';
import type { Scenario } from '../scenario.js';
import { poissonArrivals } from '../workload.js';
import { percent } from './figures.js';
import { fleet } from './fleet.js';

const outage = { fromMs: 10_000, toMs: 20_000 } as const;

export const retryStorm: Scenario = {
  name: 'retry-storm',
  description: 'ten instances; from t=10 s to t=20 s every one answers 503 to half its requests (a dependency failing); 1,000 req/s from 10 clients for 30 s',
  seed: 1,
  durationMs: 30_000,
  load: poissonArrivals(1_000),
  clients: 10,
  instances: fleet(10, () => ({ latency: lognormalLatency(20, 0.4), phases: [{ ...outage, failureRate: 0.5 }] })),
  candidates: {
    'no retries': { retry: false, breaker: false },
    '3 attempts, no budget': { retry: { budget: false }, breaker: false },
    '3 attempts, default budget': { breaker: false },
  },
  claims: [
    {
      says: 'without a budget, three attempts nearly double the load during the outage (1.75 attempts per request)',
      candidates: ['3 attempts, no budget'],
      check(comparison) {
        const amplification = outageAmplification(reportOf(comparison, '3 attempts, no budget'));
        return { holds: Math.abs(amplification - 1.75) < 0.05, measured: `${amplification.toFixed(2)} attempts per request` };
      },
    },
    {
      says: 'the default budget holds retries near 20 % of requests plus 10 per second per client — 1.3 attempts per request here — under 1.35',
      candidates: ['3 attempts, default budget'],
      check(comparison) {
        const amplification = outageAmplification(reportOf(comparison, '3 attempts, default budget'));
        return { holds: amplification < 1.35, measured: `${amplification.toFixed(2)} attempts per request` };
      },
    },
    {
      says: 'and still repairs part of the failures: success above what no retries give',
      candidates: ['3 attempts, default budget', 'no retries'],
      check(comparison) {
        const budgeted = reportOf(comparison, '3 attempts, default budget').successRate;
        const none = reportOf(comparison, 'no retries').successRate;
        return { holds: budgeted > none + 0.02, measured: `success ${percent(budgeted)} against ${percent(none)}` };
      },
    },
  ],
};

/** Attempts per request among the requests sent during the outage, read off the timeline. */
function outageAmplification(report: SimulationReport): number {
  let attempts = 0;
  let requests = 0;
  for (const window of report.timeline.windows) {
    if (window.fromMs < outage.fromMs || window.fromMs >= outage.toMs) continue;
    attempts += window.attempts;
    requests += window.requests;
  }
  return requests === 0 ? 0 : attempts / requests;
}

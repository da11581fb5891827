import { reportOf } from '../claim.js';
import type { Candidate } from '../candidate.js';
import { simulatedInstance } from '../instance-model.js';
import { fixedLatency, normalLatency } from '../latency.js';
import type { Scenario } from '../scenario.js';
import { poissonArrivals } from '../workload.js';
import { percent } from './figures.js';

// Linkerd, "Beyond Round Robin: Load Balancing for Latency" (Steve Jenson and Ruben Oanta, 2016): Finagle's
// load balancers in a simulation of 11 servers replaying a production latency profile (median 167 ms,
// standard deviation 5 ms), one client at 1,000 qps for a minute; from 15 s to 45 s one server's latency
// is fixed at 2 s. The post reads success off the latency distribution "if the caller used a timeout of
// 1 second". Here the caller does use one: each request has a 1 s deadline.

/** The post's three balancers: no retries and no breakers took part in its simulation. */
const asPublished = { retry: false, breaker: false, defaultDeadlineMs: 1_000 } as const;

const candidates: Record<string, Candidate> = {
  'round-robin': { picker: 'round-robin', ...asPublished },
  'least-request': { picker: 'least-request', ...asPublished },
  'p2c-ewma': { picker: 'p2c-ewma', ...asPublished },
  // What the rest of the client adds to the picker the post found worst.
  'round-robin, 300 ms attempt timeout': { picker: 'round-robin', defaultDeadlineMs: 1_000, retry: { attemptTimeoutMs: 300 } },
  'round-robin, hedge after p95': { picker: 'round-robin', defaultDeadlineMs: 1_000, breaker: false, hedge: { delayMs: 'p95' } },
};

export const linkerdBeyondRoundRobin: Scenario = {
  name: 'linkerd-beyond-round-robin',
  description: "Linkerd's \"Beyond Round Robin\" (2016): 11 servers of 167 ms, one stuck at 2 s from 15 s to 45 s; 1,000 req/s for 60 s; 1 s deadline",
  seed: 1,
  durationMs: 60_000,
  load: poissonArrivals(1_000),
  clients: 1,
  instances: Array.from({ length: 11 }, (_, index) => ({
    instance: simulatedInstance({ id: `server-${index}`, service: 'backend' }, index),
    latency: normalLatency(167, 5),
    ...(index === 10 ? { phases: [{ fromMs: 15_000, toMs: 45_000, latency: fixedLatency(2_000) }] } : {}),
  })),
  candidates,
  reference: {
    source: 'Linkerd, "Beyond Round Robin: Load Balancing for Latency" (2016)',
    url: 'https://linkerd.io/2016/03/16/beyond-round-robin-load-balancing-for-latency/',
    figures: {
      'round-robin': { successRate: 0.95 },
      'least-request': { successRate: 0.99 },
      'p2c-ewma': { successRate: 0.999 },
    },
  },
  claims: [
    {
      says: 'round-robin succeeds about 95 % of the time within 1 s, as published (94 % to 96.5 %)',
      candidates: ['round-robin'],
      check: (comparison) => within(reportOf(comparison, 'round-robin').successRate, 0.94, 0.965),
    },
    {
      says: 'least-request (least loaded) succeeds about 99 %, as published (98.5 % to 99.5 %)',
      candidates: ['least-request'],
      check: (comparison) => within(reportOf(comparison, 'least-request').successRate, 0.985, 0.995),
    },
    {
      says: 'p2c-ewma (peak EWMA) succeeds about 99.9 %, as published (99.8 % or more)',
      candidates: ['p2c-ewma'],
      check: (comparison) => within(reportOf(comparison, 'p2c-ewma').successRate, 0.998, 1),
    },
    {
      says: 'an attempt timeout of 300 ms, with the retries and breakers of the default client, takes round-robin to 99.9 % or more',
      candidates: ['round-robin, 300 ms attempt timeout'],
      check: (comparison) => within(reportOf(comparison, 'round-robin, 300 ms attempt timeout').successRate, 0.999, 1),
    },
    {
      says: 'hedging after the observed p95 takes round-robin to 99.9 % or more, for under 10 % more attempts',
      candidates: ['round-robin, hedge after p95'],
      check(comparison) {
        const report = reportOf(comparison, 'round-robin, hedge after p95');
        return {
          holds: report.successRate >= 0.999 && report.attemptsPerRequest < 1.1,
          measured: `success ${percent(report.successRate)}, ${report.attemptsPerRequest.toFixed(3)} attempts per request`,
        };
      },
    },
  ],
};

function within(successRate: number, low: number, high: number): { holds: boolean; measured: string } {
  return { holds: successRate >= low && successRate <= high, measured: `success ${percent(successRate)}` };
}

import { reportOf } from '../claim.js';
import type { Candidate } from '../candidate.js';
import { simulatedInstance } from '../instance-model.js';
import { fixedLatency } from '../latency.js';
import type { Scenario } from '../scenario.js';
import { closedLoop } from '../workload.js';
import { ms, percent, times } from './figures.js';

// Linkerd, "Making Things Faster by Adding More Steps" (Andrew Seigner, 2017), as its demo in
// linkerd-examples/add-steps sets it up: ten Go servers that sleep a fixed time — 0, 10, 20, 40, 80, 160,
// 320 and 640 ms, 1 s and 2 s — the last two answering 500 to 40 % and 60 % of requests after their
// sleep; slow_cooker sends from 50 workers at up to 10 requests per second each (-qps 10 -concurrency 50),
// each waiting for its answer. Round-robin stands for the baseline cluster (DNS round robin, no retries);
// the Linkerd cluster ran peak EWMA, failure accrual on success rate and retries of 5xx reads.

const latencies = [0, 10, 20, 40, 80, 160, 320, 640, 1_000, 2_000];
const failureRates = [0, 0, 0, 0, 0, 0, 0, 0, 0.4, 0.6];

const candidates: Record<string, Candidate> = {
  'round-robin': { picker: 'round-robin', retry: false, breaker: false, defaultDeadlineMs: false },
  // linkerd.yml: loadBalancer ewma; failureAccrual io.l5d.successRate (successRate 0.9 over 20 requests,
  // constant 10 s backoff); responseClassifier io.l5d.retryableRead5XX with Linkerd 1's default retries:
  // a budget of 20 % plus 10 per second over 10 s, no backoff, no limit on attempts (here proxyless's 10).
  'linkerd config': {
    picker: 'p2c-ewma',
    breaker: {
      consecutiveFailures: false,
      errorThresholdPercentage: 10,
      volumeThreshold: 20,
      resetTimeout: 10_000,
      maxResetTimeout: 10_000,
      maxEjectionPercent: 100,
    },
    retry: { attempts: 10, statuses: [500, 502, 503, 504], backoff: false, budget: { ratio: 0.2, minPerSecond: 10, windowMs: 10_000 } },
    defaultDeadlineMs: false,
  },
  // The client as it ships, told that a 500 may be retried (by default only 502, 503 and 504 are).
  'proxyless defaults, 500 retried': { retry: { statuses: [500, 502, 503, 504] } },
};

/** slow_cooker's Prometheus buckets are 0.5 ms × 1.3^k; the post's percentiles are read from them. */
const bucket = (k: number): number => 0.5 * 1.3 ** k;

export const linkerdAddingSteps: Scenario = {
  name: 'linkerd-adding-steps',
  description:
    'Linkerd\'s "Making Things Faster by Adding More Steps" (2017): ten servers of 0 ms to 2 s, the 1 s and 2 s ones failing 40 % and 60 %; 50 closed-loop workers at up to 10 req/s each, for 60 s',
  seed: 1,
  durationMs: 60_000,
  load: closedLoop({ workers: 50, ratePerSecond: 10 }),
  clients: 1,
  instances: latencies.map((latency, index) => ({
    instance: simulatedInstance({ id: `app-${index + 1}`, service: 'app' }, index),
    latency: fixedLatency(latency),
    ...(failureRates[index] === 0 ? {} : { failureRate: failureRates[index], failureStatus: 500 }),
  })),
  candidates,
  reference: {
    source: 'Linkerd, "Making Things Faster by Adding More Steps" (2017)',
    url: 'https://linkerd.io/2017/02/01/making-things-faster-by-adding-more-steps/',
    figures: {
      'round-robin': { successRate: 0.8808, p50: 86, p95: 1_739, p99: 2_100, requestsPerSecond: 109 },
      'linkerd config': { successRate: 1, p50: 42, p95: 604, p99: 734, requestsPerSecond: 316 },
    },
  },
  claims: [
    {
      says: 'with the post\'s Linkerd configuration every request succeeds (published: 100 %)',
      candidates: ['linkerd config'],
      check(comparison) {
        const successRate = reportOf(comparison, 'linkerd config').successRate;
        return { holds: successRate === 1, measured: `success ${percent(successRate)}` };
      },
    },
    {
      says: 'round-robin fails about one request in ten (published: 88.08 % success; here 87 % to 91 %)',
      candidates: ['round-robin'],
      check(comparison) {
        const successRate = reportOf(comparison, 'round-robin').successRate;
        return { holds: successRate >= 0.87 && successRate <= 0.91, measured: `success ${percent(successRate)}` };
      },
    },
    {
      says: "the Linkerd configuration's p99 is the 640 ms server's, in the histogram bucket (596, 775] ms where the post read 734 ms",
      candidates: ['linkerd config'],
      check(comparison) {
        const p99 = reportOf(comparison, 'linkerd config').latency.p99;
        return { holds: p99 >= 640 && p99 <= bucket(28), measured: ms(p99) };
      },
    },
    {
      says: "round-robin's p99 is the 2 s server's, in the bucket (1,703, 2,214] ms where the post read 2,100 ms",
      candidates: ['round-robin'],
      check(comparison) {
        const p99 = reportOf(comparison, 'round-robin').latency.p99;
        return { holds: p99 >= 2_000 && p99 <= bucket(32), measured: ms(p99) };
      },
    },
    {
      says: 'the Linkerd configuration lets at least 2.5 times as many requests through as round-robin (published: 316 against 109 req/s, 2.9×)',
      candidates: ['linkerd config', 'round-robin'],
      check(comparison) {
        const linkerd = reportOf(comparison, 'linkerd config').requestsPerSecond;
        const roundRobin = reportOf(comparison, 'round-robin').requestsPerSecond;
        return { holds: linkerd >= 2.5 * roundRobin, measured: `${linkerd.toFixed(0)} against ${roundRobin.toFixed(0)} req/s, ${times(linkerd / roundRobin)}` };
      },
    },
    {
      says: "proxyless's defaults, once a 500 may be retried, do as well: every request succeeds and p99 is at most 775 ms",
      candidates: ['proxyless defaults, 500 retried'],
      check(comparison) {
        const report = reportOf(comparison, 'proxyless defaults, 500 retried');
        return { holds: report.successRate === 1 && report.latency.p99 <= bucket(28), measured: `success ${percent(report.successRate)}, p99 ${ms(report.latency.p99)}` };
      },
    },
  ],
};

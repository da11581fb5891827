import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PickContext, Picker, RequestResult } from '../../lib/pickers/picker.js';
import {
  closedLoop,
  compare,
  fixedLatency,
  lognormalLatency,
  poissonArrivals,
  simulate,
  simulatedInstance,
  uniformKeys,
} from '../../lib/simulator/index.js';
import type { Candidate, InstanceModel, PickerFactory, Scenario } from '../../lib/simulator/index.js';

/** A stand-in picker, so the engine is tested apart from the real strategies: turn by turn. */
const turnByTurn: PickerFactory = () => {
  let next = 0;
  return { name: 'turn-by-turn', pick: (instances) => instances[next++ % instances.length] };
};

/** Picks at random from the seeded source the simulation gives it, so the seed shows in the result. */
const seededChoice: PickerFactory = ({ random }) => ({
  name: 'seeded-choice',
  pick: (instances) => instances[Math.floor(random() * instances.length)],
});

/** The picker alone decides: no retries, no breakers. */
const bare = (picker: PickerFactory | Picker): Candidate => ({ picker, retry: false, breaker: false });

function fleet(models: readonly Omit<InstanceModel, 'instance'>[]): InstanceModel[] {
  return models.map((model, index) => ({ instance: simulatedInstance({ id: `i${index}` }, index), ...model }));
}

const threeInstances: Scenario = {
  name: 'three',
  seed: 42,
  durationMs: 5_000,
  load: poissonArrivals(200),
  clients: 3,
  instances: fleet([{ latency: lognormalLatency(10, 0.5) }, { latency: lognormalLatency(10, 0.5) }, { latency: lognormalLatency(30, 0.5) }]),
};

/** Something of everything: slow and failing phases, a hang, resets and refusals, for the whole client. */
const troubled: Scenario = {
  name: 'troubled',
  seed: 3,
  durationMs: 4_000,
  load: poissonArrivals(400),
  clients: 4,
  instances: fleet([
    { latency: lognormalLatency(10, 0.5), concurrency: 8 },
    { latency: lognormalLatency(10, 0.5), concurrency: 8, phases: [{ fromMs: 1_000, toMs: 2_500, failureRate: 0.6 }] },
    { latency: lognormalLatency(10, 0.5), concurrency: 8, phases: [{ fromMs: 500, toMs: 3_000, hangRate: 1 }] },
    { latency: lognormalLatency(10, 0.5), resetRate: 0.05, refusalRate: 0.05 },
    { latency: lognormalLatency(40, 0.8), concurrency: 4 },
  ]),
};

const wholeClient: Candidate = {
  picker: 'p2c-ewma',
  defaultDeadlineMs: 500,
  retry: { attemptTimeoutMs: 100 },
  hedge: { delayMs: 'p95' },
};

describe('simulate', () => {
  test('the same seed gives the same report with the whole client at work, a different seed a different one', async () => {
    const first = await simulate(troubled, wholeClient);
    const again = await simulate(troubled, wholeClient);
    const otherSeed = await simulate({ ...troubled, seed: 4 }, wholeClient);
    assert.deepEqual(again, first);
    assert.notDeepEqual(otherSeed.latency, first.latency);
    // The run exercised what it is meant to: retries, hedges, timeouts, breakers.
    assert.ok(first.attemptsPerRequest > 1.02, `attempts per request ${first.attemptsPerRequest}`);
    assert.ok(first.instances.some((instance) => instance.breakerOpenings > 0));
  });

  test('every candidate faces the same requests, so request counts match across a comparison', async () => {
    const { reports } = await compare(threeInstances, { a: bare(turnByTurn), b: bare(seededChoice) });
    assert.equal(reports[0]?.requests, reports[1]?.requests);
    assert.deepEqual(
      reports.map((report) => [report.candidate, report.picker]),
      [
        ['a', 'turn-by-turn'],
        ['b', 'seeded-choice'],
      ],
    );
  });

  test('a fixed latency with no contention is exactly the latency callers see', async () => {
    const report = await simulate({ ...threeInstances, instances: fleet([{ latency: fixedLatency(7) }, { latency: fixedLatency(7) }]) }, bare(turnByTurn));
    assert.equal(report.latency.p50, 7);
    assert.equal(report.latency.max, 7);
    assert.equal(report.successRate, 1);
    assert.equal(report.attemptsPerRequest, 1);
  });

  test('a concurrency limit queues requests, so overload shows up as latency', async () => {
    const overloaded = { ...threeInstances, load: poissonArrivals(150), instances: fleet([{ latency: fixedLatency(10), concurrency: 1 }]) };
    // One slot of 10 ms serves 100 req/s at most; 150 req/s must queue, and the queue grows.
    const limited = await simulate(overloaded, { ...bare(turnByTurn), defaultDeadlineMs: false });
    const unlimited = await simulate({ ...overloaded, instances: fleet([{ latency: fixedLatency(10) }]) }, bare(turnByTurn));
    assert.equal(unlimited.latency.max, 10);
    assert.ok(limited.latency.p99 > 1_000, `p99 ${limited.latency.p99} ms should reflect a long queue`);
  });

  test('pickers hear of every attempt: start then end, with the latency the caller waited and the outcome', async () => {
    const events: string[] = [];
    const results: RequestResult[] = [];
    let picks = 0;
    const recording: Picker = {
      pick: (instances) => {
        picks++;
        return instances[0];
      },
      onRequestStart: (instance) => events.push(`start ${instance.id}`),
      onRequestEnd: (instance, result) => {
        events.push(`end ${instance.id}`);
        results.push(result);
      },
    };
    await simulate({ ...threeInstances, load: poissonArrivals(20), instances: fleet([{ latency: fixedLatency(5), failureRate: 0.5 }]) }, bare(recording));
    assert.equal(results.length, picks);
    assert.ok(picks > 50);
    assert.ok(results.every((result) => Math.abs(result.latencyMs - 5) < 1e-9));
    assert.ok(results.some((result) => result.outcome === 'failure' && result.status === 503));
    assert.ok(results.some((result) => result.outcome === 'success' && result.status === 200));
    // Arrivals at 20 req/s rarely overlap a 5 ms request, so the hooks mostly alternate.
    assert.deepEqual(events.slice(0, 2), ['start i0', 'end i0']);
  });

  test('a failure rate fails about that share of requests, with the status the model gives', async () => {
    const report = await simulate(
      { ...threeInstances, durationMs: 20_000, instances: fleet([{ latency: fixedLatency(1), failureRate: 0.2, failureStatus: 500 }]) },
      bare(turnByTurn),
    );
    assert.ok(Math.abs(report.successRate - 0.8) < 0.02, `success rate ${report.successRate}`);
    assert.equal(report.failures.errorStatus, report.requests - report.succeeded);
    assert.equal(report.instances[0]?.failures, report.failures.errorStatus);
  });

  test('a phase changes an instance only while it lasts', async () => {
    const report = await simulate(
      {
        ...threeInstances,
        durationMs: 10_000,
        clients: 1,
        instances: fleet([{ latency: fixedLatency(10), phases: [{ fromMs: 2_000, toMs: 4_000, latency: fixedLatency(100) }] }]),
      },
      bare(turnByTurn),
    );
    // About a fifth of the requests arrive in the slow phase.
    assert.equal(report.latency.p50, 10);
    assert.equal(report.latency.p90, 100);
    assert.equal(report.latency.max, 100);
  });

  test('a retry sends a failed request to another instance, with the attempt number in the context', async () => {
    const attempts: number[] = [];
    const firstAlways: PickerFactory = () => ({
      pick: (instances, context: PickContext) => {
        attempts.push(context.attempt);
        return instances[0];
      },
    });
    const scenario: Scenario = { ...threeInstances, instances: fleet([{ latency: fixedLatency(2), failureRate: 1 }, { latency: fixedLatency(3) }]) };
    const withoutRetry = await simulate(scenario, bare(firstAlways));
    const withRetry = await simulate(scenario, { picker: firstAlways, retry: { attempts: 2, backoff: false, budget: false }, breaker: false });
    assert.equal(withoutRetry.successRate, 0);
    assert.equal(withRetry.successRate, 1);
    assert.equal(withRetry.latency.p50, 5);
    assert.equal(withRetry.attempts, 2 * withRetry.requests);
    assert.ok(attempts.includes(2));
  });

  test('the key of each request reaches the picker through the x-hash-key header', async () => {
    const seen = new Set<string>();
    await simulate(
      { ...threeInstances, keys: uniformKeys(5) },
      bare({
        pick: (instances, context) => {
          seen.add(context.header('X-Hash-Key') ?? 'none');
          return instances[0];
        },
      }),
    );
    assert.deepEqual([...seen].sort(), ['key-0', 'key-1', 'key-2', 'key-3', 'key-4']);
  });

  test('each client gets its own picker, numbered, on the simulation clock', async () => {
    const built: number[] = [];
    const clockReadings: number[] = [];
    await simulate(
      { ...threeInstances, clients: 4 },
      bare(({ clock }, client) => {
        built.push(client);
        return {
          pick: (instances) => {
            clockReadings.push(clock.now());
            return instances[0];
          },
        };
      }),
    );
    assert.deepEqual(built, [0, 1, 2, 3]);
    assert.ok(clockReadings.every((reading, index) => index === 0 || reading >= (clockReadings[index - 1] ?? 0)));
    assert.ok((clockReadings.at(-1) ?? 0) > 4_000 && (clockReadings.at(-1) ?? 0) < 5_000);
  });

  test('a picker that chooses none leaves the request unavailable, and no attempt is made', async () => {
    const report = await simulate(threeInstances, bare({ pick: () => undefined }));
    assert.equal(report.successRate, 0);
    assert.equal(report.attempts, 0);
    assert.equal(report.failures.unavailable, report.requests);
  });
});

describe('instance behaviour through the real call model', () => {
  const hanging = fleet([{ latency: fixedLatency(10), hangRate: 1 }, { latency: fixedLatency(10) }]);
  const hangScenario: Scenario = { ...threeInstances, clients: 1, instances: hanging };

  test('a hung instance holds its requests until the deadline ends them', async () => {
    const report = await simulate(hangScenario, { ...bare(turnByTurn), defaultDeadlineMs: 200 });
    assert.ok(Math.abs(report.successRate - 0.5) < 0.01);
    assert.equal(report.failures.deadline, report.requests - report.succeeded);
    assert.equal(report.latency.max, 200);
  });

  test('with no deadline, a hung request is never answered and its latency counts as infinite', async () => {
    const report = await simulate(hangScenario, { ...bare(turnByTurn), defaultDeadlineMs: false });
    assert.equal(report.failures.neverAnswered, report.requests - report.succeeded);
    assert.ok(report.failures.neverAnswered > 0);
    assert.equal(report.latency.max, Infinity);
  });

  test('an attempt timeout and a retry repair a hang: the request goes to the other instance', async () => {
    const report = await simulate(hangScenario, { picker: turnByTurn, breaker: false, retry: { attemptTimeoutMs: 50, backoff: false, budget: false } });
    assert.equal(report.successRate, 1);
    assert.equal(report.latency.max, 60);
  });

  test('an attempt its caller gave up on ends at once: the picker hears of it at the deadline, or when a hedge wins', async () => {
    // The first instance not yet tried, and every attempt's end written down.
    const heard = (ends: RequestResult[]): Picker => ({
      pick: (instances, context) => instances.find((instance) => !context.tried(instance)) ?? instances[0],
      onRequestEnd: (_instance, result) => ends.push(result),
    });
    const deadlineEnds: RequestResult[] = [];
    const atDeadline = await simulate({ ...hangScenario, instances: fleet([{ latency: fixedLatency(10), hangRate: 1 }]) }, { ...bare(heard(deadlineEnds)), defaultDeadlineMs: 200 });
    assert.equal(deadlineEnds.length, atDeadline.attempts);
    assert.ok(deadlineEnds.every((end) => end.outcome === 'failure' && Math.abs(end.latencyMs - 200) < 1e-9));

    const hedgeEnds: RequestResult[] = [];
    const slowThenFast = fleet([{ latency: fixedLatency(300) }, { latency: fixedLatency(10) }]);
    const hedged = await simulate({ ...hangScenario, instances: slowThenFast }, { picker: heard(hedgeEnds), breaker: false, retry: false, hedge: { delayMs: 50 } });
    assert.equal(hedgeEnds.length, hedged.attempts);
    const lost = hedgeEnds.filter((end) => end.outcome === 'cancelled');
    assert.equal(lost.length, hedged.requests);
    assert.ok(lost.every((end) => Math.abs(end.latencyMs - 60) < 1e-9));
  });

  test('a refused connection is sent to another instance even with retries off: nothing reached the server', async () => {
    const report = await simulate({ ...threeInstances, instances: fleet([{ latency: fixedLatency(10), refusalRate: 1 }, { latency: fixedLatency(10) }]) }, bare(turnByTurn));
    assert.equal(report.successRate, 1);
    assert.equal(report.latency.max, 11);
    assert.ok(report.attemptsPerRequest > 1.4);
  });

  test('a reset connection fails the request without a retry, and is retried with one', async () => {
    const scenario = { ...threeInstances, instances: fleet([{ latency: fixedLatency(10), resetRate: 1 }, { latency: fixedLatency(10) }]) };
    const without = await simulate(scenario, bare(turnByTurn));
    const retried = await simulate(scenario, { picker: turnByTurn, breaker: false, retry: { backoff: false, budget: false } });
    assert.ok(Math.abs(without.successRate - 0.5) < 0.01);
    assert.equal(without.failures.connection, without.requests - without.succeeded);
    assert.equal(retried.successRate, 1);
  });
});

describe('the health layer in the simulation', () => {
  const twoBad: Scenario = {
    name: 'two-bad',
    seed: 5,
    durationMs: 5_000,
    load: poissonArrivals(500),
    instances: fleet(Array.from({ length: 10 }, (_, index) => ({ latency: fixedLatency(5), ...(index < 2 ? { failureRate: 1 } : {}) }))),
  };

  test('a breaker takes a failing instance out: its share of attempts falls far below an even tenth', async () => {
    const report = await simulate(twoBad, { picker: 'round-robin', retry: false, breaker: { maxEjectionPercent: 100 } });
    for (const bad of report.instances.slice(0, 2)) {
      assert.ok(bad.breakerOpenings > 0);
      assert.ok(bad.share < 0.02, `${bad.id} share ${bad.share}`);
    }
  });

  test('the ejection cap keeps one of two failing instances in when at most 10 % may be out', async () => {
    const report = await simulate(twoBad, { picker: 'round-robin', retry: false });
    const shares = report.instances.slice(0, 2).map((instance) => instance.share);
    assert.ok(Math.min(...shares) < 0.02, `shares ${shares}`);
    assert.ok(Math.max(...shares) > 0.08, `shares ${shares}`);
  });

  test('in panic, when most instances are out, every instance takes traffic again', async () => {
    const mostlyBad = { ...twoBad, instances: fleet(Array.from({ length: 4 }, (_, index) => ({ latency: fixedLatency(5), ...(index < 3 ? { failureRate: 1 } : {}) }))) };
    const panicking = await simulate(mostlyBad, { picker: 'round-robin', retry: false, breaker: { maxEjectionPercent: 100 } });
    const noPanic = await simulate(mostlyBad, { picker: 'round-robin', retry: false, breaker: { maxEjectionPercent: 100, panicThresholdPercent: 0 } });
    assert.ok(panicking.instances.every((instance) => instance.share > 0.15), `shares ${panicking.instances.map((instance) => instance.share)}`);
    assert.ok((noPanic.instances[3]?.share ?? 0) > 0.9);
  });

  test('the retry budget caps the attempts retries add', async () => {
    const failingHalf = { ...twoBad, instances: fleet(Array.from({ length: 10 }, () => ({ latency: fixedLatency(5), failureRate: 0.5 }))) };
    const unbudgeted = await simulate(failingHalf, { breaker: false, retry: { budget: false, backoff: false } });
    const budgeted = await simulate(failingHalf, { breaker: false, retry: { budget: { ratio: 0.1, minPerSecond: 0 }, backoff: false } });
    assert.ok(Math.abs(unbudgeted.attemptsPerRequest - 1.75) < 0.05, `unbudgeted ${unbudgeted.attemptsPerRequest}`);
    assert.ok(budgeted.attemptsPerRequest <= 1.11, `budgeted ${budgeted.attemptsPerRequest}`);
  });

  test('hedging sends a second attempt to a slow request and cuts the tail', async () => {
    const slowTail = { ...twoBad, instances: fleet(Array.from({ length: 4 }, (_, index) => ({ latency: index === 0 ? fixedLatency(200) : fixedLatency(10) }))) };
    const plain = await simulate(slowTail, bare(turnByTurn));
    const hedged = await simulate(slowTail, { picker: turnByTurn, breaker: false, retry: false, hedge: { delayMs: 30 } });
    assert.equal(plain.latency.p99, 200);
    assert.equal(hedged.latency.p99, 40);
    assert.ok(Math.abs(hedged.attemptsPerRequest - 1.25) < 0.02, `attempts per request ${hedged.attemptsPerRequest}`);
  });
});

describe('load and timeline', () => {
  test('closed-loop workers send no faster than their rate, and slower when answers take longer than a tick', async () => {
    const scenario: Scenario = { ...threeInstances, clients: 1, load: closedLoop({ workers: 10, ratePerSecond: 20 }), instances: fleet([{ latency: fixedLatency(1) }]) };
    const fast = await simulate(scenario, bare(turnByTurn));
    const slow = await simulate({ ...scenario, instances: fleet([{ latency: fixedLatency(200) }]) }, bare(turnByTurn));
    // Ten workers of 20 req/s: 200 req/s; answers of 200 ms let each send only 5 a second.
    assert.ok(Math.abs(fast.requestsPerSecond - 200) < 5, `fast ${fast.requestsPerSecond}`);
    assert.ok(Math.abs(slow.requestsPerSecond - 50) < 5, `slow ${slow.requestsPerSecond}`);
  });

  test('the timeline cuts the run into windows whose requests add up and whose shares sum to one', async () => {
    const report = await simulate(threeInstances, bare(turnByTurn));
    const { windowMs, windows } = report.timeline;
    assert.equal(windowMs * windows.length, threeInstances.durationMs);
    assert.equal(
      windows.reduce((sum, window) => sum + window.requests, 0),
      report.requests,
    );
    for (const window of windows) {
      if (window.attempts > 0) assert.ok(Math.abs(window.shares.reduce((sum, share) => sum + share, 0) - 1) < 1e-9);
    }
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Instance } from '../../lib/discovery/instance.js';
import type { PickContext, Picker, RequestResult } from '../../lib/pickers/picker.js';
import {
  compare,
  fixedLatency,
  lognormalLatency,
  poissonArrivals,
  simulate,
  simulatedInstance,
  uniformKeys,
} from '../../lib/simulator/index.js';
import type { InstanceModel, PickerFactory, Scenario } from '../../lib/simulator/index.js';

/** A stand-in picker, so the engine is tested apart from the real strategies: turn by turn. */
const turnByTurn: PickerFactory = () => {
  let next = 0;
  return {
    name: 'turn-by-turn',
    pick: (instances) => instances[next++ % instances.length],
  };
};

/** Picks at random from the seeded source the simulation gives it, so the seed shows in the result. */
const seededChoice: PickerFactory = ({ random }) => ({
  name: 'seeded-choice',
  pick: (instances) => instances[Math.floor(random() * instances.length)],
});

function fleet(models: readonly Omit<InstanceModel, 'instance'>[]): InstanceModel[] {
  return models.map((model, index) => ({ instance: simulatedInstance({ id: `i${index}` }, index), ...model }));
}

const threeInstances: Scenario = {
  name: 'three',
  seed: 42,
  durationMs: 5_000,
  arrivals: poissonArrivals(200),
  clients: 3,
  instances: fleet([
    { latency: lognormalLatency(10, 0.5) },
    { latency: lognormalLatency(10, 0.5) },
    { latency: lognormalLatency(30, 0.5) },
  ]),
};

describe('simulate', () => {
  test('the same seed gives the same report, a different seed a different one', () => {
    const first = simulate({ ...threeInstances, picker: seededChoice });
    const again = simulate({ ...threeInstances, picker: seededChoice });
    const otherSeed = simulate({ ...threeInstances, seed: 43, picker: seededChoice });
    assert.deepEqual(again, first);
    assert.notDeepEqual(otherSeed.latency, first.latency);
    assert.notDeepEqual(otherSeed.instances, first.instances);
  });

  test('every picker faces the same arrivals, so request counts match across a comparison', () => {
    const { reports } = compare(threeInstances, { a: turnByTurn, b: seededChoice });
    assert.equal(reports[0]?.requests, reports[1]?.requests);
    assert.deepEqual(
      reports.map((report) => report.picker),
      ['a', 'b'],
    );
  });

  test('a fixed latency with no contention is exactly the latency callers see', () => {
    const report = simulate({
      ...threeInstances,
      instances: fleet([{ latency: fixedLatency(7) }, { latency: fixedLatency(7) }]),
      picker: turnByTurn,
    });
    assert.equal(report.latency.p50, 7);
    assert.equal(report.latency.max, 7);
    assert.equal(report.successRate, 1);
  });

  test('a concurrency limit queues requests, so overload shows up as latency', () => {
    const overloaded = {
      ...threeInstances,
      arrivals: poissonArrivals(150),
      instances: fleet([{ latency: fixedLatency(10), concurrency: 1 }]),
    };
    // One slot of 10 ms serves 100 req/s at most; 150 req/s must queue, and the queue grows.
    const limited = simulate({ ...overloaded, picker: turnByTurn });
    const unlimited = simulate({ ...overloaded, instances: fleet([{ latency: fixedLatency(10) }]), picker: turnByTurn });
    assert.equal(unlimited.latency.max, 10);
    assert.ok(limited.latency.p99 > 1_000, `p99 ${limited.latency.p99} ms should reflect a long queue`);
  });

  test('pickers hear of every attempt: start then end, with the latency the caller waited and the outcome', () => {
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
    simulate({
      ...threeInstances,
      arrivals: poissonArrivals(20),
      instances: fleet([{ latency: fixedLatency(5), failureRate: 0.5 }]),
      picker: recording,
    });
    assert.equal(results.length, picks);
    assert.ok(picks > 50);
    assert.ok(results.every((result) => result.latencyMs === 5));
    assert.ok(results.some((result) => result.outcome === 'failure' && result.status === 503));
    assert.ok(results.some((result) => result.outcome === 'success' && result.status === 200));
    // Arrivals at 20 req/s rarely overlap a 5 ms request, so the hooks mostly alternate.
    assert.equal(events[0], 'start i0');
    assert.equal(events[1], 'end i0');
  });

  test('a failure rate fails about that share of requests', () => {
    const report = simulate({
      ...threeInstances,
      durationMs: 20_000,
      instances: fleet([{ latency: fixedLatency(1), failureRate: 0.2 }]),
      picker: turnByTurn,
    });
    assert.ok(Math.abs(report.successRate - 0.8) < 0.02, `success rate ${report.successRate}`);
  });

  test('a phase changes an instance only while it lasts', () => {
    const report = simulate({
      ...threeInstances,
      durationMs: 10_000,
      clients: 1,
      instances: fleet([{ latency: fixedLatency(10), phases: [{ fromMs: 2_000, toMs: 4_000, latency: fixedLatency(100) }] }]),
      picker: turnByTurn,
    });
    // About a fifth of the requests arrive in the slow phase.
    assert.equal(report.latency.p50, 10);
    assert.equal(report.latency.p90, 100);
    assert.equal(report.latency.max, 100);
  });

  test('a retry sends a failed request to another instance, with the attempt number in the context', () => {
    const attempts: number[] = [];
    const firstThenNext: PickerFactory = () => ({
      pick: (instances: readonly Instance[], context: PickContext) => {
        attempts.push(context.attempt);
        return instances[0];
      },
    });
    const scenario: Scenario = {
      ...threeInstances,
      instances: fleet([{ latency: fixedLatency(2), failureRate: 1 }, { latency: fixedLatency(3) }]),
    };
    const withoutRetry = simulate({ ...scenario, picker: firstThenNext });
    const withRetry = simulate({ ...scenario, retry: { attempts: 2 }, picker: firstThenNext });
    assert.equal(withoutRetry.successRate, 0);
    assert.equal(withRetry.successRate, 1);
    assert.equal(withRetry.latency.p50, 5);
    assert.equal(withRetry.attempts, 2 * withRetry.requests);
    assert.ok(attempts.includes(2));
  });

  test('the key of each request reaches the picker through the x-hash-key header', () => {
    const seen = new Set<string>();
    simulate({
      ...threeInstances,
      keys: uniformKeys(5),
      picker: {
        pick: (instances, context) => {
          seen.add(context.header('X-Hash-Key') ?? 'none');
          return instances[0];
        },
      },
    });
    assert.deepEqual([...seen].sort(), ['key-0', 'key-1', 'key-2', 'key-3', 'key-4']);
  });

  test('each client gets its own picker, on the simulation clock', () => {
    let built = 0;
    const clockReadings: number[] = [];
    simulate({
      ...threeInstances,
      clients: 4,
      picker: ({ clock }) => {
        built++;
        return {
          pick: (instances) => {
            clockReadings.push(clock.now());
            return instances[0];
          },
        };
      },
    });
    assert.equal(built, 4);
    assert.ok(clockReadings.every((reading, index) => index === 0 || reading >= (clockReadings[index - 1] ?? 0)));
    assert.ok((clockReadings.at(-1) ?? 0) > 4_000 && (clockReadings.at(-1) ?? 0) < 5_000);
  });

  test('a picker that returns a stranger is reported, not silently counted', () => {
    const stranger = simulatedInstance({ id: 'stranger' });
    assert.throws(
      () => simulate({ ...threeInstances, picker: { pick: () => stranger } }),
      (error: unknown) => error instanceof Error && 'code' in error && error.code === 'ERR_PROXYLESS_INVALID_OPTION',
    );
  });

  test('a picker that chooses none fails the request', () => {
    const report = simulate({ ...threeInstances, picker: { pick: () => undefined } });
    assert.equal(report.successRate, 0);
    assert.equal(report.attempts, 0);
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidOptionError } from '../../lib/errors/invalid-option-error.js';
import { compare, readScenarioFile, scenarioFromJson, simulate } from '../../lib/simulator/index.js';

const minimal = {
  durationMs: 2_000,
  load: { kind: 'poisson', ratePerSecond: 100 },
  instances: [{ id: 'web', count: 3, latency: 10 }],
  candidates: { defaults: {} },
};

/** Asserts that `json` is refused, naming `option` and saying `problem`. */
function refused(json: unknown, option: string, problem: RegExp): void {
  assert.throws(
    () => scenarioFromJson(json),
    (error: unknown) => {
      assert.ok(error instanceof InvalidOptionError, String(error));
      assert.equal(error.option, option);
      assert.match(error.message, problem);
      return true;
    },
  );
}

describe('scenarioFromJson', () => {
  test('a few lines describe a fleet: count expands into instances id-1 … id-n, and the defaults fill the rest', async () => {
    const scenario = scenarioFromJson(minimal);
    assert.deepEqual(
      scenario.instances.map((model) => model.instance.id),
      ['web-1', 'web-2', 'web-3'],
    );
    assert.equal(scenario.seed, 1);
    const report = await simulate(scenario, scenario.candidates?.defaults, 'defaults');
    assert.equal(report.latency.p50, 10);
    assert.equal(report.successRate, 1);
  });

  test('every kind of latency, load, key and failure reads as its code counterpart', async () => {
    const scenario = scenarioFromJson({
      name: 'everything',
      description: 'each kind once',
      seed: 9,
      durationMs: 3_000,
      load: { kind: 'closed-loop', workers: 5, ratePerSecond: 20 },
      clients: 2,
      keys: { kind: 'zipf', count: 100, exponent: 1.2 },
      keyHeader: 'x-user',
      instances: [
        { id: 'fixed', latency: { kind: 'fixed', ms: 5 }, zone: 'a', weight: 2, tags: ['v2'], meta: { build: '7' } },
        { id: 'uniform', latency: { kind: 'uniform', minMs: 5, maxMs: 15 }, concurrency: 4, failureRate: 0.1, failureStatus: 500, failureLatency: 1 },
        { id: 'normal', latency: { kind: 'normal', meanMs: 10, stdDevMs: 2 }, resetRate: 0.05 },
        {
          id: 'lognormal',
          latency: { kind: 'lognormal', medianMs: 10, sigma: 0.5 },
          phases: [
            { fromMs: 1_000, toMs: 2_000, latency: { kind: 'scaled', factor: 10 } },
            { fromMs: 2_000, hangRate: 1 },
            { fromMs: 0, toMs: 500, refusalRate: 1 },
          ],
        },
      ],
      candidates: {
        'consistent-hash': { picker: 'consistent-hash', retry: false, breaker: false, defaultDeadlineMs: 1_000 },
        whole: { breaker: { consecutiveFailures: 3 }, retry: { attemptTimeoutMs: 50, budget: { ratio: 0.5 } }, hedge: { delayMs: 'p95' } },
      },
    });
    assert.equal(scenario.instances[0]?.instance.node.meta.zone, 'a');
    assert.equal(scenario.instances[0]?.instance.weight, 2);
    const { reports } = await compare(scenario);
    assert.deepEqual(
      reports.map((report) => report.candidate),
      ['consistent-hash', 'whole'],
    );
    assert.ok(reports.every((report) => report.requests > 100));
  });

  test('instances that report their load, and load from outside the clients, read from a file', async () => {
    const scenario = scenarioFromJson({
      ...minimal,
      instances: [
        { id: 'web', count: 2, latency: 10, concurrency: 2, reportsLoad: true },
        { id: 'busy', latency: 10, concurrency: 2, reportsLoad: true, outsideLoad: { ratePerSecond: 150, fromMs: 0, toMs: 2_000 } },
      ],
      candidates: { 'server-load': { picker: 'server-load' } },
    });
    assert.deepEqual(scenario.instances[2]?.outsideLoad, { ratePerSecond: 150, fromMs: 0, toMs: 2_000 });
    const report = await simulate(scenario, scenario.candidates?.['server-load'], 'server-load');
    const busy = report.instances[2];
    assert.ok(busy !== undefined && busy.meanInFlight > (report.instances[0]?.meanInFlight ?? 0), 'the outside load shows in the busy instance\'s queue');
    assert.ok((busy?.share ?? 1) < 1 / 3, `the server-load picker sends the busy instance less than an equal share (${busy?.share})`);
    refused({ ...minimal, instances: [{ id: 'web', latency: 10, outsideLoad: { rate: 5 } }] }, 'instances[0].outsideLoad.rate', /not an option/);
    refused({ ...minimal, instances: [{ id: 'web', latency: 10, reportsLoad: 'yes' }] }, 'instances[0].reportsLoad', /true or false/);
  });

  test('an unknown key at any depth is refused with its full path and the nearest valid key', () => {
    refused({ ...minimal, duration: 1 }, 'duration', /did you mean `durationMs`\?/);
    refused({ ...minimal, instances: [{ id: 'web', latency: 10, concurency: 4 }] }, 'instances[0].concurency', /did you mean `instances\[0\]\.concurrency`\?/);
    refused(
      { ...minimal, instances: [{ id: 'web', latency: 10, phases: [{ fromMs: 0, latncy: 5 }] }] },
      'instances[0].phases[0].latncy',
      /did you mean `instances\[0\]\.phases\[0\]\.latency`\?/,
    );
    refused({ ...minimal, candidates: { slow: { retry: { atempts: 2 } } } }, 'candidates.slow.retry.atempts', /did you mean `candidates\.slow\.retry\.attempts`\?/);
    refused({ ...minimal, candidates: { slow: { breaker: { maxEjectionPercnt: 2 } } } }, 'candidates.slow.breaker.maxEjectionPercnt', /did you mean `candidates\.slow\.breaker\.maxEjectionPercent`\?/);
    refused({ ...minimal, load: { kind: 'poisson', rate: 5 } }, 'load.rate', /the options are kind, ratePerSecond/);
  });

  test('a misspelt kind or picker is refused with the nearest valid one', () => {
    refused({ ...minimal, load: { kind: 'poison', ratePerSecond: 5 } }, 'load.kind', /did you mean 'poisson'\?/);
    refused({ ...minimal, instances: [{ id: 'web', latency: { kind: 'lognormall', medianMs: 5, sigma: 1 } }] }, 'instances[0].latency.kind', /did you mean 'lognormal'\?/);
    refused({ ...minimal, candidates: { rr: { picker: 'round-robbin' } } }, 'candidates.rr.picker', /did you mean 'round-robin'\?/);
    refused({ ...minimal, candidates: { near: { picker: 'locality' } } }, 'candidates.near.picker', /needs each client's zone/);
  });

  test('values out of range are refused where they are written', () => {
    refused({ ...minimal, instances: [{ id: 'web', latency: 10, failureRate: 1.5 }] }, 'instances[0].failureRate', /a share of attempts from 0 to 1/);
    refused({ ...minimal, instances: [{ id: 'web', latency: 10, hangRate: 0.6, failureRate: 0.6 }] }, 'instances[0].failureRate', /must not exceed 1/);
    refused({ ...minimal, instances: [{ id: 'web', latency: { kind: 'uniform', minMs: 9, maxMs: 2 } }] }, 'instances[0].latency', /at least minMs/);
    refused({ ...minimal, instances: [{ id: 'web', latency: { kind: 'scaled', factor: 2 } }] }, 'instances[0].latency.kind', /one of 'fixed', 'uniform', 'normal', 'lognormal'/);
    refused({ ...minimal, instances: [{ id: 'web', latency: 1 }, { id: 'web', latency: 1 }] }, 'instances[1].instance.id', /appears twice/);
    refused({ ...minimal, candidates: { slow: { defaultDeadlineMs: 2 ** 31 } } }, 'candidates.slow.defaultDeadlineMs', /2147483647/);
    refused({ ...minimal, candidates: {} }, 'candidates', /at least one candidate/);
    refused({ ...minimal, durationMs: -1 }, 'durationMs', /milliseconds/);
  });

  test('examples/simulator-fleet.json reads, and a short run of it compares its candidates', async () => {
    const scenario = readScenarioFile(new URL('../../examples/simulator-fleet.json', import.meta.url).pathname);
    assert.equal(scenario.instances.length, 8);
    assert.deepEqual(Object.keys(scenario.candidates ?? {}), [
      'round-robin',
      'least-request',
      'p2c-ewma (defaults)',
      'p2c-ewma, 250 ms attempt timeout',
      'p2c-ewma, hedge after p95',
    ]);
    const { reports } = await compare({ ...scenario, durationMs: 1_000 });
    assert.equal(reports.length, 5);
  });
});

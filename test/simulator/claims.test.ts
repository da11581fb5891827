import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPicker } from '../../lib/pickers/create-picker.js';
import type { PickerName } from '../../lib/pickers/create-picker.js';
import type { Picker, PickerBaseOptions } from '../../lib/pickers/picker.js';
import { compare, scenarios, simulate } from '../../lib/simulator/index.js';
import type { PickerFactory, SimulationReport } from '../../lib/simulator/index.js';

// The claims docs/simulator.md makes, checked on the real pickers and the shipped scenarios.

const create = createPicker as (name: PickerName, options: PickerBaseOptions) => Picker;
const builtIn =
  (name: PickerName): PickerFactory =>
  (base) =>
    create(name, base);

function reportOf(reports: readonly SimulationReport[], picker: string): SimulationReport {
  const report = reports.find((candidate) => candidate.picker === picker);
  assert.ok(report, `no report for ${picker}`);
  return report;
}

describe('one slow instance of ten', () => {
  const { reports } = compare(scenarios['one-slow'], {
    'round-robin': builtIn('round-robin'),
    'least-request': builtIn('least-request'),
    'p2c-ewma': builtIn('p2c-ewma'),
  });
  const roundRobin = reportOf(reports, 'round-robin');

  test("p2c-ewma's p99 beats round-robin's at least threefold", () => {
    const p2c = reportOf(reports, 'p2c-ewma');
    assert.ok(roundRobin.latency.p99 >= 3 * p2c.latency.p99, `round-robin p99 ${roundRobin.latency.p99} ms, p2c-ewma ${p2c.latency.p99} ms`);
  });

  test("p2c-ewma sends the slow instance under 1 % of the requests", () => {
    const slow = reportOf(reports, 'p2c-ewma').instances.find((instance) => instance.id === 'instance-3');
    assert.ok(slow !== undefined && slow.share < 0.01, `share ${slow?.share}`);
  });

  test("least-request beats round-robin's p99", () => {
    const leastRequest = reportOf(reports, 'least-request');
    assert.ok(leastRequest.latency.p99 < roundRobin.latency.p99, `least-request p99 ${leastRequest.latency.p99} ms, round-robin ${roundRobin.latency.p99} ms`);
  });

  test("round-robin's shares are even (imbalance under 1.05) even with a slow instance", () => {
    assert.ok(roundRobin.imbalance.maxOverMean < 1.05, `max / mean ${roundRobin.imbalance.maxOverMean}`);
  });
});

describe('one instance failing half its requests for ten seconds', () => {
  const { reports } = compare(scenarios['one-failing'], {
    'round-robin': builtIn('round-robin'),
    'p2c-ewma': builtIn('p2c-ewma'),
  });

  test('round-robin loses about 2.5 % of requests (half of a tenth, for half the run)', () => {
    const successRate = reportOf(reports, 'round-robin').successRate;
    assert.ok(Math.abs(successRate - 0.975) < 0.005, `success ${successRate}`);
  });

  test('p2c-ewma keeps success above 99 % though the failures are instant', () => {
    const successRate = reportOf(reports, 'p2c-ewma').successRate;
    assert.ok(successRate > 0.99, `success ${successRate}`);
  });

  test('a retry on another instance brings round-robin to 100 %', () => {
    const report = simulate({ ...scenarios['one-failing'], retry: { attempts: 2 }, picker: builtIn('round-robin') });
    assert.equal(report.successRate, 1);
  });
});

describe('a heterogeneous fleet with weights', () => {
  const { reports } = compare(scenarios.heterogeneous, {
    'round-robin': builtIn('round-robin'),
    'weighted-round-robin': builtIn('weighted-round-robin'),
  });

  test("weighted-round-robin gives each instance its weight's share", () => {
    const weighted = reportOf(reports, 'weighted-round-robin');
    const totalWeight = 14;
    const weights = [1, 1, 2, 2, 4, 4];
    weighted.instances.forEach((instance, index) => {
      assert.ok(Math.abs(instance.share - (weights[index] ?? 0) / totalWeight) < 0.005, `${instance.id} share ${instance.share}`);
    });
  });

  test("weighted-round-robin's p99 beats round-robin's, which overloads the small instances, at least fivefold", () => {
    const weighted = reportOf(reports, 'weighted-round-robin');
    const plain = reportOf(reports, 'round-robin');
    assert.ok(plain.latency.p99 >= 5 * weighted.latency.p99, `round-robin p99 ${plain.latency.p99} ms, weighted ${weighted.latency.p99} ms`);
  });
});

describe('bursty load', () => {
  test("random's p99 is worse than round-robin's and least-request's, which spread bursts evenly", () => {
    const { reports } = compare(scenarios.bursty, {
      'round-robin': builtIn('round-robin'),
      random: builtIn('random'),
      'least-request': builtIn('least-request'),
    });
    const randomP99 = reportOf(reports, 'random').latency.p99;
    assert.ok(randomP99 > 1.3 * reportOf(reports, 'round-robin').latency.p99);
    assert.ok(randomP99 > 1.3 * reportOf(reports, 'least-request').latency.p99);
  });
});

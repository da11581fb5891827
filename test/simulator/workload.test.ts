import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../lib/clock.js';
import {
  burstyArrivals,
  fixedLatency,
  lognormalLatency,
  nextArrival,
  normalLatency,
  poissonArrivals,
  summarizeLatency,
  uniformKeys,
  uniformLatency,
  zipfKeys,
} from '../../lib/simulator/index.js';
import type { ArrivalProcess, LatencyDistribution } from '../../lib/simulator/index.js';

function arrivalTimes(arrivals: ArrivalProcess, durationMs: number, seed: number): number[] {
  const random = seededRandom(seed);
  const times: number[] = [];
  for (let at = nextArrival(arrivals, 0, random); at < durationMs; at = nextArrival(arrivals, at, random)) times.push(at);
  return times;
}

function draws(latency: LatencyDistribution, count: number, seed = 3): Float64Array {
  const random = seededRandom(seed);
  return Float64Array.from({ length: count }, () => latency(random)).sort();
}

describe('arrivals', () => {
  test('Poisson arrivals at 1,000 req/s average 1,000 req/s', () => {
    const times = arrivalTimes(poissonArrivals(1_000), 100_000, 1);
    // 100,000 expected; a Poisson count's standard deviation is √100,000 ≈ 316.
    assert.ok(Math.abs(times.length - 100_000) < 1_500, `${times.length} arrivals`);
  });

  test('Poisson gaps are exponential: their standard deviation equals their mean', () => {
    const times = arrivalTimes(poissonArrivals(100), 500_000, 2);
    const gaps = times.slice(1).map((time, index) => time - (times[index] ?? 0));
    const mean = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
    const deviation = Math.sqrt(gaps.reduce((sum, gap) => sum + (gap - mean) ** 2, 0) / gaps.length);
    assert.ok(Math.abs(mean - 10) < 0.2, `mean gap ${mean}`);
    assert.ok(Math.abs(deviation / mean - 1) < 0.03, `deviation ${deviation}`);
  });

  test('bursty arrivals run at the burst rate during bursts and the base rate between them', () => {
    const arrivals = burstyArrivals({ baseRatePerSecond: 500, burstRatePerSecond: 5_000, everyMs: 1_000, lengthMs: 200 });
    const times = arrivalTimes(arrivals, 100_000, 3);
    const inBursts = times.filter((time) => time >= 1_000 && time % 1_000 < 200).length;
    // 99 bursts of 200 ms at 5,000 req/s; the rest (80.2 s) at 500 req/s.
    assert.ok(Math.abs(inBursts - 99_000) < 1_500, `${inBursts} in bursts`);
    assert.ok(Math.abs(times.length - inBursts - 40_100) < 1_000, `${times.length - inBursts} between bursts`);
  });
});

describe('latency distributions', () => {
  test('a fixed latency never varies', () => {
    assert.deepEqual([...new Set(draws(fixedLatency(12), 100))], [12]);
  });

  test('a uniform latency stays in its range and centres on its middle', () => {
    const values = draws(uniformLatency(10, 30), 20_000);
    assert.ok((values[0] ?? 0) >= 10 && (values.at(-1) ?? 30) < 30);
    assert.ok(Math.abs(summarizeLatency(values).mean - 20) < 0.2);
  });

  test('a normal latency has its mean, about 68 % within one deviation, and nothing below zero', () => {
    const values = draws(normalLatency(50, 10), 20_000);
    assert.ok(Math.abs(summarizeLatency(values).mean - 50) < 0.3);
    const within = values.filter((value) => value >= 40 && value <= 60).length / values.length;
    assert.ok(Math.abs(within - 0.6827) < 0.015, `${within} within one deviation`);
    assert.ok((draws(normalLatency(1, 10), 1_000)[0] ?? -1) >= 0);
  });

  test('a lognormal latency has its median and a p99 of median × e^(2.326 σ)', () => {
    const summary = summarizeLatency(draws(lognormalLatency(10, 0.5), 50_000));
    assert.ok(Math.abs(summary.p50 - 10) < 0.15, `p50 ${summary.p50}`);
    const expectedP99 = 10 * Math.exp(2.326 * 0.5);
    assert.ok(Math.abs(summary.p99 / expectedP99 - 1) < 0.04, `p99 ${summary.p99}, expected ${expectedP99}`);
  });
});

describe('keys', () => {
  test('uniform keys cover their range about evenly', () => {
    const random = seededRandom(5);
    const counts = new Map<string, number>();
    const next = uniformKeys(10);
    for (let draw = 0; draw < 10_000; draw++) {
      const key = next(random);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    assert.equal(counts.size, 10);
    assert.ok([...counts.values()].every((count) => count > 850 && count < 1_150));
  });

  test('Zipf keys make the first key the hottest, about twice as hot as the second', () => {
    const random = seededRandom(6);
    const next = zipfKeys(100, 1);
    let first = 0;
    let second = 0;
    for (let draw = 0; draw < 50_000; draw++) {
      const key = next(random);
      if (key === 'key-0') first++;
      if (key === 'key-1') second++;
    }
    // Harmonic number H(100) ≈ 5.187: key-0 has 1/5.187 ≈ 19.3 % of the draws.
    assert.ok(Math.abs(first / 50_000 - 0.193) < 0.01, `key-0 drew ${first}`);
    assert.ok(Math.abs(first / second - 2) < 0.15, `key-0 / key-1 = ${first / second}`);
  });
});

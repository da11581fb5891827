import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { imbalance, latencyQuantiles, percentile, summarizeLatency } from '../../lib/simulator/index.js';

describe('percentile', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, index) => index + 1);

  test('the nearest rank of 1..100 is the percentile itself', () => {
    assert.equal(percentile(oneToHundred, 50), 50);
    assert.equal(percentile(oneToHundred, 99), 99);
    assert.equal(percentile(oneToHundred, 99.9), 100);
    assert.equal(percentile(oneToHundred, 100), 100);
    assert.equal(percentile(oneToHundred, 0), 1);
  });

  test('a percentile between ranks rounds up to an observed value', () => {
    assert.equal(percentile([10, 20, 30, 40], 50), 20);
    assert.equal(percentile([10, 20, 30, 40], 51), 30);
    assert.equal(percentile([10, 20, 30, 40], 90), 40);
    assert.equal(percentile([5], 99.9), 5);
  });

  test('no values have no percentile', () => {
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  test('a percentile is always an observed value, and never decreases as p grows', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (values, p, q) => {
          const sorted = Float64Array.from(values).sort();
          const [low, high] = p <= q ? [p, q] : [q, p];
          assert.ok(values.includes(percentile(sorted, low)));
          assert.ok(percentile(sorted, low) <= percentile(sorted, high));
        },
      ),
    );
  });
});

describe('summarizeLatency', () => {
  test('summarises 1..1000 into its known percentiles, mean and max', () => {
    const values = Array.from({ length: 1_000 }, (_, index) => index + 1);
    assert.deepEqual(summarizeLatency(values), { p50: 500, p90: 900, p95: 950, p99: 990, p999: 999, mean: 500.5, max: 1_000 });
  });
});

describe('latencyQuantiles', () => {
  test('runs from the minimum into the tail, with ascending quantiles and latencies', () => {
    const values = Array.from({ length: 1_000 }, (_, index) => index + 1);
    const points = latencyQuantiles(values);
    assert.deepEqual(points[0], { quantile: 0, ms: 1 });
    assert.ok(Math.abs((points.at(-1)?.quantile ?? 0) - 0.999) < 1e-9);
    for (let index = 1; index < points.length; index++) {
      assert.ok((points[index]?.quantile ?? 0) > (points[index - 1]?.quantile ?? 1));
      assert.ok((points[index]?.ms ?? 0) >= (points[index - 1]?.ms ?? Infinity));
    }
  });
});

describe('imbalance', () => {
  test('an even spread has a max over mean of 1 and no variation', () => {
    assert.deepEqual(imbalance([5, 5, 5, 5]), { maxOverMean: 1, coefficientOfVariation: 0 });
  });

  test('one instance with all the load of four is four times its share', () => {
    const { maxOverMean, coefficientOfVariation } = imbalance([4, 0, 0, 0]);
    assert.equal(maxOverMean, 4);
    assert.ok(Math.abs(coefficientOfVariation - Math.sqrt(3)) < 1e-12);
  });

  test('shares of 1, 2 and 3 have a max over mean of 1.5', () => {
    const { maxOverMean, coefficientOfVariation } = imbalance([1, 2, 3]);
    assert.equal(maxOverMean, 1.5);
    assert.ok(Math.abs(coefficientOfVariation - Math.sqrt(2 / 3) / 2) < 1e-12);
  });
});

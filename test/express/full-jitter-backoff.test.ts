// Retries of a registration spread out uniformly below a ceiling that doubles with each failure, up to a cap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fullJitterDelayMs } from '../../lib/express/full-jitter-backoff.js';

test('the delay after the n-th failure lies in [0, min(cap, base × 2^(n−1)))', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 200 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (failures, draw) => {
      const delay = fullJitterDelayMs(failures, 100, 5_000, () => draw);
      const ceiling = Math.min(5_000, 100 * 2 ** (failures - 1));
      assert.ok(delay >= 0 && delay < ceiling, `${delay} outside [0, ${ceiling})`);
    }),
  );
});

test('the ceiling doubles from the base and stops at the cap', () => {
  const ceilings = [1, 2, 3, 4, 5, 6, 7, 50].map((failures) => fullJitterDelayMs(failures, 100, 5_000, () => 0.999999));
  assert.deepEqual(ceilings.map(Math.round), [100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000]);
});

// Durations are written as Consul writes them, or as milliseconds, and reach Consul unchanged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { consulDuration, durationMs } from '../../lib/express/duration.js';
import { maxTimerMs } from '../../lib/options/option-checks.js';

test("Consul's units read as milliseconds", () => {
  const read = (value: string | number) => durationMs('d', value, { min: 0 });
  assert.deepEqual(['250ms', '5s', '1.5s', '1m', '2h', 1234, ' 10s '].map(read), [250, 5_000, 1_500, 60_000, 7_200_000, 1234, 10_000]);
});

test('any duration a timer holds survives the trip to Consul and back', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: maxTimerMs }), (ms) => {
      assert.equal(durationMs('d', consulDuration(ms), { min: 0 }), ms);
    }),
  );
});

test('anything else is refused, naming the option', () => {
  for (const bad of ['5', '5 s', '5sec', '-1s', '1d', Number.NaN, Infinity, true, null]) {
    assert.throws(() => durationMs('check.ttl', bad, { min: 0 }), /option `check.ttl` must be a duration such as '5s'/);
  }
  assert.throws(() => durationMs('check.ttl', '600h', { min: 0 }), /at most 2147483647 ms/);
});

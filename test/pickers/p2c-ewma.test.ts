import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, seededRandom } from '../../lib/clock.js';
import type { Instance } from '../../lib/discovery/instance.js';
import { p2cEwma } from '../../lib/pickers/p2c-ewma.js';
import type { PickContext, Picker } from '../../lib/pickers/picker.js';
import { instanceAt } from '../support/fake-discovery.js';
import { requestTo } from './request-context.js';

const context: PickContext = { service: 'users', method: 'GET', url: '/', attempt: 1, members: [], tried: () => false, header: () => undefined };

/**
 * One request every `intervalMs`, each answered at once with the latency and outcome `respond`
 * gives for its instance; returns the share of requests each instance received.
 */
function drive(
  picker: Picker,
  clock: ManualClock,
  instances: readonly Instance[],
  requests: number,
  respond: (instance: Instance) => { latencyMs: number; outcome: 'success' | 'failure' },
  intervalMs = 10,
): Map<string, number> {
  const shares = new Map<string, number>(instances.map((instance) => [instance.id, 0]));
  for (let n = 0; n < requests; n++) {
    clock.advance(intervalMs);
    const instance = picker.pick(instances, context)!;
    picker.onRequestStart?.(instance, context);
    picker.onRequestEnd?.(instance, respond(instance), context);
    shares.set(instance.id, shares.get(instance.id)! + 1 / requests);
  }
  return shares;
}

const fleet = Object.freeze([9000, 9001, 9002].map((port) => instanceAt(port)));
const [slow] = fleet as [Instance, Instance, Instance];

describe('p2c-ewma', () => {
  test('steers away from an instance that turns slow, and wins it back after it speeds up', () => {
    const clock = new ManualClock();
    const picker = p2cEwma({ clock, random: seededRandom(7) });
    const fast = () => ({ latencyMs: 10, outcome: 'success' as const });
    const before = drive(picker, clock, fleet, 1_000, fast);
    assert.ok(before.get(slow.id)! > 0.25, `share before: ${before.get(slow.id)}`);

    const slowFirst = (instance: Instance) => ({ latencyMs: instance === slow ? 500 : 10, outcome: 'success' as const });
    drive(picker, clock, fleet, 100, slowFirst);
    const whileSlow = drive(picker, clock, fleet, 1_000, slowFirst);
    assert.ok(whileSlow.get(slow.id)! < 0.01, `share while slow: ${whileSlow.get(slow.id)}`);

    // Its 500 ms estimate decays (τ = 10 s) until it is tried again, then fast answers bring it back.
    drive(picker, clock, fleet, 6_000, fast);
    const after = drive(picker, clock, fleet, 3_000, fast);
    assert.ok(after.get(slow.id)! > 0.25, `share after recovery: ${after.get(slow.id)}`);
  });

  test('avoids an instance whose failures come back faster than the others’ successes', () => {
    const clock = new ManualClock();
    const picker = p2cEwma({ clock, random: seededRandom(8) });
    const shares = drive(picker, clock, fleet, 2_000, (instance) =>
      instance === slow ? { latencyMs: 1, outcome: 'failure' } : { latencyMs: 20, outcome: 'success' },
    );
    assert.ok(shares.get(slow.id)! < 0.05, `share of the failing instance: ${shares.get(slow.id)}`);
  });

  test('starts a new instance at the default latency, so it does not win every pair at once', () => {
    const clock = new ManualClock();
    const picker = p2cEwma({ clock, random: seededRandom(9) });
    const fast = () => ({ latencyMs: 5, outcome: 'success' as const });
    drive(picker, clock, fleet, 500, fast, 1);
    const grown = Object.freeze([...fleet, instanceAt(9003)]);
    const shares = drive(picker, clock, grown, 200, fast, 1);
    assert.ok(shares.get('i-9003')! < 0.05, `share of the newcomer: ${shares.get('i-9003')}`);
  });

  test('weighs latency by requests in flight: equal latency, the idle instance wins', () => {
    const clock = new ManualClock();
    const picker = p2cEwma({ clock, random: seededRandom(10) });
    const pair = Object.freeze([fleet[0]!, fleet[1]!]);
    picker.pick(pair, context);
    picker.onRequestStart?.(pair[0]!, context);
    for (let n = 0; n < 5; n++) assert.equal(picker.pick(pair, context), pair[1]);
  });

  test('keeps an instance’s latency when the set changes around it', () => {
    const clock = new ManualClock();
    const picker = p2cEwma({ clock, random: seededRandom(11) });
    drive(picker, clock, fleet, 200, (instance) => ({ latencyMs: instance === slow ? 800 : 10, outcome: 'success' }));
    const next = Object.freeze([instanceAt(9000, { tags: ['new-snapshot'] }), fleet[1]!]);
    for (let n = 0; n < 5; n++) assert.equal(picker.pick(next, context), fleet[1]);
  });

  test('draws a retry’s two candidates among the instances it has not tried, however much better a tried one looks', () => {
    const clock = new ManualClock();
    const picker = p2cEwma({ clock, random: seededRandom(12) });
    drive(picker, clock, fleet, 200, (instance) => ({ latencyMs: instance === fleet[0] ? 1 : 50, outcome: 'success' }));
    for (let n = 0; n < 50; n++) assert.notEqual(picker.pick(fleet, requestTo(fleet, { tried: [fleet[0]!] })), fleet[0]);
    for (let n = 0; n < 50; n++) assert.equal(picker.pick(fleet, requestTo(fleet, { tried: [fleet[1]!, fleet[2]!] })), fleet[0]);
  });

  test('rejects a non-positive decay, naming the option and the default', () => {
    assert.throws(() => p2cEwma({ decayMs: -5 }), (error: Error & { option?: string }) => {
      assert.equal(error.option, 'picker.decayMs');
      assert.match(error.message, /above 0.*10000/);
      return true;
    });
    assert.throws(() => p2cEwma({ defaultLatencyMs: 0 }), { option: 'picker.defaultLatencyMs' });
    assert.throws(() => p2cEwma({ failurePenalty: 0.5 }), { option: 'picker.failurePenalty' });
  });
});

test('a cancelled attempt raises the estimate when it was slower than it, and never lowers it', () => {
  const clock = new ManualClock(0);
  const picker = p2cEwma({ clock, defaultLatencyMs: 50, random: seededRandom(3) });
  const [slow, other] = [instanceAt(1), instanceAt(2)] as [Instance, Instance];
  const instances = Object.freeze([slow, other]);
  picker.pick(instances, context);
  // Fast cancellations (a caller that gave up at once) would make the instance look fast: ignored.
  for (let i = 0; i < 50; i++) {
    picker.onRequestStart?.(slow, context);
    picker.onRequestEnd?.(slow, { latencyMs: 1, outcome: 'cancelled' }, context);
  }
  let toSlow = 0;
  for (let i = 0; i < 1_000; i++) if (picker.pick(instances, context) === slow) toSlow++;
  assert.ok(toSlow > 300, `an instance whose attempts were cancelled fast keeps its estimate (${toSlow} of 1000)`);
  // A hedge that lost after 2 s tells that the instance is at least that slow.
  picker.onRequestStart?.(slow, context);
  picker.onRequestEnd?.(slow, { latencyMs: 2_000, outcome: 'cancelled' }, context);
  toSlow = 0;
  for (let i = 0; i < 1_000; i++) if (picker.pick(instances, context) === slow) toSlow++;
  assert.equal(toSlow, 0, 'the slow loser of a hedge is avoided');
});

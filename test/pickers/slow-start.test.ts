import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock, seededRandom } from '../../lib/clock.js';
import { InvalidOptionError } from '../../lib/errors/invalid-option-error.js';
import type { Instance } from '../../lib/discovery/instance.js';
import { compose } from '../../lib/pickers/compose.js';
import { byTag, canary } from '../../lib/pickers/filters.js';
import { locality } from '../../lib/pickers/locality.js';
import type { Picker, RequestResult } from '../../lib/pickers/picker.js';
import { random } from '../../lib/pickers/random.js';
import { slowStart } from '../../lib/pickers/slow-start.js';
import { instanceAt } from '../support/fake-discovery.js';
import { requestTo } from './request-context.js';

const success: RequestResult = { latencyMs: 1, outcome: 'success', status: 200 };
const established = Object.freeze([9000, 9001, 9002, 9003].map((port) => instanceAt(port)));
const newcomer = instanceAt(9004);
const withNewcomer = Object.freeze([...established, newcomer]);
const context = requestTo(withNewcomer);
const PICKS = 40_000;

/** The newcomer's share of picks among `available` (all members by default). */
function newcomerShare(picker: Picker, available: readonly Instance[] = withNewcomer): number {
  let hits = 0;
  for (let n = 0; n < PICKS; n++) if (picker.pick(available, context) === newcomer) hits++;
  return hits / PICKS;
}

/** A slow-started uniform picker that has already seen the four established instances as members. */
function rampingPicker(clock: ManualClock, options: { aggression?: number } = {}): Picker {
  const picker = slowStart(random({ random: seededRandom(11) }), { clock, random: seededRandom(12), ...options });
  picker.pick(established, requestTo(established));
  return picker;
}

// With the others at weight 1, a newcomer at factor f gets f / (f + 4) of the picks.
const shareAt = (factor: number): number => factor / (factor + 4);

describe('slowStart', () => {
  test('gives a new instance minWeight’s share at first, half its share mid-window and all of it after', () => {
    const clock = new ManualClock(1_000);
    const picker = rampingPicker(clock);
    const atStart = newcomerShare(picker);
    assert.ok(Math.abs(atStart - shareAt(0.1)) < 0.005, `at 0 s: ${atStart}`);
    clock.advance(15_000);
    const midWindow = newcomerShare(picker);
    assert.ok(Math.abs(midWindow - shareAt(0.5)) < 0.008, `at 15 s: ${midWindow}`);
    clock.advance(15_000);
    const after = newcomerShare(picker);
    assert.ok(Math.abs(after - 0.2) < 0.008, `at 30 s: ${after}`);
  });

  test('ramps faster early with a higher aggression: (t / window)^(1 / aggression)', () => {
    const clock = new ManualClock();
    const picker = rampingPicker(clock, { aggression: 2 });
    picker.pick(withNewcomer, context);
    clock.advance(7_500);
    // (1/4)^(1/2) = 0.5.
    const share = newcomerShare(picker);
    assert.ok(Math.abs(share - shareAt(0.5)) < 0.008, `at 7.5 s: ${share}`);
  });

  test('does not ramp the instances present at the first pick', () => {
    const clock = new ManualClock();
    const picker = slowStart(random({ random: seededRandom(1) }), { clock, random: seededRandom(2) });
    const share = newcomerShare(picker);
    assert.ok(Math.abs(share - 0.2) < 0.008, `share ${share}`);
  });

  test('ramps an instance again when it leaves the membership and comes back', () => {
    const clock = new ManualClock();
    const picker = rampingPicker(clock);
    picker.pick(withNewcomer, context);
    clock.advance(60_000);
    assert.ok(Math.abs(newcomerShare(picker) - 0.2) < 0.008);
    picker.pick(established, requestTo(established));
    const back = newcomerShare(picker);
    assert.ok(Math.abs(back - shareAt(0.1)) < 0.005, `back: ${back}`);
  });

  test('does not ramp again an instance that was only unavailable for a while (a breaker, an ejection)', () => {
    const clock = new ManualClock();
    const picker = rampingPicker(clock);
    picker.pick(withNewcomer, context);
    clock.advance(60_000);
    for (let n = 0; n < 100; n++) picker.pick(established, context);
    const back = newcomerShare(picker);
    assert.ok(Math.abs(back - 0.2) < 0.008, `back: ${back}`);
  });

  test('keeps ramping through availability churn and retries, on the clock of the member', () => {
    const clock = new ManualClock();
    const picker = rampingPicker(clock);
    picker.pick(withNewcomer, context);
    clock.advance(15_000);
    const withoutOne = Object.freeze(withNewcomer.filter((instance) => instance !== established[0]));
    for (let n = 0; n < 100; n++) {
      picker.pick(withoutOne, context);
      picker.pick(withNewcomer, requestTo(withNewcomer, { tried: [established[1]!] }));
    }
    const midWindow = newcomerShare(picker);
    assert.ok(Math.abs(midWindow - shareAt(0.5)) < 0.008, `at 15 s: ${midWindow}`);
  });

  test('ramps a new instance behind a canary split and inside locality, whatever arrays it is handed (repro 06)', () => {
    const canaryInstance = instanceAt(9100, { tags: ['canary'] });
    const before = Object.freeze([canaryInstance, ...established]);
    const after = Object.freeze([...before, newcomer]);
    const inZone = (zone: string) => (instance: Instance) => (instance === canaryInstance ? zone : 'a');
    const stacks: [string, (clock: ManualClock) => Picker][] = [
      [
        'compose(canary, slowStart(random))',
        (clock) =>
          compose(
            canary({ share: 0.1, select: byTag('canary'), random: seededRandom(7) }),
            slowStart(random({ random: seededRandom(1) }), { clock, random: seededRandom(2) }),
          ),
      ],
      [
        'locality(slowStart(random))',
        (clock) =>
          locality({
            zone: 'a',
            zoneOf: inZone('b'),
            spillBelow: 0,
            random: seededRandom(7),
            picker: slowStart(random({ random: seededRandom(1) }), { clock, random: seededRandom(2) }),
          }),
      ],
    ];
    for (const [label, build] of stacks) {
      const clock = new ManualClock();
      const picker = build(clock);
      for (let t = 0; t < 60_000; t += 10) {
        clock.set(t);
        picker.pick(before, requestTo(before));
      }
      let toNew = 0;
      let sideways = 0;
      for (let t = 60_000; t < 63_000; t += 1) {
        clock.set(t);
        const chosen = picker.pick(after, requestTo(after));
        if (chosen === newcomer) toNew++;
        if (chosen !== canaryInstance) sideways++;
      }
      // Its full share is 1/5 of the picks that stay off the canary; in its first 3 s it has about 10 %.
      const ofFullShare = toNew / (sideways / 5);
      assert.ok(ofFullShare > 0.05 && ofFullShare < 0.2, `${label}: ${(100 * ofFullShare).toFixed(0)} % of its full share`);
    }
  });

  test('still returns a lone warming instance, as there is nothing else to send to', () => {
    const clock = new ManualClock();
    const picker = rampingPicker(clock);
    const alone = Object.freeze([newcomer]);
    for (let n = 0; n < 20; n++) assert.equal(picker.pick(alone, context), newcomer);
    assert.equal(picker.pick(Object.freeze([]), context), undefined);
  });

  test('forwards the hooks to the inner picker, also for instances no longer present', () => {
    const events: string[] = [];
    const inner: Picker = {
      pick: (instances) => instances[0],
      onRequestStart: (instance) => events.push(`start ${instance.id}`),
      onRequestEnd: (instance) => events.push(`end ${instance.id}`),
    };
    const picker = slowStart(inner, { clock: new ManualClock() });
    picker.pick(withNewcomer, context);
    picker.pick(Object.freeze([newcomer]), context);
    picker.onRequestStart!(established[0]!, context);
    picker.onRequestEnd!(established[0]!, success, context);
    assert.deepEqual(events, ['start i-9000', 'end i-9000']);
    assert.equal(picker.name, 'slow-start(custom)');
  });

  test('rejects a window that is not positive, a minWeight outside 0..1 and an aggression that is not positive', () => {
    const inner = random();
    assert.throws(() => slowStart(inner, { windowMs: 0 }), InvalidOptionError);
    assert.throws(() => slowStart(inner, { minWeight: 1.1 }), /minWeight/);
    assert.throws(() => slowStart(inner, { aggression: 0 }), /aggression/);
  });

  test('only ever returns one of the instances it is given, through churn', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.integer({ min: 9000, max: 9020 }), { maxLength: 10 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 0, max: 40_000 }), { minLength: 8, maxLength: 8 }),
        (sets, steps) => {
          const clock = new ManualClock();
          const picker = slowStart(random({ random: seededRandom(3) }), { clock, random: seededRandom(4) });
          sets.forEach((ports, index) => {
            const instances = Object.freeze(ports.map((port) => instanceAt(port)));
            clock.advance(steps[index] ?? 0);
            for (let n = 0; n < 10; n++) {
              const chosen = picker.pick(instances, requestTo(instances));
              if (instances.length === 0) assert.equal(chosen, undefined);
              else assert.ok(chosen !== undefined && instances.includes(chosen));
            }
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});

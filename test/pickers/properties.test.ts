// Rules every picker must keep whatever the instance set does between calls.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock, seededRandom } from '../../lib/clock.js';
import type { Instance } from '../../lib/discovery/instance.js';
import { compose } from '../../lib/pickers/compose.js';
import { consistentHash } from '../../lib/pickers/consistent-hash.js';
import { createPicker, pickerNames } from '../../lib/pickers/create-picker.js';
import type { PickerName } from '../../lib/pickers/create-picker.js';
import { byMeta, byTag, canary } from '../../lib/pickers/filters.js';
import type { PickContext, Picker } from '../../lib/pickers/picker.js';
import { slowStart } from '../../lib/pickers/slow-start.js';
import { subset } from '../../lib/pickers/subset.js';
import { instanceAt } from '../support/fake-discovery.js';

const clock = new ManualClock();

/** Pickers are built fresh for every run; `filtered` marks those that may decline a non-empty set. */
interface PickerUnderTest {
  readonly label: string;
  readonly filtered: boolean;
  create(seed: number): Picker;
}

function builtIn(name: PickerName): PickerUnderTest {
  return {
    label: name,
    filtered: false,
    create: (seed) =>
      // locality is the one picker with a required option; the rest take the base options alone.
      name === 'locality'
        ? createPicker('locality', { zone: 'a', clock, random: seededRandom(seed) })
        : createPicker(name as 'p2c-ewma', { clock, random: seededRandom(seed) }),
  };
}

const pickers: PickerUnderTest[] = [
  ...pickerNames.map(builtIn),
  {
    label: 'slowStart(weighted-round-robin)',
    filtered: false,
    create: (seed) => slowStart(createPicker('weighted-round-robin', { random: seededRandom(seed) }), { clock, random: seededRandom(seed + 2) }),
  },
  {
    label: 'subset(p2c-ewma)',
    filtered: false,
    create: (seed) => subset(createPicker('p2c-ewma', { clock, random: seededRandom(seed) }), { size: 3, clientId: Math.abs(seed) % 8 }),
  },
  {
    label: 'compose(byTag, byMeta, p2c-ewma)',
    filtered: true,
    create: (seed) =>
      compose(byTag('http'), byMeta('zone', 'a'), createPicker('p2c-ewma', { clock, random: seededRandom(seed) })),
  },
  {
    label: 'compose(canary, least-request)',
    filtered: false,
    create: (seed) =>
      compose(
        canary({ share: 0.3, select: byTag('canary'), random: seededRandom(seed + 1) }),
        createPicker('least-request', { random: seededRandom(seed) }),
      ),
  },
  {
    label: 'compose(canary, consistent-hash)',
    filtered: false,
    create: (seed) =>
      compose(
        canary({ share: 0.5, select: byTag('canary'), random: seededRandom(seed + 1) }),
        consistentHash({ random: seededRandom(seed) }),
      ),
  },
];

/** Instances drawn from a small pool of ids, so that sets overlap, shrink, grow and replace each other. */
const instanceArbitrary = fc
  .record({
    id: fc.integer({ min: 0, max: 15 }),
    weight: fc.integer({ min: 1, max: 5 }),
    tags: fc.subarray(['http', 'canary', 'v2']),
    zone: fc.constantFrom('a', 'b'),
  })
  .map(({ id, weight, tags, zone }) =>
    instanceAt(9000 + id, { weight, tags, meta: { zone }, node: { name: `n${id}`, address: '10.0.0.1', datacenter: 'dc1', meta: { zone } } }),
  );

const setArbitrary = fc
  .uniqueArray(instanceArbitrary, { selector: (instance) => instance.id, maxLength: 12 })
  .map((instances) => Object.freeze(instances));

type Step =
  | { kind: 'set'; instances: readonly Instance[] }
  | { kind: 'pick'; key: string }
  | { kind: 'end'; failed: boolean; latencyMs: number }
  | { kind: 'wait'; ms: number };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: setArbitrary.map((instances) => ({ kind: 'set' as const, instances })), weight: 1 },
  { arbitrary: fc.string({ maxLength: 4 }).map((key) => ({ kind: 'pick' as const, key })), weight: 5 },
  {
    arbitrary: fc.record({ failed: fc.boolean(), latencyMs: fc.double({ min: 0, max: 5_000, noNaN: true }) }).map(
      (r) => ({ kind: 'end' as const, ...r }),
    ),
    weight: 3,
  },
  { arbitrary: fc.integer({ min: 0, max: 60_000 }).map((ms) => ({ kind: 'wait' as const, ms })), weight: 1 },
);

function contextWithKey(key: string): PickContext {
  return { service: 'users', method: 'GET', url: '/', attempt: 1, members: [], tried: () => false, header: (name) => (name === 'x-hash-key' ? key : undefined) };
}

describe('every picker, through any churn of the instance set', () => {
  for (const subject of pickers) {
    test(`${subject.label} returns one of the given instances: none of 0, the one of 1, any of many`, () => {
      fc.assert(
        fc.property(setArbitrary, fc.array(stepArbitrary, { maxLength: 60 }), fc.integer(), (initial, steps, seed) => {
          const picker = subject.create(seed);
          let current = initial;
          const inFlight: Instance[] = [];
          for (const step of steps) {
            if (step.kind === 'set') {
              // A copy each time: a new array object for the same membership, as after a refresh.
              current = step.instances;
            } else if (step.kind === 'wait') {
              clock.advance(step.ms);
            } else if (step.kind === 'end') {
              // Ends may arrive for instances that have since left the set.
              const instance = inFlight.shift();
              if (instance !== undefined) {
                const context = contextWithKey('');
                picker.onRequestEnd?.(instance, { latencyMs: step.latencyMs, outcome: step.failed ? 'failure' : 'success' }, context);
              }
            } else {
              const context = contextWithKey(step.key);
              const picked = picker.pick(current, context);
              if (current.length === 0) assert.equal(picked, undefined);
              else if (picked === undefined) assert.ok(subject.filtered, `${subject.label} declined a set of ${current.length}`);
              else assert.ok(current.includes(picked), `${subject.label} returned an instance outside the set`);
              if (current.length === 1 && !subject.filtered) assert.equal(picked, current[0]);
              if (picked !== undefined) {
                picker.onRequestStart?.(picked, context);
                inFlight.push(picked);
              }
            }
          }
        }),
        { numRuns: 150 },
      );
    });
  }

  test('a filter that leaves no instance makes the composed picker return undefined, not an unfiltered one', () => {
    fc.assert(
      fc.property(setArbitrary, fc.integer(), (instances, seed) => {
        const picker = compose(byTag('http'), createPicker('round-robin', { random: seededRandom(seed) }));
        const picked = picker.pick(instances, contextWithKey(''));
        const tagged = instances.filter((instance) => instance.tags.includes('http'));
        if (tagged.length === 0) assert.equal(picked, undefined);
        else assert.ok(picked !== undefined && tagged.includes(picked));
      }),
    );
  });
});

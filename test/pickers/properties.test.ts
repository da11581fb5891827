// Rules every picker and every stack of wrappers must keep, whatever membership, availability and
// retries do between calls. The model plays the client: `members` is discovery's set (a new frozen
// array when it changes); `available` is drawn from it (the same array until a breaker or an ejection
// changes it, `members` itself when nothing is out); a retry names the instances it tried.
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
import { locality } from '../../lib/pickers/locality.js';
import type { PickContext, Picker } from '../../lib/pickers/picker.js';
import { slowStart } from '../../lib/pickers/slow-start.js';
import { subset } from '../../lib/pickers/subset.js';
import { instanceAt } from '../support/fake-discovery.js';
import { requestTo } from './request-context.js';

const clock = new ManualClock();

interface PickerUnderTest {
  readonly label: string;
  create(seed: number): Picker;
  /** The available instances it may choose from: all of them unless its filters keep fewer. */
  readonly allowed?: (available: readonly Instance[]) => readonly Instance[];
}

function builtIn(name: PickerName): PickerUnderTest {
  return {
    label: name,
    create: (seed) =>
      // locality is the one picker with a required option; the rest take the base options alone.
      name === 'locality'
        ? createPicker('locality', { zone: 'a', clock, random: seededRandom(seed) })
        : createPicker(name as 'p2c-ewma', { clock, random: seededRandom(seed) }),
  };
}

const tagged = (tag: string) => (available: readonly Instance[]) => available.filter((instance) => instance.tags.includes(tag));

const pickers: PickerUnderTest[] = [
  ...pickerNames.map(builtIn),
  {
    label: 'slowStart(weighted-round-robin)',
    create: (seed) => slowStart(createPicker('weighted-round-robin', { random: seededRandom(seed) }), { clock, random: seededRandom(seed + 2) }),
  },
  {
    label: 'subset(p2c-ewma)',
    create: (seed) => subset(createPicker('p2c-ewma', { clock, random: seededRandom(seed) }), { size: 3, clientId: Math.abs(seed) % 8 }),
  },
  {
    label: 'subset(slowStart(round-robin))',
    create: (seed) =>
      subset(slowStart(createPicker('round-robin', { random: seededRandom(seed) }), { clock, random: seededRandom(seed + 1) }), {
        size: 4,
        clientId: Math.abs(seed) % 5,
      }),
  },
  {
    label: 'compose(canary, consistent-hash)',
    create: (seed) =>
      compose(canary({ share: 0.5, select: byTag('canary'), random: seededRandom(seed + 1) }), consistentHash({ random: seededRandom(seed) })),
  },
  {
    label: 'compose(canary, least-request)',
    create: (seed) =>
      compose(canary({ share: 0.3, select: byTag('canary'), random: seededRandom(seed + 1) }), createPicker('least-request', { random: seededRandom(seed) })),
  },
  {
    label: 'compose(byTag, subset(p2c-ewma))',
    allowed: tagged('http'),
    create: (seed) =>
      compose(byTag('http'), subset(createPicker('p2c-ewma', { clock, random: seededRandom(seed) }), { size: 3, clientId: Math.abs(seed) % 4 })),
  },
  {
    label: 'compose(byTag, byMeta, p2c-ewma)',
    allowed: (available) => tagged('http')(available).filter((instance) => instance.meta.zone === 'a'),
    create: (seed) => compose(byTag('http'), byMeta('zone', 'a'), createPicker('p2c-ewma', { clock, random: seededRandom(seed) })),
  },
  {
    label: 'locality(consistent-hash)',
    create: (seed) => locality({ zone: 'a', random: seededRandom(seed + 1), picker: consistentHash({ random: seededRandom(seed) }) }),
  },
  {
    label: 'locality(slowStart(p2c-ewma))',
    create: (seed) =>
      locality({
        zone: 'b',
        spillBelow: 0.8,
        random: seededRandom(seed + 1),
        picker: slowStart(createPicker('p2c-ewma', { clock, random: seededRandom(seed) }), { clock, random: seededRandom(seed + 2) }),
      }),
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

const membersArbitrary = fc
  .uniqueArray(instanceArbitrary, { selector: (instance) => instance.id, maxLength: 12 })
  .map((instances) => Object.freeze(instances));

/** Which members, by position, a mask selects: most often none or all. */
const maskArbitrary = fc.oneof(fc.constant(0), fc.constant(0xfff), fc.nat(0xfff), fc.integer({ min: 0, max: 11 }).map((bit) => 1 << bit));

type Step =
  | { kind: 'members'; members: readonly Instance[] }
  | { kind: 'availability'; mask: number }
  | { kind: 'pick'; key: string; tried: number }
  | { kind: 'end'; failed: boolean; latencyMs: number }
  | { kind: 'wait'; ms: number };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: membersArbitrary.map((members) => ({ kind: 'members' as const, members })), weight: 1 },
  { arbitrary: maskArbitrary.map((mask) => ({ kind: 'availability' as const, mask })), weight: 2 },
  { arbitrary: fc.record({ key: fc.string({ maxLength: 3 }), tried: maskArbitrary }).map((r) => ({ kind: 'pick' as const, ...r })), weight: 6 },
  {
    arbitrary: fc.record({ failed: fc.boolean(), latencyMs: fc.double({ min: 0, max: 5_000, noNaN: true }) }).map((r) => ({ kind: 'end' as const, ...r })),
    weight: 3,
  },
  { arbitrary: fc.integer({ min: 0, max: 40_000 }).map((ms) => ({ kind: 'wait' as const, ms })), weight: 1 },
);

const stepsArbitrary = fc.array(stepArbitrary, { maxLength: 60 });

function selected(members: readonly Instance[], mask: number): readonly Instance[] {
  return members.filter((_, position) => ((mask >> position) & 1) === 1);
}

/** The client's side of the model: membership, availability, requests in flight. */
class Fleet {
  members: readonly Instance[];
  available: readonly Instance[];
  readonly inFlight: { instance: Instance; context: PickContext }[] = [];

  constructor(members: readonly Instance[]) {
    this.members = members;
    this.available = members;
  }

  apply(step: Step, picker: Picker): void {
    if (step.kind === 'members') {
      this.members = step.members;
      this.available = step.members;
    } else if (step.kind === 'availability') {
      const kept = selected(this.members, step.mask);
      this.available = kept.length === this.members.length ? this.members : Object.freeze(kept);
    } else if (step.kind === 'wait') {
      clock.advance(step.ms);
    } else if (step.kind === 'end') {
      // Ends may arrive for instances that have since left.
      const started = this.inFlight.shift();
      if (started !== undefined) {
        picker.onRequestEnd?.(started.instance, { latencyMs: step.latencyMs, outcome: step.failed ? 'failure' : 'success' }, started.context);
      }
    }
  }

  start(picker: Picker, instance: Instance, context: PickContext): void {
    picker.onRequestStart?.(instance, context);
    this.inFlight.push({ instance, context });
  }

  endAll(picker: Picker): void {
    for (const { instance, context } of this.inFlight.splice(0)) picker.onRequestEnd?.(instance, { latencyMs: 1, outcome: 'success' }, context);
  }
}

describe('every picker and stack, through membership changes, availability churn and retries', () => {
  for (const subject of pickers) {
    test(`${subject.label} chooses an available instance, an untried one while any is left`, () => {
      fc.assert(
        fc.property(membersArbitrary, stepsArbitrary, fc.integer(), (initial, steps, seed) => {
          const picker = subject.create(seed);
          const fleet = new Fleet(initial);
          for (const step of steps) {
            if (step.kind !== 'pick') {
              fleet.apply(step, picker);
              continue;
            }
            const { members, available } = fleet;
            const tried = selected(members, step.tried);
            const context = requestTo(members, { key: step.key, tried });
            const picked = picker.pick(available, context);
            const allowed = subject.allowed?.(available) ?? available;
            // (a) One of the available instances, the very object; none only when none is allowed.
            if (allowed.length === 0) assert.equal(picked, undefined);
            else assert.ok(picked !== undefined && allowed.includes(picked), `${picked?.id} is not among ${allowed.length} allowed`);
            // (b) Never back to a tried instance while an untried one may be chosen.
            if (allowed.some((instance) => !tried.includes(instance))) assert.ok(!tried.includes(picked!), `${picked?.id} was tried`);
            if (picked !== undefined) fleet.start(picker, picked, context);
          }
        }),
        { numRuns: 120 },
      );
    });
  }

  test('a filter that leaves no instance makes the composed picker return undefined, not an unfiltered one', () => {
    fc.assert(
      fc.property(membersArbitrary, fc.integer(), (members, seed) => {
        const picker = compose(byTag('http'), createPicker('round-robin', { random: seededRandom(seed) }));
        const picked = picker.pick(members, requestTo(members));
        const kept = tagged('http')(members);
        if (kept.length === 0) assert.equal(picked, undefined);
        else assert.ok(picked !== undefined && kept.includes(picked));
      }),
    );
  });
});

/** A leaf picker that records what it was handed and returns `target` when it may, else the first. */
class Probe implements Picker {
  target: Instance | undefined;
  calls = 0;
  members: readonly Instance[] = [];
  candidates: readonly Instance[] = [];
  pick(instances: readonly Instance[], context: PickContext): Instance | undefined {
    this.calls++;
    this.members = context.members;
    this.candidates = instances;
    return this.target !== undefined && instances.includes(this.target) ? this.target : instances[0];
  }
}

/**
 * Runs `steps` on `picker` as a client would. `twin` sees only what membership and time do: it picks
 * once whenever membership changes, at the same moment as `picker`, and never sees availability
 * churn, retries or load.
 */
function churn(picker: Picker, twin: Picker, initial: readonly Instance[], steps: readonly Step[], afterPick?: (fleet: Fleet) => void): Fleet {
  const fleet = new Fleet(initial);
  const noticeMembers = (): void => {
    picker.pick(fleet.members, requestTo(fleet.members));
    twin.pick(fleet.members, requestTo(fleet.members));
  };
  noticeMembers();
  for (const step of steps) {
    fleet.apply(step, picker);
    if (step.kind === 'members') {
      noticeMembers();
    } else if (step.kind === 'pick') {
      const context = requestTo(fleet.members, { key: step.key, tried: selected(fleet.members, step.tried) });
      const picked = picker.pick(fleet.available, context);
      afterPick?.(fleet);
      if (picked !== undefined) fleet.start(picker, picked, context);
    }
  }
  return fleet;
}

describe('what pickers derive belongs to membership: availability churn and retries leave no trace', () => {
  test('a subset, alone or behind byTag, is the one drawn from the membership, narrowed to what is available', () => {
    const stacks: [string, (probe: Probe) => Picker][] = [
      ['subset', (probe) => subset(probe, { size: 3, clientId: 5 })],
      ['compose(byTag, subset)', (probe) => compose(byTag('http'), subset(probe, { size: 2, clientId: 3 }))],
    ];
    for (const [label, build] of stacks) {
      /** The subset a fresh picker hands its inner picker to choose from when every member is available. */
      const subsetOf = (members: readonly Instance[]): readonly string[] => {
        const fresh = new Probe();
        build(fresh).pick(members, requestTo(members));
        return fresh.candidates.map((instance) => instance.id).sort();
      };
      fc.assert(
        fc.property(membersArbitrary, stepsArbitrary, (initial, steps) => {
          const probe = new Probe();
          const stack = build(probe);
          // Counting afresh on every pick tells whether this pick reached the inner picker.
          const picker: Picker = {
            pick: (instances, context) => {
              probe.calls = 0;
              return stack.pick(instances, context);
            },
          };
          churn(picker, build(new Probe()), initial, steps, (fleet) => {
            if (probe.calls === 0) return;
            const drawn = subsetOf(fleet.members);
            assert.deepEqual(probe.members.map((instance) => instance.id).sort(), drawn, `${label}: the inner picker's membership`);
            for (const candidate of probe.candidates) assert.ok(drawn.includes(candidate.id), `${label}: ${candidate.id} is outside the subset`);
          });
        }),
        { numRuns: 100 },
      );
    }
  });

  test('a key goes to its first available owner along the membership’s ring, whatever was out before', () => {
    const keys = ['a', 'cart-1', 'cart-2', 'user-77', 'z'];
    /** The key's owners along the ring of `members`, in order: where its first attempt and each retry go. */
    const ringOrder = (members: readonly Instance[], key: string): Instance[] => {
      const fresh = consistentHash();
      const order: Instance[] = [];
      for (let n = 0; n < members.length; n++) order.push(fresh.pick(members, requestTo(members, { key, tried: order }))!);
      return order;
    };
    fc.assert(
      fc.property(membersArbitrary, stepsArbitrary, maskArbitrary, fc.integer(), (initial, steps, mask, seed) => {
        const picker = consistentHash({ random: seededRandom(seed) });
        const fleet = churn(picker, consistentHash(), initial, steps);
        fleet.endAll(picker);
        const { members } = fleet;
        const now = selected(members, mask);
        const available = now.length === members.length ? members : Object.freeze(now);
        for (const key of keys) {
          const expected = ringOrder(members, key).find((owner) => available.includes(owner));
          assert.equal(picker.pick(available, requestTo(members, { key }))?.id, expected?.id, key);
        }
      }),
      { numRuns: 150 },
    );
  });

  test('warming is the same whatever availability and retries did, alone and inside a subset', () => {
    // The ramp is observed through its rejections: with chance fixed at r, a warming choice whose
    // factor is at most r is turned down and the inner picker asked again.
    const draws = [0.05, 0.3, 0.6, 0.95];
    let draw = 0.5;
    const stacks: [string, (probe: Probe) => Picker][] = [
      ['slowStart', (probe) => slowStart(probe, { clock, random: () => draw })],
      ['subset(slowStart)', (probe) => subset(slowStart(probe, { clock, random: () => draw }), { size: 4, clientId: 2 })],
    ];
    for (const [label, build] of stacks) {
      fc.assert(
        fc.property(membersArbitrary, stepsArbitrary, (initial, steps) => {
          const probe = new Probe();
          const twinProbe = new Probe();
          const picker = build(probe);
          const twin = build(twinProbe);
          const { members } = churn(picker, twin, initial, steps);
          for (const target of members) {
            for (const value of draws) {
              draw = value;
              probe.target = twinProbe.target = target;
              probe.calls = twinProbe.calls = 0;
              picker.pick(members, requestTo(members));
              twin.pick(members, requestTo(members));
              assert.equal(probe.calls, twinProbe.calls, `${label}: ${target.id} at ${value}`);
            }
          }
          draw = 0.5;
        }),
        { numRuns: 100 },
      );
    }
  });
});

describe('consistent hashing bounds the load of every array it picks from', () => {
  /** consistent-hash behind a split, checking each first attempt against the bound of the array it was handed. */
  function bounded(loadFactor: number, seed: number, inFlight: Map<string, number>): Picker {
    const inner = consistentHash({ loadFactor, random: seededRandom(seed) });
    return {
      name: 'checked',
      pick(instances, context) {
        const chosen = inner.pick(instances, context);
        if (chosen !== undefined && context.attempt === 1) {
          const total = instances.reduce((sum, instance) => sum + (inFlight.get(instance.id) ?? 0), 0);
          const weight = instances.reduce((sum, instance) => sum + instance.weight, 0);
          const bound = Math.ceil((loadFactor * (total + 1) * chosen.weight) / weight);
          const load = (inFlight.get(chosen.id) ?? 0) + 1;
          assert.ok(load <= bound, `${chosen.id} would hold ${load} of ${total + 1} on an array of ${instances.length}, bound ${bound}`);
        }
        return chosen;
      },
      onRequestStart: (instance, context) => inner.onRequestStart?.(instance, context),
      onRequestEnd: (instance, result, context) => inner.onRequestEnd?.(instance, result, context),
    };
  }

  const stacks: [string, (inner: Picker, seed: number) => Picker][] = [
    ['alone', (inner) => inner],
    ['behind a canary split', (inner, seed) => compose(canary({ share: 0.5, select: byTag('canary'), random: seededRandom(seed) }), inner)],
    ['inside locality', (inner, seed) => locality({ zone: 'a', random: seededRandom(seed), picker: inner })],
    ['inside a subset', (inner) => subset(inner, { size: 4, clientId: 1 })],
  ];

  for (const [label, wrap] of stacks) {
    test(`${label}: at most ceil(c × in-flight on the array × weight share) per instance`, () => {
      fc.assert(
        fc.property(membersArbitrary, stepsArbitrary, fc.constantFrom(1, 1.25, 2), fc.integer(), (initial, steps, loadFactor, seed) => {
          const inFlight = new Map<string, number>();
          const picker = wrap(bounded(loadFactor, seed, inFlight), seed);
          const fleet = new Fleet(initial);
          for (const step of steps) {
            if (step.kind === 'end') {
              const started = fleet.inFlight[0];
              if (started !== undefined) inFlight.set(started.instance.id, (inFlight.get(started.instance.id) ?? 0) - 1);
            }
            if (step.kind !== 'pick') {
              fleet.apply(step, picker);
              continue;
            }
            // First attempts only: a retry may go past the bound rather than back to where it failed.
            const context = requestTo(fleet.members, { key: step.key.slice(0, 1) });
            const picked = picker.pick(fleet.available, context);
            if (picked === undefined) continue;
            fleet.start(picker, picked, context);
            inFlight.set(picked.id, (inFlight.get(picked.id) ?? 0) + 1);
          }
        }),
        { numRuns: 150 },
      );
    });
  }
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { seededRandom } from '../../lib/clock.js';
import type { Instance } from '../../lib/discovery/instance.js';
import { InvalidOptionError } from '../../lib/errors/invalid-option-error.js';
import { consistentHash } from '../../lib/pickers/consistent-hash.js';
import { murmur3 } from '../../lib/pickers/hash.js';
import type { PickContext, Picker, RequestResult } from '../../lib/pickers/picker.js';
import { instanceAt } from '../support/fake-discovery.js';
import { requestTo } from './request-context.js';

/** A first attempt with this key to a service whose members are `members`. */
function keyed(key: string | undefined, members: readonly Instance[]): PickContext {
  return requestTo(members, { key });
}

function fleet(size: number, firstPort = 9000): readonly Instance[] {
  return Object.freeze(Array.from({ length: size }, (_, index) => instanceAt(firstPort + index)));
}

const keys = Array.from({ length: 2_000 }, (_, index) => `user-${index}`);
const success: RequestResult = { latencyMs: 1, outcome: 'success', status: 200 };

/** Each key's owner when `available` of `members` may be picked (all of them by default). */
function owners(members: readonly Instance[], available = members): string[] {
  const picker = consistentHash();
  return keys.map((key) => picker.pick(available, keyed(key, members))!.id);
}

describe('murmur3', () => {
  test('equals MurmurHash3_x86_32 of the UTF-16LE bytes, per the reference vectors', () => {
    assert.equal(murmur3(''), 0);
    assert.equal(murmur3('', 1), 0x514e28b7);
    assert.equal(murmur3('', 0xffffffff), 0x81f16f39);
    assert.equal(murmur3('\u0000\u0000'), 0x2362f9de);
    assert.equal(murmur3('\uffff\uffff'), 0x76293b50);
    assert.equal(murmur3('\u4321\u8765'), 0xf55b516b);
    assert.equal(murmur3('\u4321'), 0xa0f7b07a);
  });
});

describe('consistent-hash', () => {
  test('sends every request with the same key to the same instance', () => {
    const instances = fleet(10);
    const picker = consistentHash();
    const first = picker.pick(instances, keyed('cart-42', instances));
    for (let round = 0; round < 50; round++) assert.equal(picker.pick(instances, keyed('cart-42', instances)), first);
  });

  test('reads the key from the x-hash-key header by default and from the key option when given', () => {
    const instances = fleet(20);
    const byHeader = consistentHash();
    const byUser = consistentHash({ key: (context) => context.header('x-user-id') });
    const request = (user: string): PickContext => requestTo(instances, { headers: { 'x-user-id': user } });
    const users = new Set(keys.slice(0, 200).map((user) => byUser.pick(instances, request(user))!.id));
    assert.ok(users.size > 15, `200 users spread over ${users.size} of 20 instances`);
    assert.equal(byUser.pick(instances, request('u-7')), byUser.pick(instances, request('u-7')));
    assert.equal(byHeader.pick(instances, keyed('u-7', instances)), consistentHash().pick(instances, keyed('u-7', instances)));
  });

  test('spreads 2,000 keys over 10 instances within 40 % of an even share', () => {
    const counts = new Map<string, number>();
    for (const id of owners(fleet(10))) counts.set(id, (counts.get(id) ?? 0) + 1);
    assert.equal(counts.size, 10);
    for (const [id, count] of counts) assert.ok(count > 120 && count < 280, `${id} owns ${count} keys`);
  });

  test('maps keys the same way whatever order discovery lists the instances in', () => {
    const instances = fleet(30);
    const reversed = Object.freeze([...instances].reverse());
    assert.deepEqual(owners(reversed), owners(instances));
  });

  test('gives an instance of weight 3 about three times the keys of one of weight 1', () => {
    const instances = Object.freeze([instanceAt(9000, { weight: 3 }), ...fleet(4, 9001)]);
    const heavy = owners(instances).filter((id) => id === 'i-9000').length;
    // Expected 3/7 of 2,000 ≈ 857.
    assert.ok(heavy > 700 && heavy < 1_000, `weight 3 owns ${heavy} of 2,000 keys`);
  });

  test('sends requests without a key to instances chosen at random from the injected source', () => {
    const instances = fleet(8);
    const picker = consistentHash({ random: seededRandom(7) });
    const seen = new Set<string>();
    for (let round = 0; round < 400; round++) seen.add(picker.pick(instances, keyed(undefined, instances))!.id);
    assert.equal(seen.size, 8);
    const again = consistentHash({ random: seededRandom(7) });
    const replay = Array.from({ length: 20 }, () => again.pick(instances, keyed('', instances))!.id);
    const original = consistentHash({ random: seededRandom(7) });
    assert.deepEqual(Array.from({ length: 20 }, () => original.pick(instances, keyed(undefined, instances))!.id), replay);
  });

  test('moves only the removed instance’s keys, about 1/N of them, when one of N instances leaves', () => {
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 50 }), fc.nat(), (size, which) => {
        const instances = fleet(size);
        const removed = instances[which % size]!;
        const before = owners(instances);
        const after = owners(Object.freeze(instances.filter((instance) => instance !== removed)));
        let moved = 0;
        before.forEach((owner, index) => {
          if (owner === after[index]) return;
          moved++;
          assert.equal(owner, removed.id, `key ${keys[index]} moved from ${owner}, which is still present`);
        });
        assert.ok(moved <= (2 * keys.length) / size, `${moved} of ${keys.length} keys moved with ${size} instances`);
      }),
      { numRuns: 60 },
    );
  });

  test('moves keys only to the new instance, about 1/N of them, when an Nth instance joins', () => {
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 50 }), (size) => {
        const before = owners(fleet(size - 1));
        const grown = fleet(size);
        const after = owners(grown);
        const joined = grown[size - 1]!.id;
        let moved = 0;
        before.forEach((owner, index) => {
          if (owner === after[index]) return;
          moved++;
          assert.equal(after[index], joined);
        });
        assert.ok(moved <= (2 * keys.length) / size, `${moved} of ${keys.length} keys moved to instance ${size}`);
      }),
      { numRuns: 46 },
    );
  });

  test('walks a hot key on to the next instances once its own holds ceil(1.25 × average) in flight', () => {
    const instances = fleet(10);
    const picker = consistentHash();
    const hot = keyed('hot', instances);
    const home = picker.pick(instances, hot)!;
    const loads = new Map<string, number>();
    for (let request = 1; request <= 100; request++) {
      const chosen = picker.pick(instances, hot)!;
      picker.onRequestStart!(chosen, hot);
      loads.set(chosen.id, (loads.get(chosen.id) ?? 0) + 1);
      const bound = Math.ceil((1.25 * request) / instances.length);
      assert.ok(loads.get(chosen.id)! <= bound, `${chosen.id} holds ${loads.get(chosen.id)} of ${request}, bound ${bound}`);
    }
    assert.equal(loads.get(home.id), Math.ceil(1.25 * 10));
    // No instance above 13 of the 100, so the hot key reached at least eight.
    assert.ok(loads.size >= 8, `the hot key reached ${loads.size} instances`);
  });

  test('never gives an instance more than ceil(c × average in-flight), whatever the mix of keys and completions', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 20 }),
        fc.constantFrom(1, 1.25, 2),
        fc.array(fc.oneof(fc.record({ start: fc.integer({ min: 0, max: 3 }) }), fc.record({ end: fc.nat() })), {
          maxLength: 300,
        }),
        (size, loadFactor, steps) => {
          const instances = fleet(size);
          const picker = consistentHash({ loadFactor, random: seededRandom(size) });
          const inFlight: Instance[] = [];
          for (const step of steps) {
            if ('start' in step) {
              const context = keyed(`key-${step.start}`, instances);
              const chosen = picker.pick(instances, context)!;
              const bound = Math.ceil((loadFactor * (inFlight.length + 1)) / size);
              const load = inFlight.filter((instance) => instance === chosen).length + 1;
              assert.ok(load <= bound, `${chosen.id} would hold ${load}, bound ${bound}`);
              picker.onRequestStart!(chosen, context);
              inFlight.push(chosen);
            } else if (inFlight.length > 0) {
              const [done] = inFlight.splice(step.end % inFlight.length, 1);
              picker.onRequestEnd!(done!, success, keyed(undefined, instances));
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  test('keeps strict affinity when loadFactor is Infinity', () => {
    const instances = fleet(5);
    const picker = consistentHash({ loadFactor: Infinity });
    const hot = keyed('hot', instances);
    const home = picker.pick(instances, hot)!;
    for (let request = 0; request < 50; request++) {
      const chosen = picker.pick(instances, hot)!;
      assert.equal(chosen, home);
      picker.onRequestStart!(chosen, hot);
    }
  });

  test('returns undefined for no instances and the only one for one', () => {
    const picker = consistentHash();
    const none = Object.freeze([]);
    assert.equal(picker.pick(none, keyed('a', none)), undefined);
    const only = fleet(1);
    assert.equal(picker.pick(only, keyed('a', only)), only[0]);
  });

  test('only ever returns one of the instances it is given, through churn and hooks on departed instances', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.integer({ min: 9000, max: 9040 }), { maxLength: 25 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 20 }),
        (sets, requestKeys) => {
          const picker = consistentHash({ random: seededRandom(1) });
          let previous: readonly Instance[] = [];
          for (const ports of sets) {
            const instances = Object.freeze(ports.map((port) => instanceAt(port)));
            for (const gone of previous) picker.onRequestEnd!(gone, success, keyed(undefined, instances));
            for (const key of requestKeys) {
              const context = keyed(key, instances);
              const chosen = picker.pick(instances, context);
              if (instances.length === 0) assert.equal(chosen, undefined);
              else assert.ok(chosen !== undefined && instances.includes(chosen));
              if (chosen !== undefined) picker.onRequestStart!(chosen, context);
            }
            previous = instances;
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  test('rejects a loadFactor below 1 and a pointsPerInstance that is not a positive whole number', () => {
    assert.throws(() => consistentHash({ loadFactor: 0.9 }), InvalidOptionError);
    assert.throws(() => consistentHash({ loadFactor: Number.NaN }), /loadFactor/);
    assert.throws(() => consistentHash({ pointsPerInstance: 0 }), /pointsPerInstance/);
    assert.throws(() => consistentHash({ pointsPerInstance: 2.5 }), InvalidOptionError);
  });
});

describe('consistent-hash on a retry', () => {
  /** Attempts of one request with `key`: each goes where the picker sends it, having tried the ones before. */
  function attempts(picker: Picker, available: readonly Instance[], members: readonly Instance[], key: string, count: number): Instance[] {
    const tried: Instance[] = [];
    for (let attempt = 0; attempt < count; attempt++) tried.push(picker.pick(available, requestTo(members, { key, tried }))!);
    return tried;
  }

  test("a retry goes to the key's next distinct owner on the ring, the same one every time", () => {
    const instances = fleet(8);
    const picker = consistentHash();
    for (const key of keys.slice(0, 200)) {
      const [first, second, third] = attempts(picker, instances, instances, key, 3);
      assert.equal(new Set([first!.id, second!.id, third!.id]).size, 3);
      assert.deepEqual(attempts(picker, instances, instances, key, 3), [first, second, third]);
    }
  });

  test('when the key owner is removed, its keys move to the instance its retries went to', () => {
    const instances = fleet(8);
    const picker = consistentHash();
    for (const key of keys.slice(0, 200)) {
      const [owner, retried] = attempts(picker, instances, instances, key, 2);
      const without = Object.freeze(instances.filter((instance) => instance.id !== owner!.id));
      assert.equal(picker.pick(without, keyed(key, without))!.id, retried!.id);
    }
  });

  test('with two instances, a retry goes to the other one and any later attempt stays in the set', () => {
    const instances = fleet(2);
    const picker = consistentHash();
    const [first, second, third, fourth] = attempts(picker, instances, instances, 'k', 4);
    assert.notEqual(second!.id, first!.id);
    assert.ok(instances.includes(third!) && instances.includes(fourth!));
  });

  test('a retry prefers an untried instance over the load bound, and the bound over a tried one', () => {
    const instances = fleet(2);
    const picker = consistentHash();
    const [home, other] = attempts(picker, instances, instances, 'hot', 2);
    // Four requests in flight on the other instance: its bound, ceil(1.25 × 5 / 2) = 4, is reached.
    for (let n = 0; n < 4; n++) picker.onRequestStart!(other!, keyed('x', instances));
    assert.equal(picker.pick(instances, requestTo(instances, { key: 'hot', tried: [home!] })), other);
    assert.equal(picker.pick(instances, requestTo(instances, { key: 'hot', tried: [] })), home);
  });

  test('a retry derives nothing again: it reads no instance id, where rebuilding a ring reads them all (repro 17)', () => {
    let idReads = 0;
    const members = Object.freeze(
      Array.from({ length: 1_000 }, (_, index) => {
        const instance = { ...instanceAt(9000 + index) };
        const { id } = instance;
        return Object.freeze(Object.defineProperty(instance, 'id', { get: () => (idReads++, id), enumerable: true }));
      }),
    );
    const available = Object.freeze(members.slice(1));
    const picker = consistentHash();
    const attempt = (key: string, tried: readonly Instance[]): Instance =>
      picker.pick(available, { ...requestTo(members, { key }), attempt: tried.length + 1, tried: (instance) => tried.includes(instance) })!;
    attempt('warm-up', []);
    assert.ok(idReads >= 2 * members.length, `building the ring and its view read ${idReads} ids`);
    idReads = 0;
    for (const key of keys.slice(0, 100)) {
      const tried: Instance[] = [];
      for (let n = 0; n < 4; n++) tried.push(attempt(key, tried));
      assert.equal(new Set(tried).size, 4);
    }
    assert.equal(idReads, 0);
  });
});

describe('consistent-hash under availability churn', () => {
  test('keeps the ring of the membership: an instance taken out and returned gets back exactly its keys', () => {
    const members = fleet(20);
    const victim = members[7]!;
    const without = Object.freeze(members.filter((instance) => instance !== victim));
    const picker = consistentHash();
    const before = keys.map((key) => picker.pick(members, keyed(key, members))!.id);
    const during = keys.map((key) => picker.pick(without, keyed(key, members))!.id);
    const after = keys.map((key) => picker.pick(members, keyed(key, members))!.id);
    assert.deepEqual(after, before);
    before.forEach((owner, index) => {
      if (owner !== victim.id) assert.equal(during[index], owner, `key ${keys[index]} moved from ${owner}, which stayed available`);
    });
    // Taken out is not the same as gone: the ring of the 19 alone lays points differently only if the lightest weight changed.
    assert.deepEqual(during, owners(without));
  });

  test('sends each key to its first available owner along the ring, however few instances are left', () => {
    const members = Object.freeze(Array.from({ length: 20 }, (_, index) => instanceAt(9000 + index, { weight: 1 + (index % 3) })));
    const picker = consistentHash();
    const order = (key: string): Instance[] => {
      const tried: Instance[] = [];
      while (tried.length < members.length) tried.push(picker.pick(members, requestTo(members, { key, tried }))!);
      return tried;
    };
    for (const left of [19, 12, 5, 2]) {
      const available = Object.freeze(members.filter((_, index) => (index * 7) % 20 < left));
      const reversed = Object.freeze([...available].reverse());
      for (const key of keys.slice(0, 200)) {
        const owner = order(key).find((instance) => available.includes(instance));
        assert.equal(picker.pick(available, keyed(key, members)), owner, `${left} left, ${key}`);
        assert.equal(picker.pick(reversed, keyed(key, members)), owner, `${left} left in another order, ${key}`);
      }
    }
  });

  test('keeps the load bound for each array it picks from, however busy the others (repro 07)', () => {
    const zoneA = Object.freeze([instanceAt(9000), instanceAt(9001)]);
    const zoneB = Object.freeze(Array.from({ length: 8 }, (_, index) => instanceAt(9002 + index)));
    const members = Object.freeze([...zoneA, ...zoneB]);
    const picker = consistentHash();
    for (let n = 0; n < 40; n++) {
      const context = keyed(`k${n}`, members);
      picker.onRequestStart!(picker.pick(zoneB, context)!, context);
    }
    const perInstance = new Map<string, number>();
    for (let n = 0; n < 20; n++) {
      const context = keyed('hot', members);
      const chosen = picker.pick(zoneA, context)!;
      picker.onRequestStart!(chosen, context);
      perInstance.set(chosen.id, (perInstance.get(chosen.id) ?? 0) + 1);
      for (const load of perInstance.values()) assert.ok(load <= Math.ceil((1.25 * (n + 1)) / 2), `${[...perInstance]} after ${n + 1}`);
    }
    assert.deepEqual([...perInstance.values()].sort((a, b) => a - b), [7, 13]);
  });

  test('builds a ring of the given instances when they are not drawn from the members', () => {
    const instances = fleet(10);
    const picker = consistentHash();
    const strangers = requestTo(Object.freeze([]), { key: 'cart-9' });
    assert.equal(picker.pick(instances, strangers), consistentHash().pick(instances, keyed('cart-9', instances)));
  });
});

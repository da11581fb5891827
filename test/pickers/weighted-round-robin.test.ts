import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { seededRandom } from '../../lib/clock.js';
import type { Instance } from '../../lib/discovery/instance.js';
import type { PickContext } from '../../lib/pickers/picker.js';
import { weightedRoundRobin } from '../../lib/pickers/weighted-round-robin.js';
import { instanceAt } from '../support/fake-discovery.js';
import { requestTo } from './request-context.js';

const context: PickContext = { service: 'users', method: 'GET', url: '/', attempt: 1, members: [], tried: () => false, header: () => undefined };

function fleet(weights: readonly number[]): readonly Instance[] {
  return Object.freeze(weights.map((weight, i) => instanceAt(9000 + i, { weight })));
}

/** nginx's smooth weighted round-robin done literally, as `ngx_http_upstream_get_peer` does it. */
function nginxSequence(weights: readonly number[], picks: number): number[] {
  const current = weights.map(() => 0);
  const total = weights.reduce((sum, w) => sum + w, 0);
  const sequence: number[] = [];
  for (let n = 0; n < picks; n++) {
    let best = -1;
    for (let i = 0; i < weights.length; i++) {
      current[i]! += weights[i]!;
      if (best === -1 || current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    sequence.push(best);
  }
  return sequence;
}

const weightLists = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 12 });

describe('weighted-round-robin', () => {
  test('takes every instance exactly `weight` times in every window of Σweights consecutive picks', () => {
    fc.assert(
      fc.property(weightLists, fc.integer(), (weights, seed) => {
        const instances = fleet(weights);
        const picker = weightedRoundRobin({ random: seededRandom(seed) });
        const total = weights.reduce((sum, w) => sum + w, 0);
        const picked = Array.from({ length: 3 * total }, () => instances.indexOf(picker.pick(instances, context)!));
        for (let start = 0; start + total <= picked.length; start++) {
          const counts = weights.map(() => 0);
          for (const index of picked.slice(start, start + total)) counts[index]!++;
          assert.deepEqual(counts, weights);
        }
      }),
    );
  });

  test("picks in nginx's smooth order, step for step, when started at the first instance", () => {
    fc.assert(
      fc.property(weightLists, (weights) => {
        const instances = fleet(weights);
        const picker = weightedRoundRobin({ random: () => 0 });
        const total = weights.reduce((sum, w) => sum + w, 0);
        const picked = Array.from({ length: 2 * total + 3 }, () => instances.indexOf(picker.pick(instances, context)!));
        assert.deepEqual(picked, nginxSequence(weights, picked.length));
      }),
    );
  });

  test('interleaves a heavy instance with light ones instead of sending it a burst', () => {
    const instances = fleet([5, 1, 1]);
    const picker = weightedRoundRobin({ random: () => 0 });
    const names = Array.from({ length: 7 }, () => 'abc'[instances.indexOf(picker.pick(instances, context)!)]).join('');
    // The sequence nginx's change log gives for weights { 5, 1, 1 }.
    assert.equal(names, 'aabacaa');
  });

  test('reads weights from a meta key when asked, counting a non-numeric value as 1', () => {
    const instances = Object.freeze([
      instanceAt(9000, { meta: { capacity: '3' } }),
      instanceAt(9001, { meta: { capacity: 'lots' } }),
      instanceAt(9002, { weight: 7 }),
    ]);
    const picker = weightedRoundRobin({ weightMetaKey: 'capacity', random: seededRandom(3) });
    const counts = new Map<string, number>();
    for (let n = 0; n < 5 * 50; n++) {
      const id = picker.pick(instances, context)!.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(counts), { 'i-9000': 150, 'i-9001': 50, 'i-9002': 50 });
  });

  test('keeps the proportions after the set changes, carrying each instance’s turn by id', () => {
    const picker = weightedRoundRobin({ random: seededRandom(11) });
    const before = fleet([3, 2, 1]);
    for (let n = 0; n < 4; n++) picker.pick(before, context);
    const after = Object.freeze([...before.slice(1), instanceAt(9100, { weight: 4 })]);
    const counts = new Map<string, number>();
    // Weights 2 + 1 + 4: after one transitional round, every round of 7 is exact.
    for (let n = 0; n < 7; n++) picker.pick(after, context);
    for (let n = 0; n < 70; n++) {
      const id = picker.pick(after, context)!.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(counts), { 'i-9001': 20, 'i-9002': 10, 'i-9100': 40 });
  });

  test('sends a retry to the best instance it has not tried, and leaves the turn where it was when it had to skip', () => {
    const instances = fleet([5, 1, 1]);
    const picker = weightedRoundRobin({ random: () => 0 });
    const name = (instance: Instance | undefined): string => 'abc'[instances.indexOf(instance!)]!;
    assert.equal(name(picker.pick(instances, requestTo(instances))), 'a');
    // nginx's next turn is `a` again; a retry that tried `a` takes the best of the others.
    assert.equal(name(picker.pick(instances, requestTo(instances, { tried: [instances[0]!] }))), 'b');
    const rest = Array.from({ length: 6 }, () => name(picker.pick(instances, requestTo(instances)))).join('');
    assert.equal(`a${rest}`, 'aabacaa');
    for (let n = 0; n < 50; n++) {
      const chosen = picker.pick(instances, requestTo(instances))!;
      assert.notEqual(picker.pick(instances, requestTo(instances, { tried: [chosen] })), chosen);
    }
    assert.ok(instances.includes(picker.pick(instances, requestTo(instances, { tried: instances }))!));
  });

  test('rejects an empty weightMetaKey, naming the option', () => {
    assert.throws(() => weightedRoundRobin({ weightMetaKey: '' }), {
      code: 'ERR_PROXYLESS_INVALID_OPTION',
      option: 'picker.weightMetaKey',
    });
  });
});

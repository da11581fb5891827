import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Instance } from '../../lib/discovery/instance.js';
import { InvalidOptionError } from '../../lib/errors/invalid-option-error.js';
import type { PickContext, Picker, RequestResult } from '../../lib/pickers/picker.js';
import { subset } from '../../lib/pickers/subset.js';
import { instanceAt } from '../support/fake-discovery.js';
import { requestTo } from './request-context.js';

const success: RequestResult = { latencyMs: 1, outcome: 'success', status: 200 };

function fleet(size: number): readonly Instance[] {
  return Object.freeze(Array.from({ length: size }, (_, index) => instanceAt(9000 + index)));
}

/** What the inner picker of a subset was last handed: the instances to pick from, and its membership. */
class Recorder implements Picker {
  candidates: readonly Instance[] = [];
  members: readonly Instance[] = [];
  pick(candidates: readonly Instance[], context: PickContext): Instance | undefined {
    this.candidates = candidates;
    this.members = context.members;
    return candidates[0];
  }
}

/** The instances a client with this id is given when all `members` are available, as seen by its inner picker. */
function subsetFor(clientId: number, size: number, members: readonly Instance[]): string[] {
  const inner = new Recorder();
  subset(inner, { size, clientId }).pick(members, requestTo(members));
  return inner.candidates.map((instance) => instance.id).sort();
}

function symmetricDifference(a: string[], b: string[]): number {
  return a.filter((id) => !b.includes(id)).length + b.filter((id) => !a.includes(id)).length;
}

describe('subset', () => {
  test('puts each of 100 instances in exactly 20 of the subsets of 200 consecutive clients of size 10', () => {
    const instances = fleet(100);
    const clients = new Map<string, number>();
    for (let clientId = 0; clientId < 200; clientId++) {
      const members = subsetFor(clientId, 10, instances);
      assert.equal(members.length, 10);
      for (const id of members) clients.set(id, (clients.get(id) ?? 0) + 1);
    }
    assert.equal(clients.size, 100);
    assert.deepEqual(new Set(clients.values()), new Set([20]));
  });

  test('never puts an instance in two subsets of one round, so counts differ by at most one per round of clients', () => {
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 60 }), fc.integer({ min: 1, max: 12 }), fc.nat(1_000), (count, size, firstRound) => {
        const instances = fleet(count);
        const subsetCount = Math.max(1, Math.floor(count / size));
        const rounds = 6;
        const clients = new Map<string, number>(instances.map((instance) => [instance.id, 0]));
        // Whole rounds of consecutive client ids, as a fleet with dense ids has.
        for (let round = firstRound; round < firstRound + rounds; round++) {
          const inRound = new Map<string, number>();
          for (let clientId = round * subsetCount; clientId < (round + 1) * subsetCount; clientId++) {
            for (const id of subsetFor(clientId, size, instances)) {
              inRound.set(id, (inRound.get(id) ?? 0) + 1);
              clients.set(id, (clients.get(id) ?? 0) + 1);
            }
          }
          assert.ok([...inRound.values()].every((times) => times === 1));
          assert.equal(inRound.size, Math.min(count, subsetCount * size));
        }
        const counts = [...clients.values()];
        const spread = Math.max(...counts) - Math.min(...counts);
        assert.ok(spread <= (count % size === 0 || count <= size ? 0 : rounds), `spread ${spread}`);
      }),
      { numRuns: 60 },
    );
  });

  test('gives a client the same subset whatever order discovery lists the instances in', () => {
    const instances = fleet(50);
    const reversed = Object.freeze([...instances].reverse());
    for (const clientId of [0, 7, 123]) assert.deepEqual(subsetFor(clientId, 5, reversed), subsetFor(clientId, 5, instances));
  });

  test('on churn that keeps the subset count, a client keeps its subset or swaps exactly one member', () => {
    // 105 instances of size 10: 10 subsets, and still 10 with one instance more or less.
    const instances = fleet(105);
    let unchanged = 0;
    for (let clientId = 0; clientId < 40; clientId++) {
      const before = subsetFor(clientId, 10, instances);
      const leaver = instances.find((instance) => !before.includes(instance.id))!;
      const afterLeave = subsetFor(clientId, 10, Object.freeze(instances.filter((instance) => instance !== leaver)));
      const afterJoin = subsetFor(clientId, 10, Object.freeze([...instances, instanceAt(9999)]));
      for (const after of [afterLeave, afterJoin]) {
        const changed = symmetricDifference(before, after);
        assert.ok(changed === 0 || changed === 2, `client ${clientId}: ${changed / 2} members changed`);
        if (changed === 0) unchanged++;
      }
      assert.ok(!afterLeave.includes(leaver.id));
    }
    assert.ok(unchanged > 0, 'some clients keep their whole subset');
  });

  test('draws subsets afresh when the instance count crosses a multiple of size, still evenly', () => {
    const shrunk = fleet(99);
    const clients = new Map<string, number>();
    for (let clientId = 0; clientId < 90; clientId++) {
      for (const id of subsetFor(clientId, 10, shrunk)) clients.set(id, (clients.get(id) ?? 0) + 1);
    }
    const counts = [...clients.values()];
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 10, `${Math.min(...counts)}..${Math.max(...counts)}`);
    assert.notDeepEqual(subsetFor(5, 10, shrunk), subsetFor(5, 10, fleet(100)));
  });

  test('hands the inner picker every instance when there are no more than size, and one array per set', () => {
    const seen = new Set<readonly Instance[]>();
    const inner: Picker = {
      pick: (candidates) => {
        seen.add(candidates);
        return candidates[candidates.length - 1];
      },
    };
    const small = fleet(4);
    const picker = subset(inner, { size: 10, clientId: 3 });
    assert.equal(picker.pick(small, requestTo(small)), small[3]);
    const none = Object.freeze([]);
    assert.equal(picker.pick(none, requestTo(none)), undefined);
    const large = fleet(40);
    for (let n = 0; n < 5; n++) picker.pick(large, requestTo(large));
    assert.equal(seen.size, 2);
  });

  test('forwards the hooks to the inner picker, also for instances outside the subset', () => {
    const events: string[] = [];
    const inner: Picker = {
      pick: (candidates) => candidates[0],
      onRequestStart: (instance) => events.push(`start ${instance.id}`),
      onRequestEnd: (instance) => events.push(`end ${instance.id}`),
    };
    const picker = subset(inner, { size: 2, clientId: 0 });
    const ten = fleet(10);
    const context = requestTo(ten);
    picker.pick(ten, context);
    const outsider = instanceAt(7000);
    picker.onRequestStart!(outsider, context);
    picker.onRequestEnd!(outsider, success, context);
    assert.deepEqual(events, ['start i-7000', 'end i-7000']);
  });

  test('draws subsets from the membership: a breaker opening outside a client’s subset moves nothing (repro 05)', () => {
    const members = fleet(100);
    let moved = 0;
    for (let clientId = 0; clientId < 200; clientId++) {
      const inner = new Recorder();
      const picker = subset(inner, { size: 10, clientId });
      picker.pick(members, requestTo(members));
      const before = inner.candidates;
      const victim = members.find((instance) => !before.includes(instance))!;
      picker.pick(Object.freeze(members.filter((instance) => instance !== victim)), requestTo(members));
      // The very array, so the inner picker's own derived state is kept too.
      if (inner.candidates !== before) moved++;
    }
    assert.equal(moved, 0);
  });

  test('narrows the subset to what is available, and hands the inner picker the whole subset as its membership', () => {
    const members = fleet(30);
    const inner = new Recorder();
    const picker = subset(inner, { size: 5, clientId: 4 });
    picker.pick(members, requestTo(members));
    const whole = inner.candidates;
    const [out, ...rest] = whole;
    const available = Object.freeze(members.filter((instance) => instance !== out));
    picker.pick(available, requestTo(members));
    assert.deepEqual(inner.candidates, rest);
    assert.equal(inner.members, whole);
    picker.pick(members, requestTo(members));
    assert.equal(inner.candidates, whole);
  });

  test('sends a request to the other available instances, in turn, when none of its subset is available', () => {
    const members = fleet(30);
    const inner = new Recorder();
    const picker = subset(inner, { size: 5, clientId: 9 });
    picker.pick(members, requestTo(members));
    const mine = inner.candidates;
    const others = Object.freeze(members.filter((instance) => !mine.includes(instance)));
    const chosen = new Set(Array.from({ length: others.length }, () => picker.pick(others, requestTo(members))!.id));
    assert.equal(chosen.size, others.length);
    assert.equal(inner.candidates, mine, 'the inner picker was not asked');
  });

  test('sends a retry outside the subset once it has tried every available member of it', () => {
    const members = fleet(30);
    const inner = new Recorder();
    const picker = subset(inner, { size: 3, clientId: 2 });
    picker.pick(members, requestTo(members));
    const mine = inner.candidates;
    const chosen = picker.pick(members, requestTo(members, { tried: mine }))!;
    assert.ok(!mine.includes(chosen));
    // With one member untried, the inner picker chooses among the subset again.
    picker.pick(members, requestTo(members, { tried: mine.slice(1) }));
    assert.deepEqual(inner.candidates, mine);
  });

  test('rejects a size below 1 and a clientId that is not a whole number of at least 0', () => {
    const inner: Picker = { pick: (candidates) => candidates[0] };
    assert.throws(() => subset(inner, { size: 0, clientId: 1 }), InvalidOptionError);
    assert.throws(() => subset(inner, { size: 3, clientId: -1 }), /clientId/);
    assert.throws(() => subset(inner, { size: 3, clientId: 1.5 }), /clientId/);
  });

  test('only ever returns one of the instances it is given, through churn', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.integer({ min: 9000, max: 9060 }), { maxLength: 30 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 8 }),
        fc.nat(500),
        (sets, size, clientId) => {
          const picker = subset({ pick: (candidates) => candidates[candidates.length >> 1] }, { size, clientId });
          for (const ports of sets) {
            const instances = Object.freeze(ports.map((port) => instanceAt(port)));
            const chosen = picker.pick(instances, requestTo(instances));
            if (instances.length === 0) assert.equal(chosen, undefined);
            else assert.ok(chosen !== undefined && instances.includes(chosen));
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

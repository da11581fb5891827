import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { seededRandom } from '../../lib/clock.js';
import type { Instance } from '../../lib/discovery/instance.js';
import { InvalidOptionError } from '../../lib/errors/invalid-option-error.js';
import { locality, type LocalityOptions } from '../../lib/pickers/locality.js';
import type { Picker, RequestResult } from '../../lib/pickers/picker.js';
import { instanceAt } from '../support/fake-discovery.js';
import { requestTo } from './request-context.js';

const success: RequestResult = { latencyMs: 1, outcome: 'success', status: 200 };

let nextPort = 9000;
/** An instance whose node carries `zone` in its meta. */
function inZone(zone: string): Instance {
  const port = nextPort++;
  return instanceAt(port, { node: { name: `node-${port}`, address: '127.0.0.1', datacenter: 'dc1', meta: { zone } } });
}

function zones(layout: Record<string, number>): readonly Instance[] {
  return Object.freeze(Object.entries(layout).flatMap(([zone, count]) => Array.from({ length: count }, () => inZone(zone))));
}

function zoneShares(picker: Picker, instances: readonly Instance[], picks: number): Record<string, number> {
  const counts: Record<string, number> = {};
  const context = requestTo(instances);
  for (let n = 0; n < picks; n++) {
    const zone = picker.pick(instances, context)!.node.meta.zone ?? 'none';
    counts[zone] = (counts[zone] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).map(([zone, count]) => [zone, count / picks]));
}

describe('locality', () => {
  test('keeps every request in the caller’s zone while it holds an even share of the instances', () => {
    const instances = zones({ a: 3, b: 3, c: 3 });
    const shares = zoneShares(locality({ zone: 'b', random: seededRandom(1) }), instances, 3_000);
    assert.deepEqual(shares, { b: 1 });
  });

  test('spills the local shortfall to the zones with a surplus, in proportion to it (Envoy’s split)', () => {
    // Even share 1/3 each. Zone a holds 1/8: it keeps (1/8)/(1/3) = 37.5 %. The 62.5 % spilled goes by
    // surplus: b has 3/8 − 1/3 = 1/24, c has 4/8 − 1/3 = 4/24, so b gets 12.5 % and c 50 %.
    const instances = zones({ a: 1, b: 3, c: 4 });
    const shares = zoneShares(locality({ zone: 'a', random: seededRandom(2) }), instances, 40_000);
    assert.ok(Math.abs(shares.a! - 0.375) < 0.01, `a: ${shares.a}`);
    assert.ok(Math.abs(shares.b! - 0.125) < 0.01, `b: ${shares.b}`);
    assert.ok(Math.abs(shares.c! - 0.5) < 0.01, `c: ${shares.c}`);
  });

  test('tolerates a shortfall down to spillBelow of an even share before spilling, and spills less below it', () => {
    const instances = zones({ a: 2, b: 3, c: 3 });
    // a holds 2/8 = 75 % of an even share (1/3).
    assert.deepEqual(zoneShares(locality({ zone: 'a', spillBelow: 0.7, random: seededRandom(3) }), instances, 2_000), { a: 1 });
    const shares = zoneShares(locality({ zone: 'a', spillBelow: 0.9, random: seededRandom(3) }), instances, 40_000);
    // Keeps 0.25 / (0.9 × 1/3) ≈ 83.3 %.
    assert.ok(Math.abs(shares.a! - 0.25 / 0.3) < 0.01, `a: ${shares.a}`);
  });

  test('turns zone-aware routing off, spreading over every instance, when the zone has fewer than minLocal instances', () => {
    const instances = zones({ a: 1, b: 4, c: 4 });
    const shares = zoneShares(locality({ zone: 'a', minLocal: 2, random: seededRandom(4) }), instances, 45_000);
    assert.ok(Math.abs(shares.a! - 1 / 9) < 0.01, `a: ${shares.a}`);
    const empty = zoneShares(locality({ zone: 'z', random: seededRandom(4) }), instances, 9_000);
    assert.equal(Object.keys(empty).length, 3);
  });

  test('reads the zone from node meta, then service meta, or from the given key or function', () => {
    const fromService = instanceAt(8001, { meta: { zone: 'a' } });
    const nodeWins = instanceAt(8002, {
      meta: { zone: 'b' },
      node: { name: 'n', address: '127.0.0.1', datacenter: 'dc1', meta: { zone: 'a' } },
    });
    const elsewhere = instanceAt(8003, { meta: { zone: 'b' } });
    const instances = Object.freeze([fromService, nodeWins, elsewhere]);
    const context = requestTo(instances);
    const byDefault = locality({ zone: 'a', spillBelow: 0, random: seededRandom(5) });
    const chosen = new Set(Array.from({ length: 200 }, () => byDefault.pick(instances, context)!.id));
    assert.deepEqual([...chosen].sort(), ['i-8001', 'i-8002']);

    const racked = Object.freeze([instanceAt(8004, { meta: { rack: 'r1' } }), instanceAt(8005, { meta: { rack: 'r2' } })]);
    const byKey = locality({ zone: 'r2', zoneOf: 'rack', spillBelow: 0 });
    assert.equal(byKey.pick(racked, requestTo(racked))!.id, 'i-8005');
    const byFunction = locality({ zone: 'p8004', zoneOf: (instance) => `p${instance.port}`, spillBelow: 0 });
    assert.equal(byFunction.pick(racked, requestTo(racked))!.id, 'i-8004');
  });

  test('hands the inner picker the same zone array on every pick, and forwards the hooks to it', () => {
    const instances = zones({ a: 3, b: 3 });
    const context = requestTo(instances);
    const seenArrays = new Set<readonly Instance[]>();
    const events: string[] = [];
    const inner: Picker = {
      pick: (candidates) => {
        seenArrays.add(candidates);
        return candidates[0];
      },
      onRequestStart: (instance) => events.push(`start ${instance.id}`),
      onRequestEnd: (instance, result) => events.push(`end ${instance.id} ${result.outcome}`),
    };
    const picker = locality({ zone: 'a', picker: inner });
    for (let n = 0; n < 10; n++) picker.pick(instances, context);
    assert.equal(seenArrays.size, 1);
    const [local] = [...seenArrays];
    assert.deepEqual(local, instances.slice(0, 3));
    picker.onRequestStart!(instances[0]!, context);
    picker.onRequestEnd!(instances[0]!, success, context);
    assert.deepEqual(events, [`start ${instances[0]!.id}`, `end ${instances[0]!.id} success`]);
  });

  test('keeps a wholly available zone’s array when an instance of another zone is taken out', () => {
    const members = zones({ a: 3, b: 3, c: 3 });
    const handed: (readonly Instance[])[] = [];
    const inner: Picker = {
      pick: (candidates, context) => {
        handed.push(candidates);
        assert.equal(context.members, members);
        return candidates[0];
      },
    };
    const picker = locality({ zone: 'a', picker: inner });
    picker.pick(members, requestTo(members));
    const withoutOneOfB = Object.freeze(members.filter((instance) => instance !== members[4]));
    picker.pick(withoutOneOfB, requestTo(members));
    assert.equal(handed[1], handed[0]);
    assert.deepEqual(handed[0], members.slice(0, 3));
  });

  test('sends a retry to another zone once it has tried every available instance of its own', () => {
    const members = zones({ a: 2, b: 2 });
    const picker = locality({ zone: 'a', random: seededRandom(6) });
    const tried = members.slice(0, 2);
    for (let n = 0; n < 20; n++) {
      const chosen = picker.pick(members, requestTo(members, { tried }))!;
      assert.equal(chosen.node.meta.zone, 'b');
    }
    assert.ok(tried.includes(picker.pick(members, requestTo(members, { tried: tried.slice(1) }))!));
  });

  test('rejects an empty zone, an empty zone key, a minLocal below 1 and a spillBelow outside 0..1', () => {
    assert.throws(() => locality({ zone: '' }), InvalidOptionError);
    assert.throws(() => locality({ zone: 'a', zoneOf: '' }), /zoneOf/);
    assert.throws(() => locality({ zone: 'a', minLocal: 0 }), /minLocal/);
    assert.throws(() => locality({ zone: 'a', spillBelow: 1.5 }), /spillBelow/);
    assert.throws(() => locality(undefined as unknown as LocalityOptions), { option: 'zone' });
  });

  test('only ever returns one of the instances it is given, through churn and hooks on departed instances', () => {
    const zoneNames = ['a', 'b', 'c', ''];
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom(...zoneNames), { maxLength: 12 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(...zoneNames.slice(0, 3)),
        fc.integer({ min: 1, max: 3 }),
        (sets, zone, minLocal) => {
          const picker = locality({ zone, minLocal, random: seededRandom(9) });
          let previous: readonly Instance[] = [];
          for (const layout of sets) {
            const instances = Object.freeze(layout.map((name) => (name === '' ? instanceAt(nextPort++) : inZone(name))));
            const context = requestTo(instances);
            for (const gone of previous) {
              picker.onRequestStart!(gone, context);
              picker.onRequestEnd!(gone, success, context);
            }
            for (let n = 0; n < 20; n++) {
              const chosen = picker.pick(instances, context);
              if (instances.length === 0) assert.equal(chosen, undefined);
              else assert.ok(chosen !== undefined && instances.includes(chosen));
            }
            previous = instances;
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

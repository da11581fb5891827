import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ManualClock, seededRandom } from '../../lib/clock.js';
import type { Instance } from '../../lib/discovery/instance.js';
import { InvalidOptionError } from '../../lib/errors/invalid-option-error.js';
import { p2cEwma } from '../../lib/pickers/p2c-ewma.js';
import type { Picker, RequestResult, ServerLoad } from '../../lib/pickers/picker.js';
import { serverLoad } from '../../lib/pickers/server-load.js';
import { instanceAt } from '../support/fake-discovery.js';
import { requestTo } from './request-context.js';

const fleet = Object.freeze([9000, 9001, 9002, 9003].map((port) => instanceAt(port)));
const [busy, , , slow] = fleet as [Instance, Instance, Instance, Instance];
const context = requestTo(fleet);

function report(requestsInFlight: number): ServerLoad {
  return { requestsInFlight, cpuUtilization: undefined, requestsPerSecond: undefined, named: undefined };
}

/** One request every `intervalMs`, answered at once as `respond` says; the share each instance received. */
function drive(picker: Picker, clock: ManualClock, requests: number, respond: (instance: Instance) => RequestResult, intervalMs = 5): Map<Instance, number> {
  const shares = new Map<Instance, number>(fleet.map((instance) => [instance, 0]));
  for (let n = 0; n < requests; n++) {
    clock.advance(intervalMs);
    const instance = picker.pick(fleet, context) as Instance;
    picker.onRequestStart?.(instance, context);
    picker.onRequestEnd?.(instance, respond(instance), context);
    shares.set(instance, (shares.get(instance) as number) + 1 / requests);
  }
  return shares;
}

describe('server-load picker', () => {
  test('sends little to an instance other clients keep busy, which a client-side picker cannot see', () => {
    // Every instance answers in 10 ms to this client; `busy` reports 30 requests in flight from other callers.
    const respond = (instance: Instance): RequestResult => ({
      latencyMs: 10,
      outcome: 'success',
      status: 200,
      serverLoad: report(instance === busy ? 31 : 2),
    });
    const clock = new ManualClock();
    const reporting = drive(serverLoad({ clock, random: seededRandom(1) }), clock, 2_000, respond);
    const blindClock = new ManualClock();
    const blind = drive(p2cEwma({ clock: blindClock, random: seededRandom(1) }), blindClock, 2_000, respond);
    assert.ok((reporting.get(busy) as number) < 0.02, `server-load gave the busy instance ${reporting.get(busy)}`);
    assert.ok((blind.get(busy) as number) > 0.15, `p2c-ewma, blind to other callers, gave it ${blind.get(busy)}`);
  });

  test('among the cold instances, the fastest wins', () => {
    const clock = new ManualClock();
    const picker = serverLoad({ clock, random: seededRandom(2) });
    const shares = drive(picker, clock, 2_000, (instance) => ({
      latencyMs: instance === slow ? 80 : 10,
      outcome: 'success',
      serverLoad: report(1),
    }));
    assert.ok((shares.get(slow) as number) < 0.05, `the slow instance got ${shares.get(slow)}`);
  });

  test('falls back to p2c-ewma for instances that report nothing', () => {
    const clock = new ManualClock();
    const shares = drive(serverLoad({ clock, random: seededRandom(3) }), clock, 2_000, (instance) => ({
      latencyMs: instance === slow ? 200 : 10,
      outcome: 'success',
    }));
    assert.ok((shares.get(slow) as number) < 0.05, `the slow, silent instance got ${shares.get(slow)}`);
  });

  test('a report older than maxReportAgeMs is not used', () => {
    const clock = new ManualClock();
    const picker = serverLoad({ clock, random: seededRandom(4), maxReportAgeMs: 1_000 });
    // Once, `busy` said it was swamped; then nothing more is reported, by anyone.
    picker.pick(fleet, context);
    picker.onRequestStart?.(busy, context);
    picker.onRequestEnd?.(busy, { latencyMs: 10, outcome: 'success', serverLoad: report(50) }, context);
    for (const other of fleet.slice(1)) {
      picker.onRequestStart?.(other, context);
      picker.onRequestEnd?.(other, { latencyMs: 10, outcome: 'success', serverLoad: report(1) }, context);
    }
    const early = drive(picker, clock, 100, () => ({ latencyMs: 10, outcome: 'success' }), 1);
    assert.ok((early.get(busy) as number) < 0.05, `while the report is fresh: ${early.get(busy)}`);
    clock.advance(2_000);
    const late = drive(picker, clock, 2_000, () => ({ latencyMs: 10, outcome: 'success' }), 0);
    assert.ok((late.get(busy) as number) > 0.15, `once it is stale the instance is judged as any other: ${late.get(busy)}`);
  });

  test("a fast 503 does not attract traffic: the instance stays hot for as long as its Retry-After asks", () => {
    const clock = new ManualClock();
    const picker = serverLoad({ clock, random: seededRandom(5) });
    let failing = true;
    const respond = (instance: Instance): RequestResult =>
      instance === busy && failing
        ? { latencyMs: 0.2, outcome: 'failure', status: 503, retryAfterMs: 2_000, serverLoad: report(1) }
        : { latencyMs: 10, outcome: 'success', status: 200, serverLoad: report(1) };
    const during = drive(picker, clock, 300, respond);
    assert.ok((during.get(busy) as number) < 0.03, `the failing instance got ${during.get(busy)}`);
    failing = false;
    clock.advance(20_000);
    const after = drive(picker, clock, 3_000, respond, 10);
    assert.ok((after.get(busy) as number) > 0.1, `after Retry-After and recovery it is back: ${after.get(busy)}`);
  });

  test('a retry goes to a candidate the request has not tried, whatever the reports say', () => {
    fc.assert(
      fc.property(fc.integer(), fc.subarray([...fleet], { minLength: 0, maxLength: 3 }), (seed, tried) => {
        const clock = new ManualClock();
        const picker = serverLoad({ clock, random: seededRandom(seed) });
        picker.pick(fleet, context);
        for (const instance of fleet) {
          picker.onRequestStart?.(instance, context);
          picker.onRequestEnd?.(instance, { latencyMs: 5, outcome: 'success', serverLoad: report(instance === busy ? 0 : 9) }, context);
        }
        const chosen = picker.pick(fleet, requestTo(fleet, { tried })) as Instance;
        return fleet.includes(chosen) && !tried.some((t) => t.id === chosen.id);
      }),
    );
  });

  test('options are checked: names, ranges', () => {
    assert.throws(() => serverLoad({ candidates: 1 }), InvalidOptionError);
    assert.throws(() => serverLoad({ coldQuantile: 0 }), InvalidOptionError);
    assert.throws(() => serverLoad({ maxReportAgeMs: -1 }), InvalidOptionError);
    assert.throws(() => serverLoad({ coldQuantil: 0.5 } as never), /did you mean `server-load.coldQuantile`/);
  });
});

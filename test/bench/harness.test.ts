// The benchmark harness measures what it says: percentiles within the histogram's precision, an open loop that
// keeps its schedule and counts a stall against the sender, and a bar chart that is a standalone SVG.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { bytesPerCall } from '../../bench/support/allocation.js';
import { barChart } from '../../bench/support/bar-chart.js';
import { closedLoop } from '../../bench/support/closed-loop.js';
import { HdrHistogram } from '../../bench/support/hdr-histogram.js';
import { openLoop } from '../../bench/support/open-loop.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('benchmark harness', () => {
  test('the HDR histogram gives every percentile within 0.1 % of the exact one', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3_600_000_000 }), { minLength: 1, maxLength: 400 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (values, p) => {
        const histogram = new HdrHistogram();
        for (const value of values) histogram.record(value);
        const sorted = [...values].sort((a, b) => a - b);
        const exact = sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number;
        const measured = histogram.percentile(p);
        return Math.abs(measured - exact) <= Math.max(1, exact * 0.001) && histogram.count === values.length;
      }),
    );
  });

  test('merged histograms answer as one that recorded everything', () => {
    const a = new HdrHistogram();
    const b = new HdrHistogram();
    const all = new HdrHistogram();
    for (let i = 0; i < 1_000; i++) {
      (i % 2 === 0 ? a : b).record(i * 37);
      all.record(i * 37);
    }
    a.merge(b);
    for (const p of [0.5, 0.9, 0.99, 1]) assert.equal(a.percentile(p), all.percentile(p));
    assert.equal(a.max, all.max);
  });

  test('the open loop keeps its schedule, and counts a stall from when each request was due', { timeout: 10_000 }, async () => {
    let stalled = false;
    const result = await openLoop({
      ratePerSecond: 200,
      durationMs: 500,
      send: async () => {
        if (!stalled) {
          stalled = true;
          // The first answer takes 200 ms: the requests due meanwhile are still sent on time.
          await sleep(200);
        }
      },
    });
    assert.ok(result.sent >= 95 && result.sent <= 100, `sent ${result.sent} of 100 due`);
    assert.equal(result.errors, 0);
    assert.ok(result.latency.max >= 190_000, `the stalled request counts its 200 ms (max ${result.latency.max} µs)`);
    assert.ok(result.latency.percentile(0.5) < 50_000, `the rest were not held behind it (p50 ${result.latency.percentile(0.5)} µs)`);
  });

  test('the open loop drops what would exceed maxInFlight, and counts errors', { timeout: 10_000 }, async () => {
    const result = await openLoop({ ratePerSecond: 400, durationMs: 250, maxInFlight: 5, send: () => sleep(100).then(() => Promise.reject(new Error('no'))) });
    assert.ok(result.dropped > 0, 'requests due while five were out are dropped');
    assert.equal(result.errors, result.sent);
  });

  test('the closed loop keeps its workers busy for the duration', { timeout: 10_000 }, async () => {
    const result = await closedLoop(4, 200, () => sleep(10));
    assert.ok(result.throughput > 100 && result.throughput < 500, `about 4 / 10 ms = 400 per second; got ${result.throughput.toFixed(0)}`);
  });

  test('a bar chart is a standalone SVG with a bar and a label per contender', () => {
    const svg = barChart('Throughput', 'req/s', [{ label: 'proxyless', value: 3_000 }, { label: 'nginx <rr>', value: 1_500 }], (label) => label === 'proxyless');
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.equal((svg.match(/<rect x="230" y="[\d.]+" width="[\d.]+" height="20"/g) ?? []).length, 2);
    assert.match(svg, /nginx &lt;rr&gt;/);
  });

  test('bytes per call count the garbage a call leaves, not only what it keeps', async () => {
    let kept = 0;
    // A 2,000-slot array is 16 KB of V8 heap; nothing of it outlives the call.
    const bytes = await bytesPerCall(2_000, 1, async () => {
      kept += new Array<number>(2_000).fill(0).length;
    });
    assert.equal(kept, 4_000_000);
    assert.ok(bytes > 15_000 && bytes < 24_000, `about 16 KB per call, measured ${Math.round(bytes)} bytes`);
    const idle = await bytesPerCall(2_000, 1, async () => undefined);
    assert.ok(idle < 1_000, `a call that allocates nothing of its own: ${Math.round(idle)} bytes`);
  });
});

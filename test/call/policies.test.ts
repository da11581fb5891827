import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fullJitterBackoff } from '../../lib/call/backoff.js';
import { ObservedLatency } from '../../lib/call/observed-latency.js';
import { retryAfterMs } from '../../lib/call/retry-after.js';
import { RetryBudget } from '../../lib/call/retry-budget.js';
import { resolveRetryOptions } from '../../lib/call/retry-options.js';
import { isIdempotent, retryVerdict } from '../../lib/call/retry-rule.js';
import { ManualClock, seededRandom } from '../../lib/clock.js';
import type { AttemptFailureKind } from '../../lib/transport/attempt-outcome.js';

const defaults = resolveRetryOptions(undefined);
const kinds: (AttemptFailureKind | 'response')[] = ['never-sent', 'connection-lost', 'timed-out', 'cancelled', 'failed', 'response'];
const methods = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE', 'POST', 'PATCH', 'CONNECT'];

describe('the retry rule', () => {
  test('holds for every outcome, method and status: nothing that may have reached a server is repeated unless that is harmless', () => {
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.constantFrom(...methods), fc.integer({ min: 100, max: 599 }), fc.boolean(), (kind, method, status, keyed) => {
        const idempotent = isIdempotent(method, keyed ? { 'idempotency-key': 'k' } : {}, defaults);
        const response = kind === 'response' ? { status, statusText: '', headers: {}, body: new Uint8Array(0) } : undefined;
        const verdict = retryVerdict(kind, response, idempotent, defaults);
        if (kind === 'never-sent') assert.equal(verdict, 'resend', 'what never left may go anywhere, whatever its method');
        else if (kind === 'cancelled' || kind === 'failed') assert.equal(verdict, 'final');
        else if (kind === 'response' && ![502, 503, 504].includes(status)) assert.equal(verdict, 'final');
        else assert.equal(verdict, idempotent ? 'retry' : 'not-idempotent');
        if (verdict === 'retry') assert.ok(idempotent);
      }),
    );
  });

  test('retry.statuses means any status listed, 429 included', () => {
    const options = resolveRetryOptions({ statuses: [429] });
    const response = { status: 429, statusText: '', headers: {}, body: new Uint8Array(0) };
    assert.equal(retryVerdict('response', response, true, options), 'retry');
    assert.equal(retryVerdict('response', { ...response, status: 503 }, true, options), 'final');
  });
});

describe('the retry budget', () => {
  test('never lets retries exceed the reserve plus the ratio of requests over any window', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gapMs: fc.integer({ min: 0, max: 3_000 }), requests: fc.integer({ min: 0, max: 50 }), retries: fc.integer({ min: 0, max: 50 }) }), { maxLength: 40 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 5 }),
        (steps, ratio, minPerSecond) => {
          const clock = new ManualClock(0);
          const budget = new RetryBudget({ ratio, minPerSecond, windowMs: 10_000 }, clock);
          const log: { bucket: number; requests: number; granted: number }[] = [];
          for (const step of steps) {
            clock.advance(step.gapMs);
            for (let i = 0; i < step.requests; i++) budget.deposit();
            let granted = 0;
            for (let i = 0; i < step.retries; i++) if (budget.tryWithdraw()) granted++;
            const bucket = Math.floor(clock.now() / 1_000);
            log.push({ bucket, requests: step.requests, granted });
            // The promise is made when a retry is granted: then, over the window (the last ten one-second
            // buckets, this one included), retries stay within the reserve plus the ratio of requests.
            if (granted === 0) continue;
            const recent = log.filter((entry) => entry.bucket > bucket - 10);
            const requests = recent.reduce((sum, entry) => sum + entry.requests, 0);
            const retries = recent.reduce((sum, entry) => sum + entry.granted, 0);
            assert.ok(retries <= minPerSecond * 10 + ratio * requests + 1e-9, `${retries} retries for ${requests} requests`);
          }
        },
      ),
    );
  });

  test('refills as deposits age out, and always holds the reserve for a quiet client', () => {
    const clock = new ManualClock(0);
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 1, windowMs: 10_000 }, clock);
    let granted = 0;
    while (budget.tryWithdraw()) granted++;
    assert.equal(granted, 10, 'one a second over ten seconds');
    clock.advance(11_000);
    assert.equal(budget.tryWithdraw(), true);
  });
});

describe('backoff and Retry-After', () => {
  test('full jitter stays within [0, min(max, base × 2^(n−1)))', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 1, max: 10_000 }), fc.integer(), (retry, base, extra, seed) => {
        const options = { baseMs: base, maxMs: base + extra };
        const delay = fullJitterBackoff(retry, options, seededRandom(seed));
        assert.ok(delay >= 0 && delay < Math.min(options.maxMs, base * 2 ** (retry - 1)) + 1e-9);
      }),
    );
  });

  test('Retry-After is read as seconds or as an HTTP date, and ignored when unreadable', () => {
    assert.equal(retryAfterMs('3'), 3_000);
    assert.equal(retryAfterMs(['0']), 0);
    const now = Date.parse('2026-11-24T12:00:00Z');
    assert.equal(retryAfterMs('Tue, 24 Nov 2026 12:00:05 GMT', now), 5_000);
    assert.equal(retryAfterMs('soon'), undefined);
    assert.equal(retryAfterMs(undefined), undefined);
  });
});

describe('the observed latency', () => {
  test('follows the 95th percentile within its bucket width', () => {
    const observed = new ObservedLatency();
    for (let i = 1; i <= 1_000; i++) observed.observe(i % 100 === 0 ? 500 : 10);
    // 1 % at 500 ms, 99 % at 10 ms: the p95 is 10 ms, give or take the 10 % bucket.
    assert.ok(observed.valueMs !== undefined && observed.valueMs >= 10 && observed.valueMs <= 11.1, String(observed.valueMs));
  });
});

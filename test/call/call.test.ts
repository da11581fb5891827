import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import type { CallResult } from '../../lib/call/call.js';
import type { Picker } from '../../lib/pickers/picker.js';
import { OneShotBody } from '../../lib/transport/request-body.js';
import { settle, testBalancer } from '../support/test-balancer.js';

/** Chooses instances in port order, untried first: the test decides where each attempt goes. */
const inPortOrder: Picker = {
  name: 'in-port-order',
  pick: (instances, context) => [...instances].sort((x, y) => x.port - y.port).find((i) => !context.tried(i)) ?? instances[0],
};

function statusOf(result: CallResult): number | string {
  return result.kind === 'response' ? result.response.status : result.reason;
}

describe('a call and its attempts', () => {
  test('the deadline ends the call exactly when it passes, with every attempt under way counted as timed out', async () => {
    const t = testBalancer({ behaviour: () => ({ hang: true }), retry: { attempts: 10, attemptTimeoutMs: 300, backoff: false, budget: false } });
    const box: { result?: CallResult } = {};
    void t.call({ deadlineMs: 1_000 }).then((r) => (box.result = r));
    await t.advance(999);
    assert.equal(box.result, undefined);
    await t.advance(1);
    const result = box.result as CallResult | undefined;
    assert.ok(result?.kind === 'failure');
    assert.equal(result.reason, 'deadline');
    // Attempts at 0, 300 and 600 timed out; the one sent at 900 was still waiting when the deadline took it.
    assert.deepEqual(t.transport.sent.map((s) => s.at), [0, 300, 600, 900]);
    const outcomes = result.report.attempts.map((a) => a.outcome);
    assert.deepEqual(outcomes, ['timed-out', 'timed-out', 'timed-out', 'timed-out']);
    await t.balancer.close();
  });

  test('an attempt that times out goes to another instance, and an answer within the deadline is the result', async () => {
    const t = testBalancer({
      behaviour: (instance) => (instance.port === 10_000 ? { hang: true } : { status: 200, afterMs: 20 }),
      retry: { attemptTimeoutMs: 100, backoff: false },
      picker: inPortOrder,
    });
    const result = t.call({ deadlineMs: 1_000 });
    await t.advance(130);
    const r = await result;
    assert.equal(statusOf(r), 200);
    assert.equal(r.kind === 'response' && r.report?.attempts[0]?.outcome, 'timed-out');
    assert.equal(t.transport.sent[0]?.ended, 'cancelled', 'the late attempt was aborted');
    await t.balancer.close();
  });

  test('never-sent attempts go to other instances at once whatever the method, each instance once', async () => {
    const t = testBalancer({ instances: 4, behaviour: (instance) => (instance.port < 10_003 ? { fail: 'never-sent' } : { status: 201 }) });
    const r = await Promise.all([t.call({ method: 'POST' }), t.advance(1)]).then(([result]) => result);
    assert.equal(statusOf(r), 201);
    assert.equal(t.transport.sent.length, 4);
    const ports = t.transport.sent.map((s) => s.instance.port);
    assert.equal(new Set(ports).size, ports.length, 'no instance twice');
    assert.ok(t.transport.sent.every((s) => s.at === 0), 'no backoff before resending what never left');
    await t.balancer.close();
  });

  test('a POST whose connection was lost is not sent again; with an Idempotency-Key it is', async () => {
    const t = testBalancer({ behaviour: (_instance, attempt) => (attempt === 1 || attempt === 2 ? { fail: 'connection-lost' } : { status: 200 }) });
    const first = await Promise.all([t.call({ method: 'POST' }), t.advance(1)]).then(([r]) => r);
    assert.equal(first.kind === 'failure' && first.report.notRetried, 'not-idempotent');
    assert.equal(t.transport.sent.length, 1);
    const second = t.call({ method: 'POST', headers: { 'idempotency-key': 'k1' } });
    await t.advance(300);
    assert.equal(statusOf(await second), 200);
    await t.balancer.close();
  });

  test('a one-shot body already read is never sent twice', async () => {
    const body = new OneShotBody(Readable.from(['x']));
    body.take().read(); // a transport pulled from it
    const t = testBalancer({ behaviour: () => ({ fail: 'never-sent' }) });
    const r = await Promise.all([t.call({ method: 'PUT', body }), t.advance(1)]).then(([result]) => result);
    assert.equal(r.kind === 'failure' && r.report.notRetried, 'body-not-replayable');
    assert.equal(t.transport.sent.length, 1);
    await t.balancer.close();
  });

  test('backoff waits before a retry of what may have reached a server, never past the deadline', async () => {
    const t = testBalancer({ behaviour: () => ({ status: 503 }), retry: { backoff: { baseMs: 100, maxMs: 100 } } });
    const r = t.call({ deadlineMs: 10_000 });
    await t.advance(300);
    const result = await r;
    assert.equal(statusOf(result), 503);
    assert.equal(t.transport.sent.length, 3);
    const gaps = t.transport.sent.slice(1).map((s, i) => s.at - t.transport.sent[i]!.at);
    assert.ok(gaps.every((gap) => gap >= 0 && gap < 100), `full jitter under the cap: ${gaps.join(', ')}`);
    await t.balancer.close();
  });

  test('a caller abort ends the call at once and counts nothing against the instance', async () => {
    const t = testBalancer({ behaviour: () => ({ hang: true }), breaker: { consecutiveFailures: 1 } });
    const controller = new AbortController();
    const box: { result?: CallResult } = {};
    void t.call({ signal: controller.signal }).then((r) => (box.result = r));
    await t.advance(10);
    controller.abort();
    await settle();
    assert.equal(box.result?.kind === 'failure' && box.result.reason, 'cancelled');
    assert.equal(t.transport.sent[0]?.ended, 'cancelled');
    assert.equal(t.balancer.breakerState(t.instances[0]!.id), 'closed');
    await t.balancer.close();
  });

  test('a hedge goes to another instance after its delay; the first answer wins and the other is aborted', async () => {
    const t = testBalancer({
      behaviour: (instance) => (instance.port === 10_000 ? { status: 200, afterMs: 500 } : { status: 200, afterMs: 30 }),
      hedge: { delayMs: 50 },
      picker: inPortOrder,
    });
    const r = t.call();
    await t.advance(100);
    const result = await r;
    assert.equal(result.kind === 'response' && result.instance.port, 10_001);
    assert.deepEqual(t.transport.sent.map((s) => [s.instance.port, s.at]), [[10_000, 0], [10_001, 50]]);
    assert.equal(result.kind === 'response' && result.report?.attempts.map((a) => a.hedge).join(), 'false,true');
    assert.equal(t.transport.sent[0]?.ended, 'cancelled');
    await t.balancer.close();
  });

  test('a POST is never hedged', async () => {
    const t = testBalancer({ behaviour: () => ({ status: 200, afterMs: 500 }), hedge: { delayMs: 50 } });
    const r = t.call({ method: 'POST' });
    await t.advance(501);
    assert.equal(statusOf(await r), 200);
    assert.equal(t.transport.sent.length, 1);
    await t.balancer.close();
  });
});

// Fault injection against real parts: a Consul agent, four Express instances in processes of their own,
// axios, opossum. Each test breaks the fleet in one way under load and counts what was lost: nothing
// where a retry is safe; where it is not, every failure reaches the caller as a typed error that says
// why, and no request is applied twice (the instances write each application to a ledger outside
// themselves, by `x-request-id`, before they answer). Figures are printed for docs/reliability.md
// (`npm run faults` gives medians over runs); the assertions are bounds that hold on a busy two-core
// machine.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import axios, { isAxiosError } from 'axios';
import { callReportOf } from '../../lib/call/call-report.js';
import type { BalancedClient } from '../../lib/client/balanced-client.js';
import type { InstanceStats } from '../support/instance-faults.js';
import type { TestInstance } from '../support/instance-process.js';
import { quantile, reportFigure } from '../support/figures.js';
import { sleep, waitFor } from '../support/load.js';
import { describeError, recordLoad, type Sent } from '../support/recorded-load.js';
import { startTestbed, type Testbed } from '../support/testbed.js';

describe('the failure path under injected faults', { timeout: 150_000 }, () => {
  let bed: Testbed;

  before(async () => {
    bed = await startTestbed('faults', 4);
  });

  beforeEach(async () => {
    await bed.restore();
  });

  after(async () => {
    await bed.stop();
  });

  const get = (client: BalancedClient, timeout?: number) => () => client.get<{ id: string }>('/whoami', timeout === undefined ? {} : { timeout });
  const post = (client: BalancedClient) => (requestId: string) =>
    client.post<{ id: string }>('/orders', { item: requestId }, { headers: { 'x-request-id': requestId } });

  test('one instance answering 503 to everything: no GET fails, and its breaker opens', async () => {
    const victim = bed.instances[0]!;
    const client = bed.client();
    await bed.visible(client);
    const opened = breakersOpened(client);
    await victim.setFault({ kind: 'status', status: 503 });
    const before = await victim.stats();

    const startedAt = performance.now();
    const load = recordLoad(8, () => ({ method: 'GET', send: get(client) }), { prefix: 'one503' });
    await waitFor(() => opened.has(victim.id), 10_000, "the failing instance's breaker to open").catch(() => undefined);
    const sent = await load.stopAfter(500);
    const failed = sent.filter((s) => s.error !== undefined);
    const answered503 = (await victim.stats()).received - before.received;
    reportFigure('one instance 503', 'GETs lost', failed.length, 'requests', sent.length);
    reportFigure('one instance 503', '503 answers, each retried elsewhere', answered503, 'attempts');
    reportFigure('one instance 503', 'breaker open after', (opened.get(victim.id) ?? Number.NaN) - startedAt, 'ms');

    assert.equal(failed.length, 0, `GETs lost: ${failed.slice(0, 5).map((s) => describeError(s.error)).join('; ')}`);
    assert.ok(opened.has(victim.id), "the failing instance's breaker opened");
  });

  test('every instance answering 503: attempts per request stay within the retry budget, and the caller gets the 503s', async () => {
    const client = bed.client();
    // The same client without a budget, side by side: what the fleet would get without one.
    const unbudgeted = bed.client({ retry: { budget: false } });
    await Promise.all([bed.visible(client), bed.visible(unbudgeted)]);
    for (const instance of bed.instances) await instance.setFault({ kind: 'status', status: 503 });
    const notRetried = new Map<string, number>();
    client.on('notRetried', ({ reason }) => notRetried.set(reason, (notRetried.get(reason) ?? 0) + 1));
    const before = await fleetStats(bed.instances);

    // Shorter than the budget's 10 s window, so no request's deposit expires while it is measured.
    const [sent, sentUnbudgeted] = await Promise.all([
      recordLoad(8, () => ({ method: 'GET', send: get(client) }), { prefix: 'all503' }).stopAfter(4_000),
      recordLoad(4, () => ({ method: 'GET', send: get(unbudgeted) }), { prefix: 'all503-unbudgeted' }).stopAfter(4_000),
    ]);
    const received = (await fleetStats(bed.instances)).received - before.received;
    const requests = sent.length;
    const attempts = attemptsOf(sent);
    const unbudgetedAttempts = attemptsOf(sentUnbudgeted);
    // The default budget: 20 % of requests, plus 10 a second over its 10 s window (100) in reserve from the start.
    const reserve = 100;
    reportFigure('every instance 503', 'attempts per request', attempts / requests, 'attempts');
    reportFigure('every instance 503', 'retries per request beyond the reserve of 100', (attempts - requests - reserve) / requests, 'retries');
    reportFigure('every instance 503', 'attempts per request without a budget', unbudgetedAttempts / sentUnbudgeted.length, 'attempts');
    reportFigure('every instance 503', 'not retried for budget', notRetried.get('budget') ?? 0, 'requests', requests);

    for (const s of [...sent, ...sentUnbudgeted]) {
      assert.ok(isAxiosError(s.error) && s.error.response?.status === 503, `the caller gets the 503: ${describeError(s.error)}`);
    }
    assert.equal(attempts + unbudgetedAttempts, received, "the call reports count every attempt the servers received");
    assert.ok(attempts <= requests * 1.2 + reserve, `${attempts} attempts for ${requests} requests (the budget allows ${requests * 1.2 + reserve})`);
    assert.ok(attempts > requests, 'retries were made while the budget lasted');
    assert.ok((notRetried.get('budget') ?? 0) > 0, 'failures past the budget are marked as such');
  });

  test('a one-second blip on every instance: traffic flows again within a second of recovery', async () => {
    const callers = [bed.client(), bed.client()];
    await Promise.all(callers.map((caller) => bed.visible(caller)));
    let opened = 0;
    for (const caller of callers) caller.on('breakerOpened', () => opened++);
    const load = recordLoad(8, (worker) => ({ method: 'GET', send: get(callers[worker % 2]!) }), { prefix: 'blip' });
    await sleep(500);
    const blipAt = performance.now();
    await Promise.all(bed.instances.map((instance) => instance.setFault({ kind: 'status', status: 503 })));
    await sleep(1_000);
    await Promise.all(bed.instances.map((instance) => instance.setFault({ kind: 'none' })));
    const recoveredAt = performance.now();
    await sleep(1_500);
    const sent = await load.stop();

    const afterRecovery = sent.filter((s) => s.startedAt >= recoveredAt);
    const failedAfter = afterRecovery.filter((s) => s.error !== undefined);
    const firstSuccess = Math.min(...afterRecovery.filter((s) => s.error === undefined).map((s) => s.endedAt));
    const lastFailure = Math.max(recoveredAt, ...sent.filter((s) => s.error !== undefined).map((s) => s.endedAt));
    const during = sent.filter((s) => s.startedAt >= blipAt && s.startedAt < recoveredAt);
    reportFigure('1 s blip', 'first success after recovery', firstSuccess - recoveredAt, 'ms');
    reportFigure('1 s blip', 'steady 100 % success after recovery (the last failure)', lastFailure - recoveredAt, 'ms');
    reportFigure('1 s blip', 'success rate in the 1.5 s after recovery', (100 * (afterRecovery.length - failedAfter.length)) / afterRecovery.length, '%');
    reportFigure('1 s blip', 'failed during the blip', during.filter((s) => s.error !== undefined).length, 'requests', during.length);
    reportFigure('1 s blip', 'breakers opened', opened, 'breakers', bed.instances.length * callers.length);

    assert.ok(firstSuccess - recoveredAt < 1_000, `first success ${Math.round(firstSuccess - recoveredAt)} ms after recovery`);
    assert.ok(lastFailure - recoveredAt < 1_000, `last failure ${Math.round(lastFailure - recoveredAt)} ms after recovery`);
    assert.equal(failedAfter.length, 0, `requests made after recovery failed: ${failedAfter.slice(0, 5).map((s) => describeError(s.error)).join('; ')}`);
    assert.ok(opened <= callers.length, `${opened} breakers opened: at most one instance per client may be out (breaker.maxEjectionPercent)`);
  });

  test('a response body cut mid-way: the GET is retried elsewhere, and the cut counts against the instance', async () => {
    const victim = bed.instances[1]!;
    const client = bed.client({ picker: 'round-robin' });
    await bed.visible(client);
    const opened = breakersOpened(client);
    const lost: string[] = [];
    client.on('attemptFailed', ({ attempt }) => {
      if (attempt.instance.id === victim.id) lost.push(attempt.outcome);
    });
    await victim.setFault({ kind: 'cut-body' });
    const before = await victim.stats();

    const sent = await recordLoad(4, () => ({ method: 'GET', send: get(client) }), { prefix: 'cut', limit: 200 }).done;
    const cuts = (await victim.stats()).cuts - before.cuts;
    const failed = sent.filter((s) => s.error !== undefined);
    reportFigure('body cut mid-way', 'GETs lost', failed.length, 'requests', sent.length);
    reportFigure('body cut mid-way', 'bodies cut before the breaker opened', cuts, 'responses');

    assert.equal(failed.length, 0, `GETs lost: ${failed.slice(0, 5).map((s) => describeError(s.error)).join('; ')}`);
    assert.ok(cuts >= 5, `the instance cut ${cuts} bodies`);
    assert.ok(!sent.some((s) => s.instance === victim.id), 'no cut body was taken for an answer');
    assert.ok(lost.length >= cuts && lost.every((outcome) => outcome === 'connection-lost'), `each cut was a lost connection: ${lost.join(', ')}`);
    assert.ok(opened.has(victim.id), 'the cuts counted against the instance: its breaker opened');
  });

  test('a reset on a reused keep-alive socket under POST: every POST is applied at most once, and each failure says why', async () => {
    const victim = bed.instances[2]!;
    const callers = [bed.client(), bed.client()];
    await Promise.all(callers.map((caller) => bed.visible(caller)));
    await victim.setFault({ kind: 'reset', reusedOnly: true });
    const before = await victim.stats();

    const sent = await recordLoad(6, (worker) => ({ method: 'POST', send: post(callers[worker % 2]!) }), { prefix: 'reset' }).stopAfter(1_500);
    await Promise.all(bed.instances.map((instance) => instance.flush()));
    const resets = (await victim.stats()).resets - before.resets;
    const failed = sent.filter((s) => s.error !== undefined);
    reportFigure('reset on a reused socket', 'POSTs failed: applied once, reported lost', failed.length, 'requests', sent.length);
    reportFigure('reset on a reused socket', 'POSTs applied twice', duplicatedPosts(bed, 'reset-').length, 'requests');

    assert.ok(resets >= 2, `the instance reset ${resets} reused sockets`);
    for (const s of failed) assertNotRepeated(s, victim.id, 'connection-lost', bed);
    for (const s of sent.filter((s) => s.error === undefined)) assert.equal(bed.ledger.count(s.requestId), 1, `${s.requestId} applied once`);
    assert.equal(failed.length, resets, 'each reset failed exactly one POST, which was not sent again');
    assert.deepEqual(duplicatedPosts(bed, 'reset-'), [], 'no POST was applied twice');
  });

  test('a slow instance with hedging: p99 stays near the fast instances’, where without hedging it is the slow one’s', async () => {
    const slowMs = 1_000;
    const victim = bed.instances[3]!;
    // Round-robin keeps a quarter of first attempts on the slow instance, as any picker that cannot see
    // latency does (consistent-hash, or p2c-ewma before it has learnt).
    const plain = bed.client({ picker: 'round-robin' });
    const hedged = bed.client({ picker: 'round-robin', hedge: { delayMs: 50 } });
    await Promise.all([bed.visible(plain), bed.visible(hedged)]);
    let hedges = 0;
    hedged.on('hedge', () => hedges++);
    await victim.setDelay(slowMs);

    // Side by side, so both see the same machine.
    const plainLoad = recordLoad(4, () => ({ method: 'GET', send: get(plain) }), { prefix: 'plain' });
    const hedgedLoad = recordLoad(4, () => ({ method: 'GET', send: get(hedged) }), { prefix: 'hedged' });
    await sleep(3_000);
    const [plainSent, hedgedSent] = await Promise.all([plainLoad.stop(), hedgedLoad.stop()]);

    const latency = (list: readonly Sent[]) => list.map((s) => s.endedAt - s.startedAt);
    const plainP99 = quantile(latency(plainSent), 0.99);
    const hedgedP99 = quantile(latency(hedgedSent), 0.99);
    const fastP99 = quantile(latency(plainSent.filter((s) => s.instance !== victim.id)), 0.99);
    reportFigure('slow instance, hedging', 'p99 without hedging', plainP99, 'ms');
    reportFigure('slow instance, hedging', 'p99 with hedge.delayMs 50', hedgedP99, 'ms');
    reportFigure('slow instance, hedging', "p99 of the fast instances' answers", fastP99, 'ms');
    reportFigure('slow instance, hedging', 'hedges sent', (100 * hedges) / hedgedSent.length, '% of requests');

    assert.equal([...plainSent, ...hedgedSent].filter((s) => s.error !== undefined).length, 0, 'no request failed');
    assert.ok(plainP99 >= slowMs, `without hedging, p99 is the slow instance's: ${Math.round(plainP99)} ms`);
    // Hedging after 50 ms takes the slow instance's second out of p99, whatever the machine adds to both.
    assert.ok(hedgedP99 < plainP99 - slowMs / 2, `p99 ${Math.round(hedgedP99)} ms with hedging, ${Math.round(plainP99)} ms without`);
  });

  test("a caller's abort and a deadline are honoured within a few ms, and the attempt on the wire is stopped", async () => {
    const client = bed.client();
    await bed.visible(client);
    for (const instance of bed.instances) await instance.setDelay(5_000);
    const before = await fleetStats(bed.instances);

    const count = 20;
    const abortLag: number[] = [];
    const deadlineLag: number[] = [];
    /** How much later than a plain timer due at the same instant: the deadline's own cost, without the machine's. */
    const deadlineOwnLag: number[] = [];
    const calls: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      // Spread over 600 ms, so the figures measure the client rather than a queue of timers firing at once.
      const controller = new AbortController();
      let abortedAt = 0;
      setTimeout(() => {
        abortedAt = performance.now();
        controller.abort();
      }, 100 + i * 30);
      calls.push(
        client.get('/whoami', { signal: controller.signal }).then(
          () => assert.fail('an aborted request must not succeed'),
          (error: unknown) => {
            abortLag.push(performance.now() - abortedAt);
            assert.ok(axios.isCancel(error), `the abort rejects as axios's cancellation: ${describeError(error)}`);
          },
        ),
      );
      const timeout = 115 + i * 30;
      const startedAt = performance.now();
      let dueAt = Number.NaN;
      setTimeout(() => (dueAt = performance.now()), timeout);
      calls.push(
        client.get('/whoami', { timeout }).then(
          () => assert.fail('a request past its deadline must not succeed'),
          (error: unknown) => {
            const now = performance.now();
            deadlineLag.push(now - startedAt - timeout);
            deadlineOwnLag.push(now - (Number.isNaN(dueAt) ? startedAt + timeout : dueAt));
            assert.ok(isAxiosError(error) && error.code === 'ECONNABORTED', `the deadline rejects as axios's timeout: ${describeError(error)}`);
          },
        ),
      );
      await sleep(0);
    }
    await Promise.all(calls);
    // Every attempt that reached an instance (on a busy machine an early abort can come before) is seen
    // closed there: the attempts were stopped, not abandoned to run for 5 s.
    let stats = await fleetStats(bed.instances);
    for (let polls = 0; polls < 50 && stats.aborted - before.aborted < stats.received - before.received; polls++) {
      await sleep(100);
      stats = await fleetStats(bed.instances);
    }
    const received = stats.received - before.received;
    const aborted = stats.aborted - before.aborted;
    reportFigure('abort and deadline', 'abort to rejection, median', quantile(abortLag, 0.5), 'ms');
    reportFigure('abort and deadline', 'abort to rejection, max', Math.max(...abortLag), 'ms');
    reportFigure('abort and deadline', 'deadline to rejection, median', quantile(deadlineLag, 0.5), 'ms');
    reportFigure('abort and deadline', 'deadline to rejection, max', Math.max(...deadlineLag), 'ms');
    reportFigure('abort and deadline', 'deadline to rejection after a plain timer due with it, max', Math.max(...deadlineOwnLag), 'ms');

    assert.equal(aborted, received, 'every attempt that reached an instance was closed there');
    assert.ok(received > count, `${received} of ${2 * count} attempts reached an instance`);
    // A few ms on a quiet machine. A crowded one can hold this process off the CPU for a while, and its
    // timers with it: the bounds leave room for that, and are far below the 5 s a request that was not
    // stopped would take.
    const lags = (list: readonly number[]) => list.map(Math.round).join(', ');
    assert.ok(quantile(abortLag, 0.5) < 50 && Math.max(...abortLag) < 1_000, `abort honoured after ${lags(abortLag)} ms`);
    assert.ok(quantile(deadlineOwnLag, 0.5) < 50 && Math.max(...deadlineOwnLag) < 500, `deadline honoured ${lags(deadlineOwnLag)} ms after a plain timer`);
    assert.ok(Math.max(...deadlineLag) < 2_000, `deadline honoured after ${lags(deadlineLag)} ms`);
  });

  test('a hung instance (SIGSTOP) with retry.attemptTimeoutMs: GETs succeed within their deadline, no POST is applied twice, its breaker opens, and it comes back after SIGCONT', async () => {
    const victim = bed.instances[2]!;
    const deadlineMs = 3_000;
    const options = { retry: { attemptTimeoutMs: 500 }, breaker: { resetTimeout: 1_000 } } as const;
    // Round-robin keeps sending the hung instance a quarter of first attempts until its breaker takes it
    // out; the default picker (p2c-ewma) stops choosing it after its first time-outs.
    const rotating = bed.client({ ...options, picker: 'round-robin' });
    const learning = bed.client(options);
    await Promise.all([bed.visible(rotating), bed.visible(learning)]);
    const opened = breakersOpened(rotating);
    let learningAttempts = 0;
    learning.on('attemptFailed', ({ attempt }) => {
      if (attempt.instance.id === victim.id) learningAttempts++;
    });
    const load = recordLoad(
      12,
      (worker) => {
        if (worker % 4 === 3) return { method: 'POST', send: post(rotating) };
        return { method: 'GET', send: get(worker % 4 === 0 ? learning : rotating, deadlineMs) };
      },
      { prefix: 'hang' },
    );
    await sleep(500);
    const stoppedAt = performance.now();
    victim.suspend();
    // Hung for 2 s, or until the breaker decides on a slower machine — well within Consul's 5 s check timeout.
    await waitFor(() => opened.has(victim.id), 4_000, "the hung instance's breaker to open").catch(() => undefined);
    await sleep(Math.max(0, stoppedAt + 2_000 - performance.now()));
    const resumedAt = performance.now();
    victim.resume();
    const backAfter = await waitFor(
      () => load.sent.some((s) => s.instance === victim.id && s.startedAt > resumedAt),
      15_000,
      'the resumed instance to answer again',
    );
    const sent = await load.stop();
    // What the resumed instance still had in its socket buffers, it may apply now.
    await sleep(200);
    await Promise.all(bed.instances.map((instance) => instance.flush()));

    const gets = sent.filter((s) => s.method === 'GET');
    const posts = sent.filter((s) => s.method === 'POST');
    const failedGets = gets.filter((s) => s.error !== undefined);
    const failedPosts = posts.filter((s) => s.error !== undefined);
    const hung = gets.filter((s) => s.startedAt >= stoppedAt && s.startedAt < resumedAt).map((s) => s.endedAt - s.startedAt);
    reportFigure('SIGSTOP', 'GETs lost', failedGets.length, 'requests', gets.length);
    reportFigure('SIGSTOP', 'GET p99 while hung', quantile(hung, 0.99), 'ms');
    reportFigure('SIGSTOP', 'breaker open after (round-robin)', (opened.get(victim.id) ?? Number.NaN) - stoppedAt, 'ms');
    reportFigure('SIGSTOP', 'attempts timed out on the hung instance (p2c-ewma)', learningAttempts, 'attempts');
    reportFigure('SIGSTOP', 'answering again after SIGCONT', backAfter, 'ms');
    reportFigure('SIGSTOP', 'POSTs failed (timed out, not resent)', failedPosts.length, 'requests', posts.length);
    reportFigure('SIGSTOP', 'failed POSTs applied after SIGCONT', failedPosts.filter((s) => bed.ledger.count(s.requestId) === 1).length, 'requests');

    assert.equal(failedGets.length, 0, `GETs lost: ${failedGets.slice(0, 5).map((s) => describeError(s.error)).join('; ')}`);
    // On a busy machine a healthy instance may miss the attempt time-out too: the rule is the same.
    for (const s of failedPosts) assertNotRepeated(s, undefined, 'timed-out', bed);
    for (const s of posts.filter((s) => s.error === undefined)) assert.equal(bed.ledger.count(s.requestId), 1, `${s.requestId} applied once`);
    assert.deepEqual(duplicatedPosts(bed, 'hang-'), [], 'no POST was applied twice');
    assert.ok(opened.has(victim.id), "the hung instance's breaker opened");
  });

  test('kill -9 under mixed load from several callers: no GET is lost, no POST is applied twice, and every failed POST says why', async () => {
    const victim = bed.instances[1]!;
    const callers = [bed.client(), bed.client(), bed.client()];
    await Promise.all(callers.map((caller) => bed.visible(caller)));
    let retries = 0;
    for (const caller of callers) caller.on('retry', () => retries++);

    const load = recordLoad(
      12,
      (worker, sequence) => {
        const caller = callers[worker % callers.length]!;
        return sequence % 2 === 0 ? { method: 'GET', send: get(caller) } : { method: 'POST', send: post(caller) };
      },
      { prefix: 'kill' },
    );
    await sleep(700);
    const killedAt = performance.now();
    await victim.kill('SIGKILL');
    await sleep(1_500);
    const sent = await load.stop();
    await Promise.all(bed.instances.map((instance) => instance.flush()));

    const gets = sent.filter((s) => s.method === 'GET');
    const posts = sent.filter((s) => s.method === 'POST');
    const failedGets = gets.filter((s) => s.error !== undefined);
    const failedPosts = posts.filter((s) => s.error !== undefined);
    reportFigure('kill -9', 'GETs lost', failedGets.length, 'requests', gets.length);
    reportFigure('kill -9', 'POSTs failed', failedPosts.length, 'requests', posts.length);
    reportFigure('kill -9', 'failed POSTs the dead instance had applied', failedPosts.filter((s) => bed.ledger.count(s.requestId) === 1).length, 'requests');
    reportFigure('kill -9', 'POSTs applied twice', duplicatedPosts(bed, 'kill-').length, 'requests');
    reportFigure('kill -9', 'retries', retries, 'retries', sent.length);

    assert.equal(failedGets.length, 0, `GETs lost: ${failedGets.slice(0, 5).map((s) => describeError(s.error)).join('; ')}`);
    assert.ok(sent.filter((s) => s.startedAt > killedAt + 200).length > 20, 'requests kept flowing after the kill');
    for (const s of failedPosts) assertNotRepeated(s, victim.id, 'connection-lost', bed);
    for (const s of posts.filter((s) => s.error === undefined)) assert.equal(bed.ledger.count(s.requestId), 1, `${s.requestId} applied once`);
    assert.deepEqual(duplicatedPosts(bed, 'kill-'), [], 'no POST was applied twice');
  });
});

/** When each instance's breaker first opened (`performance.now()`), by instance id. */
function breakersOpened(client: BalancedClient): Map<string, number> {
  const opened = new Map<string, number>();
  client.on('breakerOpened', ({ instance }) => {
    if (!opened.has(instance.id)) opened.set(instance.id, performance.now());
  });
  return opened;
}

async function fleetStats(instances: readonly TestInstance[]): Promise<InstanceStats> {
  const all = await Promise.all(instances.map((instance) => instance.stats()));
  const sum = (key: keyof InstanceStats) => all.reduce((total, stats) => total + stats[key], 0);
  return { received: sum('received'), applied: sum('applied'), resets: sum('resets'), cuts: sum('cuts'), aborted: sum('aborted') };
}

/**
 * A POST that failed failed after it may have been sent (`outcome`; on `victim` when given), so it was
 * not sent again: its error is axios's, its report says so, and the ledger holds it at most once.
 */
function assertNotRepeated(post: Sent, victim: string | undefined, outcome: 'connection-lost' | 'timed-out', bed: Testbed): void {
  const error = post.error;
  assert.ok(isAxiosError(error), `POST ${post.requestId} failed with ${describeError(error)}`);
  const report = callReportOf(error);
  assert.ok(report !== undefined, `POST ${post.requestId}'s error carries a call report`);
  const last = report.attempts[report.attempts.length - 1];
  assert.equal(report.notRetried, 'not-idempotent', `POST ${post.requestId}: ${describeError(error)}`);
  assert.equal(last?.outcome, outcome, `POST ${post.requestId}: ${describeError(error)}`);
  if (victim !== undefined) assert.equal(last?.instance.id, victim);
  assert.ok(bed.ledger.count(post.requestId) <= 1);
}

/** Attempts the requests made, from the reports their errors carry. */
function attemptsOf(sent: readonly Sent[]): number {
  return sent.reduce((total, s) => total + (callReportOf(s.error)?.attempts.length ?? 1), 0);
}

function duplicatedPosts(bed: Testbed, prefix: string): string[] {
  return [...bed.ledger.duplicates().keys()].filter((id) => id.startsWith(prefix));
}

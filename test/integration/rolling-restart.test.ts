// The promise of the Express side: four instances that register themselves, a proxyless client sending GET
// and POST load, and each instance replaced in turn as a deploy does it — start the new one, wait until it
// passes its check, send the old one SIGTERM, and let it drain and exit by itself. Nothing fails, every POST
// is applied exactly once, and Consul ends with exactly the four new instances.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createClient } from '../../lib/client/create-client.js';
import type { BalancedClient } from '../../lib/client/balanced-client.js';
import { startConsul, type ConsulAgent } from '../support/consul-agent.js';
import { sleep, startLoad, waitFor, type Load } from '../support/load.js';
import { startRegisteredInstance, type RegisteredInstance } from '../support/registered-instance-process.js';

const SERVICE = 'rolling';
const INSTANCES = 4;

test('a rolling restart of four instances under GET and POST load fails no request and applies every POST once', { timeout: 120_000 }, async () => {
  const ledgers = mkdtempSync(join(tmpdir(), 'proxyless-rolling-'));
  const started: RegisteredInstance[] = [];
  let consul: ConsulAgent | undefined;
  let client: BalancedClient | undefined;
  const loads: Load[] = [];
  try {
    consul = await startConsul();
    const agent = consul;
    const start = async (n: number): Promise<RegisteredInstance> => {
      const instance = await startRegisteredInstance({
        consul: agent,
        service: SERVICE,
        id: `${SERVICE}-${n}`,
        check: { interval: '1s' },
        // Long enough that requests are in flight whenever a drain stops accepting.
        delayMs: 20,
        ledger: join(ledgers, `${SERVICE}-${n}.log`),
      });
      started.push(instance);
      return instance;
    };
    const old = await Promise.all(Array.from({ length: INSTANCES }, (_, index) => start(index + 1)));
    // Every failed attempt, retried or not: a POST that lost its connection after it may have been sent is
    // one a client may not retry (only one that provably never reached a server), so there must be none.
    const failedAttempts: string[] = [];
    const c = createClient({ service: SERVICE, consul: { host: agent.host, port: agent.port } });
    c.on('attemptFailed', ({ method, attempt, error }) => {
      failedAttempts.push(`${method} ${(error as { code?: string } | undefined)?.code ?? attempt.status ?? attempt.outcome}`);
    });
    client = c;
    await c.ready({ timeoutMs: 10_000 });
    await waitFor(() => c.instances().length === INSTANCES, 20_000, `${INSTANCES} passing instances`);

    let sequence = 0;
    const posted = new Set<string>();
    const gets = startLoad(4, () => c.get<{ id: string }>('/whoami'));
    const posts = startLoad(4, async () => {
      sequence += 1;
      const requestId = `request-${sequence}`;
      const response = await c.post<{ id: string }>('/apply', { sequence }, { headers: { 'x-request-id': requestId } });
      posted.add(requestId);
      return response;
    });
    loads.push(gets, posts);
    await sleep(500);

    const drains: string[] = [];
    for (const [index, leaving] of old.entries()) {
      const joining = await start(INSTANCES + index + 1);
      await waitFor(() => c.instances().some((instance) => instance.id === joining.id), 20_000, `${joining.id} to pass its check`);
      leaving.signal('SIGTERM');
      assert.deepEqual(await leaving.exitWithin(30_000), { code: 0, signal: null }, `${leaving.id} drains and exits by itself`);
      const drained = leaving.messages.find((message) => message.type === 'drained');
      assert.ok(drained?.type === 'drained' && drained.deregistered, `${leaving.id} left Consul first`);
      assert.equal(drained.requestsCutOff, 0, `${leaving.id} answered every request it had`);
      drains.push(`${leaving.id} ${drained.durationMs.toFixed(0)} ms`);
    }
    await sleep(500);
    const getResult = await gets.stop();
    const postResult = await posts.stop();
    console.log(`# ${getResult.ok} GET and ${postResult.ok} POST answered during the restart; drains: ${drains.join(', ')}`);
    console.log(`# failed attempts, each retried elsewhere: ${failedAttempts.length === 0 ? 'none' : failedAttempts.join(', ')}`);

    assert.equal(getResult.failed, 0, `failed GET: ${getResult.errors.join('; ')}`);
    assert.equal(postResult.failed, 0, `failed POST: ${postResult.errors.join('; ')}`);
    assert.ok(getResult.ok > 100 && postResult.ok > 100, 'load flowed throughout');
    const lostAfterSending = failedAttempts.filter((attempt) => /^POST (ECONNRESET|EPIPE|ERR_STREAM_PREMATURE_CLOSE|ECONNABORTED|ETIMEDOUT)$/.test(attempt));
    assert.deepEqual(lostAfterSending, [], 'no POST lost its connection after it may have been sent');

    const applied = readdirSync(ledgers).flatMap((file) => readFileSync(join(ledgers, file), 'utf8').split('\n').filter(Boolean));
    const counts = new Map<string, number>();
    for (const requestId of applied) counts.set(requestId, (counts.get(requestId) ?? 0) + 1);
    assert.deepEqual([...counts].filter(([, count]) => count > 1), [], 'no POST was applied twice');
    assert.deepEqual([...counts.keys()].sort(), [...posted].sort(), 'every POST answered was applied, and only those');

    const entries = (await (await fetch(`http://${agent.address}/v1/health/service/${SERVICE}`)).json()) as {
      Service: { ID: string };
      Checks: { Status: string }[];
    }[];
    assert.deepEqual(entries.map((entry) => entry.Service.ID).sort(), [5, 6, 7, 8].map((n) => `${SERVICE}-${n}`));
    assert.deepEqual(entries.flatMap((entry) => entry.Checks.map((check) => check.Status)).filter((status) => status !== 'passing'), [], 'none critical');
  } finally {
    for (const load of loads) await load.stop();
    await client?.close();
    await Promise.all(started.map((instance) => instance.stop()));
    await consul?.stop();
    rmSync(ledgers, { recursive: true, force: true });
  }
});

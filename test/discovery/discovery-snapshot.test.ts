// Unit tests of `discovery.snapshotPath`: when the file is written, when it is read, and which files are refused.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsulAgents } from '../../lib/discovery/consul-agents.js';
import { consulConnections } from '../../lib/discovery/consul-connection.js';
import { resolveQueryOptions, type ConsulQueryOptions } from '../../lib/discovery/consul-health-query.js';
import { ConsulHealthWatch } from '../../lib/discovery/consul-health-watch.js';
import { DiscoverySnapshotError } from '../../lib/errors/discovery-snapshot-error.js';
import { DiscoveryRecorder } from '../support/discovery-recorder.js';
import { startFakeConsul, until, type Script } from '../support/fake-consul.js';
import { freePort } from '../support/free-port.js';

const cleanups: (() => Promise<void> | void)[] = [];
let dir: string;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function watch(port: number, query: ConsulQueryOptions, service = 'svc'): { watch: ConsulHealthWatch; recorder: DiscoveryRecorder } {
  const agents = new ConsulAgents(consulConnections({ host: '127.0.0.1', port }, 'consul', {}));
  const running = new ConsulHealthWatch({
    agents,
    service,
    query: resolveQueryOptions(query),
    source: `consul at 127.0.0.1:${port}, service "${service}"`,
    waitMs: 1000,
    snapshotAfterMs: 300,
    backoffBaseMs: 200,
    backoffMaxMs: 200,
  });
  cleanups.push(() => {
    running.close();
    agents.close();
  });
  const recorder = new DiscoveryRecorder();
  running.add(recorder);
  return { watch: running, recorder };
}

async function consulAnswering(script: Script): Promise<number> {
  const consul = await startFakeConsul(script);
  cleanups.push(() => consul.close());
  return consul.port;
}

function snapshotDir(): string {
  dir = mkdtempSync(join(tmpdir(), 'proxyless-snapshot-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('discovery snapshots', { timeout: 20_000 }, () => {
  test('the set is written when it changes, atomically, and not again while it stays the same', async () => {
    const path = join(snapshotDir(), 'nested', 'svc.json');
    let n = 0;
    let changed = false;
    const port = await consulAnswering(() => {
      n += 1;
      if (!changed) return { index: String(n), ids: ['a'] };
      return n < 100 ? { index: '999', ids: ['a', 'b'] } : 'hold';
    });
    const { recorder } = watch(port, { snapshotPath: path });
    await recorder.until((r) => r.sets.length === 1);
    await until(() => statSync(path, { throwIfNoEntry: false }) !== undefined, 2000, 'the first write');
    const first = statSync(path).mtimeMs;
    const written = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(written.format, 'proxyless-discovery-snapshot');
    assert.equal(written.service, 'svc');
    assert.deepEqual(written.instances.map((i: { id: string }) => i.id), ['a']);
    // The same set answered again and again is not written again.
    const answered = n;
    await until(() => n >= answered + 3, 3000, 'more answers with the same set');
    assert.equal(statSync(path).mtimeMs, first);
    changed = true;
    await recorder.until((r) => r.sets.length === 2);
    await until(() => JSON.parse(readFileSync(path, 'utf8')).instances.length === 2, 2000, 'the second write');
    assert.deepEqual(readdirSync(join(dir, 'nested')), ['svc.json'], 'no temporary file is left behind');
    assert.equal((statSync(path).mode & 0o777).toString(8), '600');
  });

  test('when Consul cannot be reached at start-up the snapshot is served, stale, until Consul answers', async () => {
    const path = join(snapshotDir(), 'svc.json');
    const writer = await consulAnswering((n) => (n === 1 ? { index: '3', ids: ['a', 'b'] } : 'hold'));
    const first = watch(writer, { snapshotPath: path });
    await first.recorder.until((r) => r.sets.length === 1);
    await until(() => statSync(path, { throwIfNoEntry: false }) !== undefined, 2000, 'the snapshot');
    first.watch.close();

    const down = await freePort();
    const cold = watch(down, { snapshotPath: path });
    await cold.recorder.until((r) => r.sets.length === 1, 3000, 'the snapshot set');
    assert.deepEqual(cold.recorder.latestIds(), ['a', 'b']);
    assert.ok(Object.isFrozen(cold.recorder.latest) && Object.isFrozen(cold.recorder.latest![0]));
    await cold.recorder.until((r) => r.latestStatus !== undefined);
    const status = cold.recorder.latestStatus!;
    assert.ok(status.state === 'stale' && status.reason === 'snapshot');
    assert.match(status.detail, new RegExp(`read from ${path.replace(/[.\\/]/g, '\\$&')} \\(saved 20`));
    assert.match(cold.recorder.errors[0]!.message, /ECONNREFUSED/);
  });

  test('the first real answer replaces the snapshot: the same set is not delivered again, only said live', async () => {
    const path = join(snapshotDir(), 'svc.json');
    let up = false;
    const port = await consulAnswering((n) => (!up ? { status: 500, text: 'No cluster leader' } : n < 100 ? { index: '7', ids: ['a', 'b'] } : 'hold'));
    writeFileSync(path, snapshotFile('svc', ['a', 'b']));
    const { recorder } = watch(port, { snapshotPath: path });
    await recorder.until((r) => r.latestStatus?.state === 'stale');
    up = true;
    await recorder.until((r) => r.latestStatus?.state === 'live', 3000, 'live');
    assert.deepEqual(recorder.sets.length, 1, 'one delivery: the snapshot, confirmed by Consul');
    assert.deepEqual(
      recorder.log.filter((entry) => !entry.startsWith('error')),
      ['set:a,b', 'status:stale:snapshot', 'status:live'],
    );
  });

  test('an empty first answer is held through like any empty answer after a reconnect, then followed', async () => {
    const path = join(snapshotDir(), 'svc.json');
    let up = false;
    const port = await consulAnswering(() => (!up ? { status: 500, text: 'No cluster leader' } : { index: '7', ids: [] }));
    writeFileSync(path, snapshotFile('svc', ['a']));
    const { recorder } = watch(port, { snapshotPath: path, emptyGraceMs: 300 });
    await recorder.until((r) => r.latestStatus?.state === 'stale');
    up = true;
    await recorder.until((r) => r.latestIds().length === 0 && r.sets.length === 2, 3000, 'the empty set after the grace period');
    assert.deepEqual(
      recorder.log.filter((entry) => !entry.startsWith('error')),
      ['set:a', 'status:stale:snapshot', 'status:stale:holding-through-empty', 'set:', 'status:live'],
    );
  });

  test('a snapshot written for another service, another query, or not whole is refused and never used', async () => {
    const cases: [string, RegExp, ConsulQueryOptions?][] = [
      [snapshotFile('orders', ['a']), /was written for service "orders", not "svc"/],
      [snapshotFile('svc', ['a']), /was written for service "svc", not service "svc", tags \["v2"\]/, { tags: ['v2'] }],
      ['{"format": "proxyless-discovery-snapshot", "version": 1, "serv', /is not valid JSON/],
      ['just text', /is not valid JSON/],
      [JSON.stringify({ ...JSON.parse(snapshotFile('svc', ['a'])), instances: [{ id: 'a', port: 'x' }] }), /is corrupt: instances\[0\]/],
      ['{"hello": "world"}', /is not a proxyless discovery snapshot/],
    ];
    const down = await freePort();
    for (const [content, message, query] of cases) {
      const path = join(snapshotDir(), 'svc.json');
      writeFileSync(path, content);
      const { recorder } = watch(down, { snapshotPath: path, ...query });
      await recorder.until((r) => r.errors.some((e) => e instanceof DiscoverySnapshotError), 3000, String(message));
      const refusal = recorder.errors.find((e) => e instanceof DiscoverySnapshotError)!;
      assert.match(refusal.message, message);
      assert.match(refusal.message, /it is not used/);
      assert.equal((refusal as DiscoverySnapshotError).code, 'ERR_PROXYLESS_DISCOVERY_SNAPSHOT');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(recorder.sets.length, 0, `no set from a refused snapshot (${String(message)})`);
    }
  });

  test('no snapshot file yet is no error: the client waits for Consul as without one', async () => {
    const path = join(snapshotDir(), 'none-yet.json');
    const { recorder } = watch(await freePort(), { snapshotPath: path });
    await recorder.until((r) => r.errors.length >= 2);
    assert.ok(recorder.errors.every((e) => !(e instanceof DiscoverySnapshotError)));
    assert.equal(recorder.sets.length, 0);
  });
});

function snapshotFile(service: string, ids: string[]): string {
  return JSON.stringify({
    format: 'proxyless-discovery-snapshot',
    version: 1,
    service,
    selection: JSON.stringify([service, [], '', [], '', false]),
    query: `service "${service}"`,
    savedAt: '2026-01-02T03:04:05.000Z',
    instances: ids.map((id, i) => ({
      id,
      service,
      host: '127.0.0.1',
      port: 9000 + i,
      origin: `http://127.0.0.1:${9000 + i}`,
      tags: [],
      meta: {},
      weight: 1,
      health: 'passing',
      node: { name: 'n1', address: '127.0.0.1', datacenter: 'dc1', meta: {} },
    })),
  });
}

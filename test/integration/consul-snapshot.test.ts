// A client started while Consul is down serves the instances it served before, from `discovery.snapshotPath`,
// says they are stale, and follows Consul again once it is back.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClient } from '../../lib/client/create-client.js';
import { ConsulDiscovery } from '../../lib/discovery/consul-discovery.js';
import { DiscoverySnapshotError } from '../../lib/errors/discovery-snapshot-error.js';
import { DiscoveryTimeoutError } from '../../lib/errors/discovery-timeout-error.js';
import { startConsul, type ConsulAgent } from '../support/consul-agent.js';
import { DiscoveryRecorder } from '../support/discovery-recorder.js';
import { startFleet, type Fleet } from '../support/instance-process.js';
import { sleep, startLoad, waitFor } from '../support/load.js';

describe('a cold start from the snapshot', { timeout: 90_000 }, () => {
  let consul: ConsulAgent;
  let fleet: Fleet;
  let dir: string;

  before(async () => {
    consul = await startConsul();
    fleet = await startFleet(2, { consul, service: 'search' });
    dir = mkdtempSync(join(tmpdir(), 'proxyless-snapshot-'));
  });

  after(async () => {
    await fleet?.stopAll();
    await consul?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a client started while Consul is down serves the last known instances, stale, until Consul is back', async () => {
    const snapshotPath = join(dir, 'search.json');
    const options = () => ({ service: 'search', consul: { host: consul.host, port: consul.port }, discovery: { snapshotPath } });
    const first = createClient(options());
    await first.ready({ timeoutMs: 10_000 });
    await waitFor(() => first.instances().length === 2, 15_000, 'two passing instances');
    await waitFor(() => statSync(snapshotPath, { throwIfNoEntry: false }) !== undefined && JSON.parse(readFileSync(snapshotPath, 'utf8')).instances.length === 2, 5_000, 'the snapshot');
    await first.close();

    await consul.kill();
    const cold = createClient(options());
    const recorder = new DiscoveryRecorder();
    const watching = new ConsulDiscovery({ service: 'search', consul: { host: consul.host, port: consul.port }, snapshotPath }).subscribe(recorder);
    try {
      const started = performance.now();
      await cold.ready({ timeoutMs: 5_000 });
      console.log(`# ready() from the snapshot ${(performance.now() - started).toFixed(0)} ms after start, Consul down`);
      assert.equal(cold.instances().length, 2);
      const load = startLoad(4, () => cold.get<{ id: string }>('/whoami'));
      try {
        await sleep(500);
        assert.equal(load.snapshot().failed, 0);
        assert.equal(load.snapshot().byInstance.size, 2, 'both instances of the snapshot serve');
        await recorder.until((r) => r.latestStatus?.state === 'stale', 5_000, 'the stale status');
        const status = recorder.latestStatus!;
        assert.ok(status.state === 'stale' && status.reason === 'snapshot', JSON.stringify(status));
        assert.match(status.detail, /read from .*search\.json \(saved 20.*\) because no Consul agent .* answered at start-up; stale until one does/);

        // Consul comes back empty; the instances register again a moment later.
        await consul.restart();
        await sleep(1_000);
        for (const instance of fleet) await instance.register();
        await recorder.until((r) => r.latestStatus?.state === 'live', 15_000, 'live again');
        // Each instance passes its first check within a second of registering.
        await waitFor(() => cold.instances().length === 2, 5_000, 'both instances from Consul');
      } finally {
        const result = await load.stop();
        assert.equal(result.failed, 0, `failed requests: ${result.errors.join('; ')}`);
      }
    } finally {
      watching.close();
      await cold.close();
    }
  });

  test('a corrupt snapshot is refused with a clear message and never used', async () => {
    const snapshotPath = join(dir, 'corrupt.json');
    writeFileSync(snapshotPath, '{"format": "proxyless-discovery-snapshot", "version": 1, "service": "sear');
    await consul.kill();
    const client = createClient({ service: 'search', consul: { host: consul.host, port: consul.port }, discovery: { snapshotPath } });
    const refused = new Promise<Error>((resolve) =>
      client.on('discoveryError', ({ error }) => {
        if (error instanceof DiscoverySnapshotError) resolve(error);
      }),
    );
    try {
      const error = await refused;
      assert.match(error.message, /snapshot .*corrupt\.json: is not valid JSON .*; it is not used/);
      await assert.rejects(client.ready({ timeoutMs: 1_000 }), DiscoveryTimeoutError);
      assert.equal(client.instances().length, 0);
    } finally {
      await client.close();
      await consul.restart();
    }
  });
});

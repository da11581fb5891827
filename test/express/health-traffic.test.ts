// What the health function means to callers: an instance that turns critical stops receiving a proxyless
// client's traffic within its check interval plus propagation, and receives it again once it recovers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from '../../lib/client/create-client.js';
import type { BalancedClient } from '../../lib/client/balanced-client.js';
import { startConsul, type ConsulAgent } from '../support/consul-agent.js';
import { sleep, startLoad, waitFor } from '../support/load.js';
import { startRegisteredApp, type RegisteredApp } from '../support/registered-app.js';

const CHECK_INTERVAL_MS = 1_000;
/** What a loaded machine may add to the check interval: the check itself, Consul's and the client's turn. */
const PROPAGATION_ALLOWANCE_MS = 2_000;

let consul: ConsulAgent;
let apps: RegisteredApp[] = [];
let client: BalancedClient;

before(async () => {
  consul = await startConsul();
  apps = await Promise.all(['sick', 'well'].map((name) => startRegisteredApp(consul, { service: 'ward', id: `ward-${name}`, check: { interval: CHECK_INTERVAL_MS } })));
  client = createClient({ service: 'ward', consul: { host: consul.host, port: consul.port }, picker: 'round-robin' });
});

after(async () => {
  await client.close();
  for (const app of apps) await app.stop();
  await consul.stop();
});

test('an instance whose health turns critical stops receiving traffic within its check interval plus propagation, and gets it again once it recovers', { timeout: 40_000 }, async () => {
  const [sick] = apps;
  await client.ready({ timeoutMs: 10_000 });
  await waitFor(() => client.instances().length === 2, 10_000, 'both instances passing');
  const load = startLoad(4, () => client.get<{ id: string }>('/whoami'));
  const served = (): number => load.snapshot().byInstance.get('ward-sick') ?? 0;
  try {
    await sleep(300);
    assert.ok(served() > 0, 'it takes traffic while passing');

    sick!.setHealth('critical');
    const droppedAfter = await waitFor(() => !client.instances().some((i) => i.id === 'ward-sick'), 10_000, 'the critical instance to be dropped');
    await sleep(200);
    const atDrop = served();
    await sleep(700);
    assert.equal(served(), atDrop, 'no request reaches it once dropped');

    sick!.setHealth('passing');
    const backAfter = await waitFor(() => client.instances().some((i) => i.id === 'ward-sick'), 10_000, 'the recovered instance to return');
    await sleep(500);
    assert.ok(served() > atDrop, 'it takes traffic again');

    console.log(`# dropped ${droppedAfter.toFixed(0)} ms after turning critical, back ${backAfter.toFixed(0)} ms after recovering (check every ${CHECK_INTERVAL_MS} ms)`);
    assert.ok(droppedAfter < CHECK_INTERVAL_MS + PROPAGATION_ALLOWANCE_MS, `dropped after ${droppedAfter.toFixed(0)} ms`);
    assert.ok(backAfter < CHECK_INTERVAL_MS + PROPAGATION_ALLOWANCE_MS, `back after ${backAfter.toFixed(0)} ms`);
  } finally {
    const result = await load.stop();
    assert.equal(result.failed, 0, `failed requests: ${result.errors.join('; ')}`);
  }
});

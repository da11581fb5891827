// Smoke tests of the shared fixtures in test/support/: a real Consul agent and real Express instances.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startConsul, type ConsulAgent } from './support/consul-agent.js';
import { startFleet, startInstance } from './support/instance-process.js';

async function passingIds(consul: ConsulAgent, service: string): Promise<string[]> {
  const response = await fetch(`http://${consul.address}/v1/health/service/${service}`);
  const entries = (await response.json()) as { Service: { ID: string } }[];
  return entries.map((entry) => entry.Service.ID).sort();
}

describe('test fixtures', { timeout: 60_000 }, () => {
  let consul: ConsulAgent;

  before(async () => {
    const started = performance.now();
    consul = await startConsul();
    console.log(`consul agent ready in ${Math.round(performance.now() - started)} ms at ${consul.address}`);
  });

  after(async () => {
    await consul.stop();
  });

  test('the agent registers and deregisters services', async () => {
    await consul.registerService({ id: 'fixture-a', name: 'fixture', port: 1234, tags: ['x'] });
    assert.deepEqual(await passingIds(consul, 'fixture'), ['fixture-a']);
    await consul.deregisterService('fixture-a');
    assert.deepEqual(await passingIds(consul, 'fixture'), []);
  });

  test('a restarted agent keeps its address and starts empty', async () => {
    await consul.registerService({ id: 'fixture-b', name: 'fixture', port: 1234 });
    const address = consul.address;
    const started = performance.now();
    await consul.restart();
    console.log(`consul agent restarted in ${Math.round(performance.now() - started)} ms`);
    assert.equal(consul.address, address);
    assert.deepEqual(await passingIds(consul, 'fixture'), []);
  });

  test('an instance answers, changes its delay, fails on demand and dies on kill -9', async () => {
    const instance = await startInstance({ service: 'fixture-http', id: 'web-1' });
    try {
      const whoami = await fetch(`${instance.url}/whoami`);
      assert.deepEqual(await whoami.json(), { id: 'web-1' });

      const echo = await fetch(`${instance.url}/echo`, {
        method: 'POST',
        body: JSON.stringify({ hello: 'world' }),
        headers: { 'content-type': 'application/json' },
      });
      assert.deepEqual(await echo.json(), { hello: 'world', id: 'web-1' });

      await instance.setDelay(150);
      const started = performance.now();
      await (await fetch(`${instance.url}/whoami`)).json();
      assert.ok(performance.now() - started >= 140, 'the delay applies to /whoami');
      await instance.setDelay(0);

      await instance.setFailing(true);
      assert.equal((await fetch(`${instance.url}/health`)).status, 503);
      await instance.setFailing(false);
      assert.equal((await fetch(`${instance.url}/health`)).status, 200);

      await instance.kill();
      await assert.rejects(fetch(`${instance.url}/whoami`, { signal: AbortSignal.timeout(2000) }));
    } finally {
      await instance.stop();
    }
  });

  test('a fleet registers with a health check that turns passing', async () => {
    const fleet = await startFleet(3, { consul, service: 'fixture-fleet' });
    try {
      const deadline = Date.now() + 10_000;
      let ids: string[] = [];
      while (Date.now() < deadline) {
        const response = await fetch(`http://${consul.address}/v1/health/service/fixture-fleet?passing`);
        ids = ((await response.json()) as { Service: { ID: string } }[]).map((entry) => entry.Service.ID).sort();
        if (ids.length === 3) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.deepEqual(ids, ['fixture-fleet-1', 'fixture-fleet-2', 'fixture-fleet-3']);
    } finally {
      await fleet.stopAll();
    }
  });
});

// When register() gives up, it leaves nothing behind: not even a registration that landed after its bound.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { systemClock } from '../../lib/clock.js';
import { RegistrationTimeoutError } from '../../lib/errors/registration-timeout-error.js';
import type { AgentEndpoint } from '../../lib/express/agent-endpoint.js';
import { resolveRegisterOptions } from '../../lib/express/register-options.js';
import { InstanceRegistration } from '../../lib/express/registration.js';
import { sleep } from '../support/load.js';

test('a registration still under way when register() gives up is taken back once it lands', { timeout: 10_000 }, async () => {
  const calls: string[] = [];
  const slowAgent: AgentEndpoint = {
    address: '127.0.0.1:8500',
    register: async () => {
      calls.push('register');
      await sleep(400);
    },
    deregister: async () => void calls.push('deregister'),
    holdsService: async () => true,
    reportTtl: async () => true,
    close: () => void calls.push('close'),
  };
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const options = resolveRegisterOptions({ service: 'late', check: { ttl: '3s' }, drain: { signals: false } });
    const where = { id: 'late-1', address: '127.0.0.1', port: 1, origin: 'http://127.0.0.1:1' };
    const registration = new InstanceRegistration(server, options, where, { endpoint: slowAgent, clock: systemClock, random: () => 0.5 });
    registration.start();
    await assert.rejects(registration.registered(100), RegistrationTimeoutError);
    await registration.abandon();
    assert.deepEqual(calls, ['register', 'deregister', 'close']);
  } finally {
    server.close();
  }
});

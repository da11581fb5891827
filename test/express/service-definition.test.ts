// The registration Consul receives: the check's URL, timings and DeregisterCriticalServiceAfter, as Consul
// (1.8 here) does not show a check's definition back through its API.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import express from 'express';
import { resolveRegisterOptions } from '../../lib/express/register-options.js';
import { serviceDefinition } from '../../lib/express/service-definition.js';

const where = { id: 'users-1', address: '10.0.3.17', port: 3000, origin: 'http://10.0.3.17:3000' };

test('the default is an HTTP check on /health every 5 s that Consul deregisters after a minute critical', () => {
  const definition = serviceDefinition(resolveRegisterOptions({ service: 'users', app: express() }), where);
  assert.deepEqual(definition, {
    ID: 'users-1',
    Name: 'users',
    Address: '10.0.3.17',
    Port: 3000,
    Tags: [],
    Meta: {},
    Check: {
      CheckID: 'service:users-1',
      Name: 'users health',
      DeregisterCriticalServiceAfter: '60000ms',
      HTTP: 'http://10.0.3.17:3000/health',
      Method: 'GET',
      Interval: '5000ms',
      Timeout: '5000ms',
    },
  });
});

test('a TTL check, weights and a longer deregistration delay are passed as Consul reads them', () => {
  const options = resolveRegisterOptions({
    service: 'users',
    check: { ttl: '1.5s', deregisterCriticalServiceAfter: '2h' },
    weights: { passing: 4 },
    tags: ['v2'],
  });
  const definition = serviceDefinition(options, where);
  assert.deepEqual(definition.Weights, { Passing: 4, Warning: 1 });
  assert.deepEqual(definition.Tags, ['v2']);
  assert.deepEqual(definition.Check, {
    CheckID: 'service:users-1',
    Name: 'users health',
    DeregisterCriticalServiceAfter: '7200000ms',
    TTL: '1500ms',
  });
});

test("a long HTTP check interval keeps Consul's 10 s timeout; a given path and timeout are used", () => {
  const slow = serviceDefinition(resolveRegisterOptions({ service: 'users', app: express(), check: { interval: '1m' } }), where);
  assert.equal(slow.Check.Name, 'users health');
  assert.deepEqual([('Interval' in slow.Check && slow.Check.Interval), 'Timeout' in slow.Check && slow.Check.Timeout], ['60000ms', '10000ms']);
  const custom = serviceDefinition(
    resolveRegisterOptions({ service: 'users', app: express(), check: { path: '/_ready', interval: 2000, timeout: '750ms' } }),
    { ...where, address: '::1', origin: 'http://[::1]:3000' },
  );
  assert.equal('HTTP' in custom.Check && custom.Check.HTTP, 'http://[::1]:3000/_ready');
  assert.equal('Timeout' in custom.Check && custom.Check.Timeout, '750ms');
});

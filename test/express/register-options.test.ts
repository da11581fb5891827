// Every option of register() is checked before anything starts, and a mistake names the option and what
// would be right — unknown keys at every depth included.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import express from 'express';
import { register, InvalidOptionError, type RegisterOptions } from '../../lib/express/index.js';

let server: Server;
const app = express();

before(() => {
  // Never listening: options are refused before register() waits for the server.
  server = createServer(app);
});

after(() => {
  server.close();
});

async function refused(options: unknown, option: string, message: RegExp): Promise<void> {
  await assert.rejects(register(server, options as RegisterOptions), (error: unknown) => {
    assert.ok(error instanceof InvalidOptionError, `an InvalidOptionError, got ${String(error)}`);
    assert.equal(error.code, 'ERR_PROXYLESS_INVALID_OPTION');
    assert.equal(error.option, option);
    assert.match(error.message, message);
    return true;
  });
}

test('the service is required and must be a Consul service name', async () => {
  await refused({ app }, 'service', /is required/);
  await refused({ service: 'a/b', app }, 'service', /no '\/'/);
  await refused({ service: '', app }, 'service', /non-empty string/);
});

test('an unknown option is refused with its full path and the nearest known one, at every depth', async () => {
  await refused({ servce: 'users', app }, 'servce', /did you mean `service`\?/);
  await refused({ service: 'users', app, check: { intervl: '5s' } }, 'check.intervl', /did you mean `check.interval`\?/);
  await refused({ service: 'users', app, check: { ttl: '10s', pth: '/h' } }, 'check.pth', /did you mean `check.path`\?/);
  await refused({ service: 'users', app, drain: { signal: ['SIGTERM'] } }, 'drain.signal', /did you mean `drain.signals`\?/);
  await refused({ service: 'users', app, weights: { pasing: 2 } }, 'weights.pasing', /did you mean `weights.passing`\?/);
});

test('an HTTP check needs the app its route is mounted on', async () => {
  await refused({ service: 'users' }, 'app', /is required with an HTTP check.*check: \{ ttl: '10s' \}/);
  await refused({ service: 'users', app: {} }, 'app', /get\(path, handler\)/);
});

test('check durations read as Consul writes them, within what Consul accepts', async () => {
  await refused({ service: 'users', app, check: { interval: '5 seconds' } }, 'check.interval', /'5s', '500ms' or '1m'/);
  await refused({ service: 'users', app, check: { interval: '500ms' } }, 'check.interval', /at least 1s \(Consul's minimum interval\)/);
  await refused({ service: 'users', app, check: { deregisterCriticalServiceAfter: '30s' } }, 'check.deregisterCriticalServiceAfter', /at least 1m/);
  await refused({ service: 'users', check: { ttl: 2 ** 31 } }, 'check.ttl', /at most 2147483647 ms/);
  await refused({ service: 'users', app, check: { ttl: '10s', interval: '5s' } }, 'check.interval', /TTL check; give one or the other/);
  await refused({ service: 'users', app, check: { path: 'health' } }, 'check.path', /starting with '\/'/);
});

test("tags, meta and weights are checked against Consul's own rules", async () => {
  await refused({ service: 'users', app, tags: 'v2' }, 'tags', /array of non-empty strings/);
  await refused({ service: 'users', app, meta: { 'consul-version': '1' } }, 'meta.consul-version', /not starting with 'consul-'/);
  await refused({ service: 'users', app, meta: { version: 2 } }, 'meta.version', /must be a string/);
  await refused({ service: 'users', app, weights: { passing: 0 } }, 'weights.passing', /whole number of at least 1/);
});

test('the instance id, address and port are checked', async () => {
  await refused({ service: 'users', app, id: 'users/1' }, 'id', /must not contain '\/'/);
  await refused({ service: 'users', app, address: 'http://10.0.0.1' }, 'address', /without scheme/);
  await refused({ service: 'users', app, port: 70_000 }, 'port', /from 1 to 65535/);
});

test('drain options: signals that can be caught, durations, and whether to exit', async () => {
  await refused({ service: 'users', app, drain: { signals: ['SIGKILL'] } }, 'drain.signals', /no process can catch it/);
  await refused({ service: 'users', app, drain: { signals: ['SIGTERMS'] } }, 'drain.signals', /signal names/);
  await refused({ service: 'users', app, drain: { signals: 'SIGTERM' } }, 'drain.signals', /array of signal names/);
  await refused({ service: 'users', app, drain: { propagationMs: -1 } }, 'drain.propagationMs', /from 0/);
  await refused({ service: 'users', app, drain: { exit: 'yes' } }, 'drain.exit', /true or false/);
});

test('the consul option is checked as createClient checks it', async () => {
  await refused({ service: 'users', app, consul: { port: 0 } }, 'consul.port', /from 1 to 65535/);
  await refused({ service: 'users', app, consul: 'localhost:8500' }, 'consul', /must be an object/);
});

test('the health function and the timings must be what they say', async () => {
  await refused({ service: 'users', app, health: 'passing' }, 'health', /must be a function/);
  await refused({ service: 'users', app, registerTimeoutMs: 0 }, 'registerTimeoutMs', /from 1/);
  await refused({ service: 'users', app, agentSyncIntervalMs: 10 }, 'agentSyncIntervalMs', /from 100/);
});

test('the first argument must be the server app.listen() returned', async () => {
  await refused(undefined, 'options', /must be an object/);
  await assert.rejects(register(app as unknown as Server, { service: 'users', app }), (error: unknown) => {
    assert.ok(error instanceof InvalidOptionError);
    assert.equal(error.option, 'server');
    assert.match(error.message, /app\.listen\(\)/);
    return true;
  });
});

// The logger hook: a pino logger (or console) hears the client's decisions; without one the client is silent.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { createClient } from '../../lib/client/create-client.js';
import { InvalidOptionError } from '../../lib/errors/invalid-option-error.js';
import { FakeDiscovery, instanceAt } from '../support/fake-discovery.js';
import { startServers, type TestServer } from '../support/http-servers.js';

interface Line {
  level: number;
  msg: string;
  service: string;
  instance?: string;
  [field: string]: unknown;
}

/** A pino logger at `level` whose lines are kept, parsed. */
function recordingPino(level: string): { logger: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text !== '') lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

const pinoLevel = { debug: 20, info: 30, warn: 40, error: 50 };

describe('the logger hook', { timeout: 60_000 }, () => {
  let servers: TestServer[];

  before(async () => {
    servers = await startServers(2);
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  test('a pino logger hears the set of instances, each retry, and a breaker opening', async () => {
    const [good, bad] = servers as [TestServer, TestServer];
    good.respondWith((_req, res) => res.json({ ok: true }));
    bad.respondWith((_req, res) => res.status(503).end());
    const { logger, lines } = recordingPino('debug');
    const discovery = new FakeDiscovery();
    const client = createClient({
      service: 'users',
      discovery,
      picker: 'round-robin',
      breaker: { consecutiveFailures: 2, maxEjectionPercent: 50, panicThresholdPercent: 0 },
      retry: { backoff: false },
      logger,
    });
    try {
      discovery.set([instanceAt(good.port, { id: 'users-1' }), instanceAt(bad.port, { id: 'users-2' })]);
      for (let i = 0; i < 6; i++) await client.get('/users');
      await new Promise((resolve) => setImmediate(resolve));
      const changed = lines.find((line) => line.msg.startsWith('users: 2 instances'));
      assert.ok(changed, 'the first set is logged');
      assert.equal(changed.level, pinoLevel.info);
      assert.deepEqual(changed.added, ['users-1', 'users-2']);
      const retries = lines.filter((line) => line.msg.startsWith('users: retrying GET /users after 503 on users-2'));
      assert.equal(retries.length, 2);
      assert.equal(retries[0]!.level, pinoLevel.debug);
      const opened = lines.find((line) => line.msg === 'users: users-2 (127.0.0.1:' + bad.port + ') taken out: its breaker opened');
      assert.ok(opened, `the breaker opening is logged; got ${lines.map((l) => l.msg).join(' | ')}`);
      assert.equal(opened.level, pinoLevel.warn);
      assert.equal(opened.instance, 'users-2');
      assert.equal(opened.service, 'users');
    } finally {
      await client.close();
    }
  });

  test('a failure that is not retried is a warning that says why', async () => {
    const bad = servers[1]!;
    bad.respondWith((_req, res) => res.status(503).end());
    const { logger, lines } = recordingPino('info');
    const client = createClient({ service: 'orders', discovery: new FakeDiscovery([instanceAt(bad.port, { id: 'orders-1' })]), breaker: false, logger });
    try {
      await client.post('/orders', {}).catch(() => undefined);
      const warning = lines.find((line) => line.level === pinoLevel.warn);
      assert.equal(warning?.msg, 'orders: POST /orders failed on orders-1 (503) and was not retried: not-idempotent');
      assert.equal(warning?.reason, 'not-idempotent');
      assert.ok(!lines.some((line) => line.level === pinoLevel.debug), 'debug lines stay below the level');
    } finally {
      await client.close();
    }
  });

  test('discovery errors are written with their message and code, not the error object', async () => {
    const calls: { level: string; fields: Record<string, unknown>; message: string }[] = [];
    const record = (level: string) => (fields: Record<string, unknown>, message: string) => calls.push({ level, fields, message });
    const discovery = new FakeDiscovery();
    const client = createClient({
      service: 'users',
      discovery,
      logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') },
    });
    try {
      discovery.fail(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8500', { cause: { headers: { 'x-consul-token': 'secret' } } }), { code: 'ECONNREFUSED' }));
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.level, 'warn');
      assert.deepEqual(calls[0]!.fields.error, { type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:8500', code: 'ECONNREFUSED' });
      assert.doesNotMatch(JSON.stringify(calls), /secret/);
    } finally {
      await client.close();
    }
  });

  test('without a logger the client writes nothing, whatever happens', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/observe/silent-client.fixture.ts'], {
      cwd: new URL('../../', import.meta.url),
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual({ stdout: run.stdout, stderr: run.stderr }, { stdout: '', stderr: '' });
  });

  test('a logger without all four methods is refused, naming what is missing', () => {
    assert.throws(
      () => createClient({ service: 'users', discovery: new FakeDiscovery([]), logger: { info() {}, warn() {} } as never }),
      (error: unknown) =>
        error instanceof InvalidOptionError && error.option === 'logger' && /debug, error are missing/.test(error.message),
    );
    const client = createClient({ service: 'users', discovery: new FakeDiscovery([]), logger: console });
    return client.close();
  });
});

// `proxyless status`, run as a user runs it — a process — against a real Consul agent.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startBlackhole, type Blackhole } from '../support/blackhole.js';
import { startConsul, type ConsulAgent } from '../support/consul-agent.js';
import { freePort } from '../support/free-port.js';
import { waitFor } from '../support/load.js';
import type { ServiceReport } from '../../lib/cli/service-report.js';

const root = new URL('../../', import.meta.url);
const cli = ['--import', 'tsx', 'lib/cli/main.ts'];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function proxyless(args: string[], env: Record<string, string> = {}): Run {
  const started = performance.now();
  const run = spawnSync(process.execPath, [...cli, ...args], { cwd: root, encoding: 'utf8', timeout: 30_000, env: { ...process.env, CONSUL_HTTP_ADDR: '', CONSUL_HTTP_TOKEN: '', ...env } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, ms: performance.now() - started };
}

describe('proxyless status', { timeout: 90_000 }, () => {
  let consul: ConsulAgent;
  let deadPort: number;

  before(async () => {
    consul = await startConsul();
    deadPort = await freePort();
    await consul.registerService({ id: 'users-1', name: 'users', port: 4001, address: '127.0.0.1', tags: ['v2'], weights: { passing: 3, warning: 1 } });
    await consul.registerService({ id: 'users-2', name: 'users', port: 4002, address: '127.0.0.1' });
    // An HTTP check starts critical, and nothing listens on its port.
    await consul.registerService({ id: 'users-3', name: 'users', port: 4003, address: '127.0.0.1', check: { http: `http://127.0.0.1:${deadPort}/health`, interval: '30s' } });
  });
  after(async () => {
    await consul?.stop();
  });

  test('lists every instance with address, node, checks, tags and weights, and which a client would route to', () => {
    const run = proxyless(['status', 'users', '--consul', consul.address]);
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.split('\n');
    assert.equal(lines[0], `users — 3 instances in Consul at ${consul.address}; a client would route to 2`);
    assert.match(lines[2]!, /^ID\s+ADDRESS\s+NODE\s+CHECKS\s+TAGS\s+WEIGHTS\s+CLIENT$/);
    assert.match(run.stdout, /users-1\s+127\.0\.0\.1:4001\s+proxyless-test\s+passing 1\/1\s+v2\s+3\/1\s+routes/);
    assert.match(run.stdout, /users-2\s+127\.0\.0\.1:4002\s+proxyless-test\s+passing 1\/1\s+-\s+1\/1\s+routes/);
    assert.match(run.stdout, /users-3\s+127\.0\.0\.1:4003\s+proxyless-test\s+critical 1\/2 \(Service 'users' check\)\s+-\s+1\/1\s+skips: check "Service 'users' check" is critical/);
  });

  test('--json gives the same as data', () => {
    const run = proxyless(['status', 'users', '--json', '--consul', consul.address]);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as ServiceReport;
    assert.equal(report.routed, 2);
    assert.deepEqual(report.instances.map((i) => [i.id, i.port, i.health, i.routed]), [
      ['users-1', 4001, 'passing', true],
      ['users-2', 4002, 'passing', true],
      ['users-3', 4003, 'critical', false],
    ]);
    assert.deepEqual(report.instances[0]!.weights, { passing: 3, warning: 1 });
    assert.deepEqual(report.instances[0]!.tags, ['v2']);
    assert.deepEqual(report.instances[2]!.checks.map((c) => c.status).sort(), ['critical', 'passing']);
  });

  test('CONSUL_HTTP_ADDR is used without --consul', () => {
    const run = proxyless(['status', 'users', '--json'], { CONSUL_HTTP_ADDR: consul.address });
    assert.equal(run.status, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as ServiceReport).instances.length, 3);
  });

  test('an unknown service is one line, with the nearest name, and exit 1', () => {
    const run = proxyless(['status', 'usrs', '--consul', consul.address]);
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, `proxyless: Consul at ${consul.address} has no service "usrs"; did you mean "users"?\n`);
  });

  test('a Consul nothing listens on is one line and exit 1, at once', async () => {
    const port = await freePort();
    const run = proxyless(['status', 'users', '--consul', `127.0.0.1:${port}`]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, new RegExp(`^proxyless: cannot reach Consul at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*\\n$`));
    assert.ok(run.ms < 10_000, `took ${Math.round(run.ms)} ms`);
  });

  test('a Consul that never answers is one line and exit 1 within a few seconds', async () => {
    const hole: Blackhole = await startBlackhole();
    try {
      const run = proxyless(['status', 'users', '--consul', `127.0.0.1:${hole.port}`]);
      assert.equal(run.status, 1);
      assert.equal(run.stderr, `proxyless: cannot reach Consul at 127.0.0.1:${hole.port}: no answer within 3 s\n`);
      assert.ok(run.ms < 15_000, `took ${Math.round(run.ms)} ms`);
    } finally {
      await hole.close();
    }
  });

  test('--watch prints the service again when it changes, until interrupted', async () => {
    const child = spawn(process.execPath, [...cli, 'status', 'users', '--watch', '--json', '--consul', consul.address], {
      cwd: root,
      env: { ...process.env, CONSUL_HTTP_ADDR: '', CONSUL_HTTP_TOKEN: '' },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor(() => stdout.split('\n').length >= 2, 15_000, 'the first report');
      await consul.registerService({ id: 'users-4', name: 'users', port: 4004, address: '127.0.0.1' });
      await waitFor(() => stdout.split('\n').length >= 3, 15_000, 'a second report');
      const reports = stdout.trim().split('\n').map((line) => JSON.parse(line) as ServiceReport);
      assert.deepEqual(reports.map((r) => r.instances.length), [3, 4]);
      assert.equal(reports[1]!.routed, 3);
    } finally {
      child.kill('SIGINT');
      assert.equal(await exited, 0);
      await consul.deregisterService('users-4');
    }
  });

  test('--help documents every flag, and a wrong command line exits 2', () => {
    const help = proxyless(['--help']);
    assert.equal(help.status, 0);
    for (const flag of ['--consul', '--watch', '--json', '--help', 'CONSUL_HTTP_ADDR', 'CONSUL_HTTP_TOKEN']) assert.ok(help.stdout.includes(flag), `--help mentions ${flag}`);
    const unknown = proxyless(['status', 'users', '--tag', 'v2']);
    assert.equal(unknown.status, 2);
    assert.equal(unknown.stderr, "proxyless: Unknown option '--tag' (see proxyless --help)\n");
    assert.equal(proxyless(['status']).status, 2);
    assert.equal(proxyless(['status', 'users', '--consul', 'http://x/path']).status, 2);
  });
});

test("the package's `bin` is the built command, and it runs", () => {
  const bin = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { bin: { proxyless: string } }).bin.proxyless;
  assert.match(readFileSync(new URL(bin, root), 'utf8'), /^#!\/usr\/bin\/env node\n/);
  const run = spawnSync(process.execPath, [bin, '--help'], { cwd: root, encoding: 'utf8', timeout: 20_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^Usage: proxyless status <service> \[--consul host:port\] \[--watch\] \[--json\]/);
});

// Discovery against a Consul agent with ACLs enabled and default-deny: a management token is bootstrapped,
// and tokens are made with the least policy a client needs, with part of it, and with none. Consul answers
// a read the token may not make with an empty list, not a refusal: the client must say the token is why.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClient } from '../../lib/client/create-client.js';
import type { BalancedClient } from '../../lib/client/balanced-client.js';
import { ConsulDiscovery } from '../../lib/discovery/consul-discovery.js';
import { ConsulAclError } from '../../lib/errors/consul-acl-error.js';
import { NoHealthyInstancesError } from '../../lib/errors/no-healthy-instances-error.js';
import { startConsul, type ConsulAgent } from '../support/consul-agent.js';
import { DiscoveryRecorder } from '../support/discovery-recorder.js';
import { startFleet, type Fleet } from '../support/instance-process.js';
import { waitFor } from '../support/load.js';

const LEAST_POLICY = 'service "billing" { policy = "read" }\nnode_prefix "" { policy = "read" }';

describe('discovery with ACLs, default deny', { timeout: 90_000 }, () => {
  let consul: ConsulAgent;
  let fleet: Fleet;
  let dir: string;
  const tokens: string[] = [];
  const clients: BalancedClient[] = [];
  /** Everything the tests saw that a user could: messages, event payloads, statuses, output. */
  const seen: string[] = [];
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };

  before(async () => {
    consul = await startConsul({ acl: true });
    tokens.push(consul.managementToken!);
    fleet = await startFleet(2, { consul, service: 'billing' });
    dir = mkdtempSync(join(tmpdir(), 'proxyless-acl-'));
    for (const stream of ['stdout', 'stderr'] as const) {
      const original = writes[stream];
      process[stream].write = ((chunk: unknown, ...rest: unknown[]) => {
        seen.push(String(chunk));
        return (original as (...args: unknown[]) => boolean).call(process[stream], chunk, ...rest);
      }) as typeof process.stdout.write;
    }
  });

  after(async () => {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    for (const client of clients) await client.close();
    await fleet?.stopAll();
    await consul?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function token(rules?: string): Promise<string> {
    const secret = await consul.createToken(rules);
    tokens.push(secret);
    return secret;
  }

  function client(consulOption: Parameters<typeof createClient>[0]['consul']): BalancedClient {
    const created = createClient({ service: 'billing', consul: consulOption });
    clients.push(created);
    created.on('discoveryError', (event) => seen.push(JSON.stringify({ ...event, error: event.error.message })));
    created.on('instancesChanged', (event) => seen.push(JSON.stringify(event)));
    return created;
  }

  /** The first request's error, once discovery has reported why the set is empty. */
  async function failureOf(created: BalancedClient): Promise<{ request: Error; discovery: Error }> {
    const reported = new Promise<Error>((resolve) => created.once('discoveryError', ({ error }) => resolve(error)));
    await created.ready({ timeoutMs: 10_000 });
    const discovery = await reported;
    const request = await created.get('/whoami').then(
      () => assert.fail('a request succeeded without a readable instance'),
      (error: unknown) => error as Error,
    );
    seen.push(discovery.message, request.message);
    return { request, discovery };
  }

  test('a token with the least policy a client needs follows the service', async () => {
    const readable = client({ host: consul.host, port: consul.port, token: await token(LEAST_POLICY) });
    await readable.ready({ timeoutMs: 10_000 });
    await waitFor(() => readable.instances().length === 2, 15_000, 'two passing instances');
    const { data } = await readable.get<{ id: string }>('/whoami');
    assert.match(data.id, /^billing-/);
  });

  test('a token that may not read the service: the error says the token is why, and what to grant', async () => {
    const { request, discovery } = await failureOf(client({ host: consul.host, port: consul.port, token: await token() }));
    assert.ok(discovery instanceof ConsulAclError);
    assert.equal(discovery.code, 'ERR_PROXYLESS_CONSUL_ACL');
    assert.equal(discovery.transient, false);
    assert.match(discovery.message, /the ACL token may not read service "billing"/);
    assert.match(discovery.message, /service "billing" \{ policy = "read" \} plus node_prefix "" \{ policy = "read" \}/);
    assert.ok(request instanceof NoHealthyInstancesError);
    assert.match(request.message, /ACL token may not read service "billing"/, 'not a bare "no instances"');
  });

  test('a token that may read the service but not its nodes: the error names the node rule', async () => {
    const { discovery } = await failureOf(client({ host: consul.host, port: consul.port, token: await token('service "billing" { policy = "read" }') }));
    assert.ok(discovery instanceof ConsulAclError);
    assert.match(discovery.message, /may read service "billing" but no node.*node_prefix "" \{ policy = "read" \}/);
  });

  test('no token at all: the error says none was given and where to give one', async () => {
    const { discovery } = await failureOf(client({ host: consul.host, port: consul.port }));
    assert.ok(discovery instanceof ConsulAclError);
    assert.match(discovery.message, /no ACL token was given, and the anonymous token may not read service "billing"/);
    assert.match(discovery.message, /CONSUL_HTTP_TOKEN_FILE/);
  });

  test('a token Consul does not know: the error says so', async () => {
    const unknown = '2a7d9c4e-1b3f-4e5a-9c8d-7f6e5d4c3b2a';
    tokens.push(unknown);
    const created = client({ host: consul.host, port: consul.port, token: unknown });
    const reported = new Promise<Error>((resolve) => created.once('discoveryError', ({ error }) => resolve(error)));
    const error = await reported;
    seen.push(error.message);
    assert.ok(error instanceof ConsulAclError);
    assert.match(error.message, /Consul does not know the ACL token given \(HTTP 403: ACL not found\)/);
  });

  test('CONSUL_HTTP_TOKEN_FILE is read as Consul\'s CLI reads it, over CONSUL_HTTP_TOKEN', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, `${await token(LEAST_POLICY)}\n`);
    const saved = { file: process.env.CONSUL_HTTP_TOKEN_FILE, token: process.env.CONSUL_HTTP_TOKEN };
    process.env.CONSUL_HTTP_TOKEN_FILE = file;
    process.env.CONSUL_HTTP_TOKEN = await token();
    try {
      const fromFile = client({ host: consul.host, port: consul.port });
      await fromFile.ready({ timeoutMs: 10_000 });
      await waitFor(() => fromFile.instances().length === 2, 15_000, 'the instances through the file token');
    } finally {
      for (const [name, value] of [['CONSUL_HTTP_TOKEN_FILE', saved.file], ['CONSUL_HTTP_TOKEN', saved.token]] as const) {
        if (value === undefined) Reflect.deleteProperty(process.env, name);
        else process.env[name] = value;
      }
    }
  });

  test('a token deleted while in use: errors say so and the last set stays in use', async () => {
    const secret = await token(LEAST_POLICY);
    const discovery = new ConsulDiscovery({ service: 'billing', consul: { host: consul.host, port: consul.port, token: secret } });
    seen.push(discovery.description);
    const recorder = new DiscoveryRecorder();
    const subscription = discovery.subscribe(recorder);
    try {
      await recorder.until((r) => r.latestIds().length === 2, 15_000, 'two instances');
      // Consul deletes a token by its accessor, which the token itself may read.
      const self = await fetch(`http://${consul.address}/v1/acl/token/self`, { headers: { 'x-consul-token': secret } });
      const { AccessorID } = (await self.json()) as { AccessorID: string };
      await consul.api('DELETE', `/v1/acl/token/${AccessorID}`);
      // The next blocking query ends within its wait; the loop's waits are short while it is young.
      await recorder.until((r) => r.errors.some((e) => e instanceof ConsulAclError), 40_000, 'the refusal');
      assert.match(recorder.errors.find((e) => e instanceof ConsulAclError)!.message, /does not know the ACL token/);
      assert.deepEqual(recorder.latestIds().length, 2, 'the last set stays in use');
      for (const item of [...recorder.errors.map((e) => e.message), ...recorder.statuses.map((s) => JSON.stringify(s))]) seen.push(item);
    } finally {
      subscription.close();
    }
  });

  test('no token ever appears in an error, an event, a description, a status or the output', () => {
    const everything = seen.join('\n');
    assert.ok(everything.length > 1000, 'the other tests recorded what they saw');
    for (const secret of tokens) assert.ok(!everything.includes(secret), 'a token leaked into what users see');
  });
});

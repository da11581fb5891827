// Unit tests of the `consul` option: one agent or several, defaults from Consul's CLI environment variables,
// token files, TLS material and validation.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Consul from 'consul';
import { consulConnections, type ConsulConnection } from '../../lib/discovery/consul-connection.js';
import { InvalidOptionError } from '../../lib/errors/invalid-option-error.js';

const one = (option: unknown, env: Record<string, string> = {}): ConsulConnection => {
  const connections = consulConnections(option as never, 'consul', env);
  assert.equal(connections.length, 1);
  return connections[0]!;
};

function refused(option: unknown, name: string, env: Record<string, string> = {}, message?: RegExp): void {
  assert.throws(
    () => consulConnections(option as never, 'consul', env),
    (error: unknown) => {
      assert.ok(error instanceof InvalidOptionError, String(error));
      assert.equal(error.option, name);
      if (message) assert.match(error.message, message);
      return true;
    },
    JSON.stringify(option),
  );
}

describe('the consul option', () => {
  test('defaults to 127.0.0.1:8500 without environment', () => {
    assert.equal(one(undefined).address, '127.0.0.1:8500');
  });

  test('reads CONSUL_HTTP_ADDR in each of the forms Consul CLI accepts', () => {
    assert.equal(one(undefined, { CONSUL_HTTP_ADDR: 'consul.local:8501' }).address, 'consul.local:8501');
    assert.equal(one(undefined, { CONSUL_HTTP_ADDR: 'http://10.0.0.2:8500' }).address, '10.0.0.2:8500');
    assert.equal(one(undefined, { CONSUL_HTTP_ADDR: 'https://10.0.0.2:8501' }).address, 'https://10.0.0.2:8501');
    assert.equal(one(undefined, { CONSUL_HTTP_ADDR: '[::1]:8500' }).address, '[::1]:8500');
    assert.equal(one(undefined, { CONSUL_HTTP_ADDR: '10.0.0.2:8500', CONSUL_HTTP_SSL: 'true' }).address, 'https://10.0.0.2:8500');
  });

  test('explicit fields win over the environment', () => {
    assert.equal(one({ host: 'a.example', port: 9500 }, { CONSUL_HTTP_ADDR: 'b.example:8500' }).address, 'a.example:9500');
  });

  test('a list names several agents in order of preference', () => {
    const connections = consulConnections([{ host: '127.0.0.1', port: 8500 }, { host: '10.0.0.2' }, new Consul({ host: '10.0.0.3', port: 8600 })], 'consul', {});
    assert.deepEqual(
      connections.map((c) => c.address),
      ['127.0.0.1:8500', '10.0.0.2:8500', '10.0.0.3:8600'],
    );
  });

  test('a list that is empty, repeats an agent or holds a wrong entry is refused, naming the entry', () => {
    refused([], 'consul', {}, /at least one agent/);
    refused([{ host: 'a' }, { host: 'b' }, { host: 'a', port: 8500 }], 'consul[2]', {}, /repeats consul\[0\] \(a:8500\)/);
    refused([{ host: 'a' }, { host: 'b', prot: 8501 }], 'consul[1].prot', {}, /did you mean `consul\[1\]\.port`/);
    refused([{ host: 'a' }, '10.0.0.2:8500'], 'consul[1]', {}, /must be an object/);
  });

  test('an unknown key is refused at once with the nearest known one, and the value is not printed', () => {
    assert.throws(
      () => consulConnections({ host: 'a', tokn: 'secret-token-1' } as never, 'consul', {}),
      (error: unknown) =>
        error instanceof InvalidOptionError &&
        error.option === 'consul.tokn' &&
        /did you mean `consul\.token`/.test(error.message) &&
        !error.message.includes('secret-token-1'),
    );
  });

  test('the token changes the sharing key but never appears in the address or the key', () => {
    const a = one({ token: 'secret-token-1' });
    const b = one(undefined, { CONSUL_HTTP_TOKEN: 'secret-token-2' });
    const none = one(undefined);
    assert.notEqual(a.key, b.key);
    assert.notEqual(a.key, none.key);
    for (const connection of [a, b]) {
      assert.ok(!connection.address.includes('secret') && !connection.key.includes('secret'), connection.key);
    }
  });

  test('tokens from a file: the option, CONSUL_HTTP_TOKEN_FILE over CONSUL_HTTP_TOKEN, an empty file passed over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proxyless-token-'));
    try {
      const file = join(dir, 'token');
      const empty = join(dir, 'empty');
      writeFileSync(file, '  token-from-file\n');
      writeFileSync(empty, '\n');
      const sent = await serverSeeing();
      try {
        const at = { host: '127.0.0.1', port: sent.port };
        assert.equal(await sent.token(one({ ...at, tokenFile: file })), 'token-from-file');
        assert.equal(await sent.token(one(at, { CONSUL_HTTP_TOKEN_FILE: file, CONSUL_HTTP_TOKEN: 'from-variable' })), 'token-from-file');
        assert.equal(await sent.token(one(at, { CONSUL_HTTP_TOKEN_FILE: empty, CONSUL_HTTP_TOKEN: 'from-variable' })), 'from-variable');
        assert.equal(await sent.token(one({ ...at, token: 'given' }, { CONSUL_HTTP_TOKEN_FILE: file })), 'given');
        assert.equal(await sent.token(one(at)), undefined);
      } finally {
        await sent.close();
      }
      refused({ tokenFile: join(dir, 'missing') }, 'consul.tokenFile', {}, /readable file.*ENOENT/);
      refused(undefined, 'CONSUL_HTTP_TOKEN_FILE', { CONSUL_HTTP_TOKEN_FILE: join(dir, 'missing') }, /\(environment\)/);
      refused({ token: 't', tokenFile: file }, 'consul.tokenFile', {}, /both given/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('TLS material given as options means HTTPS; from the environment it applies once HTTPS is asked for', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    assert.equal(one({ host: 'a', ca: pem }).address, 'https://a:8500');
    assert.equal(one({ host: 'a', servername: 'server.dc1.consul' }).address, 'https://a:8500');
    const dir = mkdtempSync(join(tmpdir(), 'proxyless-ca-'));
    try {
      const caFile = join(dir, 'ca.pem');
      writeFileSync(caFile, pem);
      // As Consul's CLI: CONSUL_CACERT alone does not switch to HTTPS.
      assert.equal(one({ host: 'a' }, { CONSUL_CACERT: caFile }).address, 'a:8500');
      assert.equal(one({ host: 'a' }, { CONSUL_CACERT: caFile, CONSUL_HTTP_SSL: 'true' }).address, 'https://a:8500');
      refused({ host: 'a', secure: true }, 'CONSUL_CACERT', { CONSUL_CACERT: join(dir, 'missing.pem') }, /readable PEM file/);
      refused({ host: 'a', secure: true }, 'CONSUL_CLIENT_KEY', { CONSUL_CLIENT_CERT: caFile }, /needs both/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('invalid values are refused with the option named', () => {
    const cases: [unknown, string, RegExp?][] = [
      [{ port: 0 }, 'consul.port'],
      [{ port: 70000 }, 'consul.port'],
      [{ port: 8.5 }, 'consul.port'],
      [{ host: 'http://x:8500' }, 'consul.host'],
      [{ secure: 'yes' }, 'consul.secure'],
      [{ ca: 42 }, 'consul.ca'],
      [{ ca: '/etc/consul/ca.pem' }, 'consul.ca', /looks like a file name: pass readFileSync/],
      [{ ca: '-----BEGIN CERTIFICATE-----', secure: false }, 'consul.ca', /needs HTTPS/],
      [{ cert: '-----BEGIN CERTIFICATE-----' }, 'consul.key', /both `cert` and `key`/],
      [{ servername: '' }, 'consul.servername'],
      [{ token: 42 }, 'consul.token'],
      ['127.0.0.1:8500', 'consul'],
    ];
    for (const [option, name, message] of cases) refused(option, name, {}, message);
    assert.throws(() => consulConnections(undefined, 'consul', { CONSUL_HTTP_ADDR: 'ftp://x:1' }), InvalidOptionError);
    assert.throws(() => consulConnections(undefined, 'consul', { CONSUL_HTTP_SSL: 'maybe' }), InvalidOptionError);
  });

  test('a given Consul client is used as is, shared by identity, and carries its own token', async () => {
    const client = new Consul({ host: '10.9.8.7', port: 8600 });
    const a = one(client);
    assert.equal(a.address, '10.9.8.7:8600');
    assert.equal(a.createClient(), client);
    assert.equal(one(client).key, a.key);
    assert.notEqual(one(new Consul()).key, a.key);
    client.destroy();

    const sent = await serverSeeing();
    try {
      const withToken = new Consul({ host: '127.0.0.1', port: sent.port, defaults: { token: 'client-token' } });
      assert.equal(await sent.token(one(withToken)), 'client-token');
      withToken.destroy();
    } finally {
      await sent.close();
    }
  });
});

/** A server standing in for Consul that tells which token a connection's reader sends. */
async function serverSeeing(): Promise<{ port: number; token(connection: ConsulConnection): Promise<string | undefined>; close(): Promise<void> }> {
  let seen: string | undefined;
  const server = createServer((request, response) => {
    seen = request.headers['x-consul-token'] as string | undefined;
    response.writeHead(200, { 'content-type': 'application/json' }).end('"127.0.0.1:8300"');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async token(connection) {
      seen = undefined;
      const reader = connection.openReader();
      try {
        const answer = await reader.get('/status/leader', {}, {}, { timeoutMs: 2_000 });
        assert.equal(answer.status, 200);
        return seen;
      } finally {
        reader.close();
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

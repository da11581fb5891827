// Discovery from a Consul agent that serves HTTPS only and verifies its clients (verify_incoming_https),
// with a CA and certificates the test makes with openssl. The agent's certificate names only
// server.dc1.consul, as Consul's own tooling makes them, so the client must be told that name.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from '../../lib/client/create-client.js';
import type { ConsulConnectionOptions } from '../../lib/discovery/consul-connection.js';
import { ConsulDiscovery } from '../../lib/discovery/consul-discovery.js';
import { ConsulTlsError } from '../../lib/errors/consul-tls-error.js';
import { startConsul, type ConsulAgent } from '../support/consul-agent.js';
import { makeCertificates, type TestCertificates } from '../support/consul-certificates.js';
import { DiscoveryRecorder } from '../support/discovery-recorder.js';
import { startInstance, type TestInstance } from '../support/instance-process.js';
import { waitFor } from '../support/load.js';

describe('discovery over TLS', { timeout: 90_000 }, () => {
  let certificates: TestCertificates;
  let consul: ConsulAgent;
  let instance: TestInstance;

  before(async () => {
    certificates = await makeCertificates();
    consul = await startConsul({ tls: { certificates, verifyClients: true } });
    instance = await startInstance({ consul, service: 'vault-proxy', id: 'vault-proxy-1' });
  });

  after(async () => {
    await instance?.stop();
    await consul?.stop();
    await certificates?.remove();
  });

  const at = () => ({ host: consul.host, port: consul.port });
  const full = (): ConsulConnectionOptions => ({
    ...at(),
    ca: certificates.ca,
    cert: certificates.clientCert,
    key: certificates.clientKey,
    servername: certificates.serverName,
  });

  /** The first error discovery reports with these options, and how long it took. */
  async function firstError(consulOption: ConsulConnectionOptions): Promise<{ error: Error; ms: number }> {
    const recorder = new DiscoveryRecorder();
    const started = performance.now();
    const subscription = new ConsulDiscovery({ service: 'vault-proxy', consul: consulOption }).subscribe(recorder);
    try {
      await recorder.until((r) => r.errors.length > 0, 10_000, 'an error');
      return { error: recorder.errors[0]!, ms: performance.now() - started };
    } finally {
      subscription.close();
    }
  }

  test('a client with the CA, a client certificate and the server name follows the service over HTTPS', async () => {
    const client = createClient({ service: 'vault-proxy', consul: full() });
    try {
      await client.ready({ timeoutMs: 10_000 });
      await waitFor(() => client.instances().length === 1, 15_000, 'the passing instance');
      const { data } = await client.get<{ id: string }>('/whoami');
      assert.equal(data.id, 'vault-proxy-1');
    } finally {
      await client.close();
    }
  });

  test('CONSUL_HTTP_ADDR, CONSUL_CACERT, CONSUL_CLIENT_CERT, CONSUL_CLIENT_KEY and CONSUL_TLS_SERVER_NAME are read as Consul\'s CLI reads them', async () => {
    const variables = {
      CONSUL_HTTP_ADDR: `${consul.host}:${consul.port}`,
      CONSUL_HTTP_SSL: 'true',
      CONSUL_CACERT: certificates.caFile,
      CONSUL_CLIENT_CERT: certificates.clientCertFile,
      CONSUL_CLIENT_KEY: certificates.clientKeyFile,
      CONSUL_TLS_SERVER_NAME: certificates.serverName,
    };
    const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
    Object.assign(process.env, variables);
    try {
      const client = createClient({ service: 'vault-proxy' });
      try {
        await client.ready({ timeoutMs: 10_000 });
        await waitFor(() => client.instances().length === 1, 15_000, 'the passing instance');
      } finally {
        await client.close();
      }
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) Reflect.deleteProperty(process.env, name);
        else process.env[name] = value;
      }
    }
  });

  test('a wrong CA fails at once with an error naming TLS and the remedy, and ready() says so', async () => {
    const wrong = { ...full(), ca: certificates.otherCa };
    const { error, ms } = await firstError(wrong);
    assert.ok(error instanceof ConsulTlsError, String(error));
    assert.equal(error.code, 'ERR_PROXYLESS_CONSUL_TLS');
    assert.equal(error.transient, false, 'waiting will not fix it');
    assert.match(error.message, /TLS with the Consul agent failed: the certificate of https:\/\/127\.0\.0\.1:\d+ is not signed by a CA proxyless trusts/);
    assert.match(error.message, /consul\.ca` or CONSUL_CACERT/);
    // Far below the 10 s that ready() waits by default: the first request failed, nothing timed out.
    assert.ok(ms < 5_000, `the first error came after ${ms.toFixed(0)} ms`);

    const client = createClient({ service: 'vault-proxy', consul: wrong });
    try {
      const started = performance.now();
      await assert.rejects(client.ready({ timeoutMs: 30_000 }), (rejection: unknown) => {
        assert.ok(rejection instanceof ConsulTlsError, 'ready() rejects with the TLS error itself, not a timeout');
        assert.match(rejection.message, /TLS with the Consul agent failed/);
        return true;
      });
      assert.ok(performance.now() - started < 5_000, 'at once, not at the end of its 30 s');
    } finally {
      await client.close();
    }
  });

  test('without the server name, the error says which name to set', async () => {
    const { error } = await firstError({ ...full(), servername: undefined } as ConsulConnectionOptions);
    assert.ok(error instanceof ConsulTlsError, String(error));
    assert.match(error.message, /does not carry the name asked for .*set `consul\.servername` \(or CONSUL_TLS_SERVER_NAME\)/);
  });

  test('without a client certificate, the error says the agent verifies clients', async () => {
    const { error } = await firstError({ ...at(), ca: certificates.ca, servername: certificates.serverName });
    assert.ok(error instanceof ConsulTlsError, String(error));
    assert.match(error.message, /verifies clients.*consul\.cert` and `consul\.key`, or CONSUL_CLIENT_CERT and CONSUL_CLIENT_KEY/);
  });

  test('plain HTTP to the HTTPS port: the error says the agent serves HTTPS', async () => {
    const { error } = await firstError(at());
    assert.ok(error instanceof ConsulTlsError, String(error));
    assert.match(error.message, /serves HTTPS on this port: set `consul\.secure`/);
  });
});

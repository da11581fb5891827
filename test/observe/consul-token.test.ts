// The Consul ACL token never appears in a log line, an event, an error, stats, the status page or the
// command's output — checked against a real Consul with ACLs on, which refuses the token given.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { createClient } from '../../lib/client/create-client.js';
import type { ClientEvents } from '../../lib/client/client-events.js';
import { statusPage } from '../../lib/observe/status-page.js';
import { waitFor } from '../support/load.js';
import { startAclConsul, type AclConsul } from './acl-consul.js';

const secret = 'e1c0ffee-5ec2-7a11-b0b5-70ca1f0a7e11';
const eventNames: (keyof ClientEvents)[] = [
  'instancesChanged', 'attemptFailed', 'retry', 'notRetried', 'hedge', 'breakerOpened', 'breakerHalfOpened', 'breakerClosed',
  'panicEntered', 'panicLeft', 'discoveryError', 'discoveryStale', 'discoveryRecovered',
];

/** Everything about `value` that could be printed: own and hidden properties and causes, at any depth. */
function everything(value: unknown): string {
  return inspect(value, { depth: Infinity, showHidden: true, getters: true, maxArrayLength: Infinity, maxStringLength: Infinity });
}

describe('the Consul ACL token', { timeout: 90_000 }, () => {
  let consul: AclConsul;

  before(async () => {
    consul = await startAclConsul('management-token-for-the-test');
  });
  after(async () => {
    await consul?.stop();
  });

  test('is in no log line, event, error, stats or status page of a client that Consul refuses', async () => {
    const logged: unknown[] = [];
    const record = (fields: Record<string, unknown>, message: string) => logged.push({ fields, message });
    const client = createClient({
      service: 'users',
      consul: { host: consul.host, port: consul.port, token: secret },
      discoveryTimeoutMs: 2_000,
      logger: { debug: record, info: record, warn: record, error: record },
    });
    const events: unknown[] = [];
    for (const name of eventNames) client.on(name, (payload: unknown) => events.push(payload));
    const page: Server = createServer(statusPage(client));
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
    try {
      const notReady = await client.ready().then(() => assert.fail('Consul refuses the token'), (error: unknown) => error);
      const failedRequest = await client.get('/users').then(() => assert.fail('no instance is known'), (error: unknown) => error);
      await waitFor(() => events.length > 0, 10_000, 'a discovery error event');
      const stats = client.stats();
      const html = await (await fetch(origin)).text();
      const json = await (await fetch(`${origin}/status.json`)).text();

      assert.match(everything(events), /HTTP 403/, 'Consul refused the token, and the events say so');
      assert.equal(stats.discovery.state, 'failing');
      for (const [where, text] of Object.entries({
        logs: everything(logged),
        events: everything(events),
        'ready() error': everything(notReady),
        'request error': everything(failedRequest),
        stats: everything(stats),
        page: html,
        'status.json': json,
      })) {
        assert.ok(!text.includes(secret), `the token appears in the ${where}`);
      }
    } finally {
      page.closeAllConnections();
      await new Promise((resolve) => page.close(resolve));
      await client.close();
    }
  });

  test('is in no output of `proxyless status`, refused or served', () => {
    const run = (token: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'lib/cli/main.ts', 'status', 'consul', '--consul', consul.address], {
        cwd: new URL('../../', import.meta.url),
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, CONSUL_HTTP_ADDR: '', CONSUL_HTTP_TOKEN: token },
      });
    const refused = run(secret);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /refused the request: HTTP 403 .*CONSUL_HTTP_TOKEN/);
    assert.ok(!`${refused.stdout}${refused.stderr}`.includes(secret));
    const served = run(consul.managementToken);
    assert.equal(served.status, 0, served.stderr);
    assert.match(served.stdout, /^consul — 1 instance in Consul/);
    assert.ok(!`${served.stdout}${served.stderr}`.includes(consul.managementToken));
  });
});

// statusPage(): the middleware's contract over HTTP — the page, its data, and what it leaves to others.
// What the page shows in a browser is tested in status-page.browser.ts.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { createClient } from '../../lib/client/create-client.js';
import type { BalancedClient } from '../../lib/client/balanced-client.js';
import { InvalidOptionError } from '../../lib/errors/invalid-option-error.js';
import { statusPage, type StatusDocument } from '../../lib/observe/status-page.js';
import { FakeDiscovery, instanceAt } from '../support/fake-discovery.js';
import { startServers, type TestServer } from '../support/http-servers.js';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

describe('statusPage()', { timeout: 60_000 }, () => {
  let instances: TestServer[];
  let users: BalancedClient;
  let orders: BalancedClient;
  let app: Server;
  let origin: string;

  before(async () => {
    instances = await startServers(2);
    for (const instance of instances) instance.respondWith((_req, res) => res.json({ id: instance.name }));
    users = createClient({ service: 'users', discovery: new FakeDiscovery([instanceAt(instances[0]!.port, { id: 'users-1' }), instanceAt(instances[1]!.port, { id: 'users-2' })]) });
    orders = createClient({ service: 'orders', discovery: new FakeDiscovery([instanceAt(instances[1]!.port, { id: 'orders-1' })]) });
    const application = express();
    application.use('/lb', statusPage([users, orders]));
    application.use((_req, res) => res.status(404).send('the app’s own 404'));
    app = createServer(application);
    origin = await listen(app);
  });
  after(async () => {
    await Promise.all([users.close(), orders.close()]);
    app.closeAllConnections();
    await new Promise((resolve) => app.close(resolve));
    await Promise.all(instances.map((s) => s.close()));
  });

  test('serves a self-contained page at the mount path, with or without a trailing slash, under a CSP that allows nothing outside', async () => {
    for (const path of ['/lb', '/lb/']) {
      const response = await fetch(origin + path);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'.*connect-src 'self'/);
      const html = await response.text();
      assert.match(html, /<title>proxyless status<\/title>/);
      assert.doesNotMatch(html, /\b(src|href)=/, 'nothing is loaded from anywhere');
      assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'no address but the SVG namespace');
    }
  });

  test("serves every client's stats at <mount>/status.json", async () => {
    await users.get('/users');
    const response = await fetch(`${origin}/lb/status.json`);
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const status = (await response.json()) as StatusDocument;
    assert.ok(!Number.isNaN(Date.parse(status.generatedAt)));
    assert.deepEqual(status.services.map((s) => s.service), ['users', 'orders']);
    assert.deepEqual(status.services[0]!.instances.map((i) => i.id), ['users-1', 'users-2']);
    assert.equal(status.services[0]!.totals.requests, 1);
  });

  test('leaves every other path and method to the rest of the app', async () => {
    const other = await fetch(`${origin}/lb/other`);
    assert.equal(other.status, 404);
    assert.equal(await other.text(), 'the app’s own 404');
    const post = await fetch(`${origin}/lb/status.json`, { method: 'POST' });
    assert.equal(post.status, 404);
  });

  test('works as a plain Node request listener, answering 404 off its paths', async () => {
    const server = createServer(statusPage(users));
    const base = await listen(server);
    try {
      const status = (await (await fetch(`${base}/status.json`)).json()) as StatusDocument;
      assert.deepEqual(status.services.map((s) => s.service), ['users']);
      assert.equal((await fetch(`${base}/nope`)).status, 404);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('refuses anything but clients, saying which one', () => {
    assert.throws(() => statusPage([users, {} as never]), (error: unknown) => error instanceof InvalidOptionError && error.option === 'statusPage(clients)[1]');
  });
});

// The status page in real headless Chromium (Debian's, driven by playwright-core), against real clients
// under load: what it shows, that it moves, and that it loads nothing but its own server's.
// Run with `npm run test:browser` (part of `npm test`). With STATUS_PAGE_SCREENSHOT=<file> it saves a screenshot.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumArgs, chromiumBinary } from '../../scripts/browser.mjs';
import type { BalancedClient } from '../../lib/client/balanced-client.js';
import { createClient } from '../../lib/client/create-client.js';
import { statusPage, type StatusDocument } from '../../lib/observe/status-page.js';
import { FakeDiscovery, instanceAt } from '../support/fake-discovery.js';
import { startServers, type TestServer } from '../support/http-servers.js';
import { sleep, startLoad, type Load } from '../support/load.js';

/** Answers after `delayMs`, with the name the load generator counts by. */
function answerAfter(server: TestServer, delayMs: number): void {
  server.respondWith((_req, res) => setTimeout(() => res.json({ id: server.name }), delayMs));
}

/** Resolves once `condition` holds, checking every 100 ms; rejects after `timeoutMs`. */
async function eventually(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

async function cellText(page: Page, service: string, instance: string, cell: string): Promise<string> {
  return (await page.locator(`section[data-service="${service}"] tr[data-instance="${instance}"] td.${cell}`).textContent()) ?? '';
}

describe('the status page in Chromium', { timeout: 90_000 }, () => {
  let servers: TestServer[];
  let users: BalancedClient;
  let orders: BalancedClient;
  let loads: Load[];
  let app: Server;
  let origin: string;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];
  /** Every status.json the page received, by its generatedAt. */
  const served = new Map<string, StatusDocument>();

  before(async () => {
    servers = await startServers(5);
    const [u1, u2, u3, o1, o2] = servers as [TestServer, TestServer, TestServer, TestServer, TestServer];
    answerAfter(u1, 2);
    answerAfter(u2, 8);
    answerAfter(u3, 25);
    answerAfter(o1, 4);
    answerAfter(o2, 4);
    users = createClient({
      service: 'users',
      discovery: new FakeDiscovery([instanceAt(u1.port, { id: 'users-1' }), instanceAt(u2.port, { id: 'users-2' }), instanceAt(u3.port, { id: 'users-3' })]),
      breaker: { consecutiveFailures: 3, maxEjectionPercent: 34, resetTimeout: 60_000 },
      retry: { backoff: false },
    });
    orders = createClient({
      service: 'orders',
      discovery: new FakeDiscovery([instanceAt(o1.port, { id: 'orders-1' }), instanceAt(o2.port, { id: 'orders-2' })]),
      picker: 'round-robin',
    });
    loads = [startLoad(4, () => users.get('/users')), startLoad(1, () => orders.get('/orders'))];
    const application = express();
    application.use('/lb', statusPage([users, orders]));
    app = createServer(application);
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_BIN ?? (await chromiumBinary()), args: [...chromiumArgs], headless: true, timeout: 30_000 });
    page = await browser.newPage({ viewport: { width: 1180, height: 900 } });
    page.on('request', (request) => requested.push(request.url()));
    page.on('response', (response) => {
      if (response.url().endsWith('/status.json')) {
        response.json().then(
          (status: StatusDocument) => served.set(status.generatedAt, status),
          () => undefined,
        );
      }
    });
  });

  after(async () => {
    await browser?.close();
    await Promise.all((loads ?? []).map((load) => load.stop()));
    await Promise.all([users?.close(), orders?.close()]);
    app?.closeAllConnections();
    await new Promise((resolve) => app?.close(resolve));
    await Promise.all((servers ?? []).map((s) => s.close()));
  });

  test('shows each service, its instances, their state, in-flight count, latency estimate and share', async () => {
    await page.goto(`${origin}/lb`);
    await page.locator('section[data-service="users"] tr[data-instance]').nth(2).waitFor({ timeout: 10_000 });
    await page.locator('section[data-service="orders"] tr[data-instance]').nth(1).waitFor({ timeout: 10_000 });
    assert.equal(await page.title(), 'proxyless status');
    for (const id of ['users-1', 'users-2', 'users-3']) {
      assert.equal(await cellText(page, 'users', id, 'state'), 'healthy');
      assert.match(await cellText(page, 'users', id, 'latency'), /^\d+(\.\d+)? ms$/);
      assert.match(await cellText(page, 'users', id, 'share'), /^\d+\.\d %$/);
      assert.match(await cellText(page, 'users', id, 'inflight'), /^\d+$/);
    }
    // What it shows is p2c-ewma's estimate, from a status.json it was served.
    for (const id of ['users-1', 'users-2', 'users-3']) {
      const cell = page.locator(`section[data-service="users"] tr[data-instance="${id}"] td.latency`);
      const [text, raw] = await cell.evaluate((td: { textContent: string | null; getAttribute(name: string): string | null }) => [td.textContent, td.getAttribute('data-latency-ms')]);
      const latencyMs = Number(raw);
      assert.equal(text, latencyMs < 10 ? `${latencyMs.toFixed(2)} ms` : `${Math.round(latencyMs)} ms`);
      const sent = () => [...served.values()].some((status) => status.services.some((s) => s.instances.some((i) => i.id === id && i.latencyMs === latencyMs)));
      await eventually(async () => sent(), 5_000, `${id}'s ${latencyMs} ms among the status.json documents served`);
    }
    assert.equal(await page.locator('section[data-service="users"] [data-discovery]').textContent(), 'live');
    assert.equal(await cellText(page, 'orders', 'orders-1', 'state'), 'healthy');
  });

  test('moves: attempts rise and the chart draws a line per instance', async () => {
    const before = Number(await cellText(page, 'users', 'users-1', 'requests'));
    const line = page.locator('section[data-service="users"] polyline[data-instance="users-1"]');
    // The page's CSP forbids evaluating strings, so the test polls from here rather than with waitForFunction.
    await eventually(async () => ((await line.getAttribute('points')) ?? '').split(' ').length >= 3, 15_000, 'three points on the chart');
    const points = await line.getAttribute('points');
    await sleep(2_500);
    const later = Number(await cellText(page, 'users', 'users-1', 'requests'));
    const pointsLater = await page.locator('section[data-service="users"] polyline[data-instance="users-1"]').getAttribute('points');
    assert.ok(later > before, `attempts went from ${before} to ${later}`);
    assert.notEqual(pointsLater, points, 'the chart moved');
    assert.equal(await page.locator('section[data-service="users"] polyline').count(), 3);
  });

  test('shows a failing instance taken out, and the retries it caused', async () => {
    const failing = servers[2]!;
    failing.respondWith((_req, res) => res.status(503).end());
    await page.locator('section[data-service="users"] tr[data-instance="users-3"] td.state', { hasText: /^open$/ }).waitFor({ timeout: 20_000 });
    const retries = Number(await page.locator('section[data-service="users"] [data-retries]').getAttribute('data-retries'));
    assert.ok(retries >= 1, `retries shown: ${retries}`);
    assert.match((await page.locator('section[data-service="users"] [data-retries]').textContent()) ?? '', /503: \d+/);
    await sleep(4_000); // some history after the change, for the picture
    const screenshot = process.env.STATUS_PAGE_SCREENSHOT;
    if (screenshot !== undefined && screenshot !== '') await page.screenshot({ path: screenshot, fullPage: true });
  });

  test('loaded nothing but the page and its status.json, from its own server', () => {
    assert.ok(requested.length > 3);
    assert.deepEqual(
      requested.filter((url) => url !== `${origin}/lb` && url !== `${origin}/lb/status.json`),
      [],
    );
  });
});

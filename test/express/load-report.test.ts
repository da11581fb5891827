// The load an instance reports of itself, in the header Envoy and gRPC read, and what a client makes of it.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import express from 'express';
import fc from 'fast-check';
import { parseServerLoad } from '../../lib/call/server-load-header.js';
import { createClient } from '../../lib/client/create-client.js';
import { staticDiscovery } from '../../lib/discovery/static-discovery.js';
import { InvalidOptionError } from '../../lib/errors/invalid-option-error.js';
import { loadReport, loadReportHeader } from '../../lib/express/load-report.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function listen(app: express.Express): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('the load report header', () => {
  test('every response carries it in ORCA TEXT form, with requests in flight, utilization, rate and the app’s metrics', async () => {
    const app = express();
    let queue = 7;
    app.use(loadReport({ metrics: { queueDepth: () => queue }, windowMs: 50 }));
    app.get('/slow', (_request, response) => {
      setTimeout(() => response.send('ok'), 150);
    });
    app.get('/fast', (_request, response) => {
      response.send('ok');
    });
    const { url, close } = await listen(app);
    try {
      const first = await fetch(`${url}/fast`);
      const header = first.headers.get(loadReportHeader) as string;
      assert.match(header, /^TEXT cpu_utilization=[\d.]+, rps_fractional=[\d.]+, named_metrics\.queueDepth=7, named_metrics\.rif=1$/);
      // Three held open; the fourth sees itself and them.
      const held = [0, 1, 2].map(() => fetch(`${url}/slow`));
      await sleep(50);
      queue = 3;
      await sleep(60);
      const during = parseServerLoad((await fetch(`${url}/fast`)).headers.get(loadReportHeader) ?? undefined);
      assert.equal(during?.requestsInFlight, 4);
      assert.equal(during?.named?.queueDepth, 3, 'metrics are read once a window');
      assert.ok((during?.cpuUtilization ?? -1) >= 0 && (during?.cpuUtilization ?? 2) <= 1);
      await Promise.all(held.map(async (response) => (await response).text()));
      const after = parseServerLoad((await fetch(`${url}/fast`)).headers.get(loadReportHeader) ?? undefined);
      assert.equal(after?.requestsInFlight, 1, 'ended requests, cut off or not, leave the count');
      // Unknown routes (404s) and errors carry it too: it is set before the app runs.
      assert.ok((await fetch(`${url}/none`)).headers.get(loadReportHeader)?.startsWith('TEXT '));
    } finally {
      await close();
    }
  });

  test('options are checked: unknown keys, metric names, functions', () => {
    assert.throws(() => loadReport({ metric: {} } as never), /did you mean `loadReport.metrics`/);
    assert.throws(() => loadReport({ metrics: { rif: () => 1 } }), InvalidOptionError);
    assert.throws(() => loadReport({ metrics: { 'a-b': () => 1 } }), InvalidOptionError);
    assert.throws(() => loadReport({ metrics: { queue: 3 as never } }), /must be a function/);
    assert.throws(() => loadReport({ windowMs: 0 }), InvalidOptionError);
  });

  test('the client reads TEXT and JSON reports, and never fails on a malformed one', () => {
    assert.deepEqual(parseServerLoad('TEXT cpu_utilization=0.5, rps_fractional=12.5, named_metrics.rif=3, named_metrics.queue=2, mem_utilization=0.1'), {
      cpuUtilization: 0.5,
      requestsPerSecond: 12.5,
      requestsInFlight: 3,
      named: { queue: 2 },
    });
    assert.deepEqual(parseServerLoad('JSON {"cpu_utilization":0.25,"named_metrics":{"rif":4}}'), {
      cpuUtilization: 0.25,
      requestsPerSecond: undefined,
      requestsInFlight: 4,
      named: undefined,
    });
    for (const bad of ['BIN Zm9v', 'TEXT rif', 'TEXT named_metrics.rif=-1', 'TEXT cpu_utilization=x', 'JSON {', 'text cpu_utilization=1', '']) {
      assert.equal(parseServerLoad(bad), undefined, bad);
    }
    fc.assert(
      fc.property(fc.string(), (text) => {
        const parsed = parseServerLoad(`TEXT ${text}`);
        return parsed === undefined || typeof parsed === 'object';
      }),
    );
  });

  test("a client with the server-load picker routes around an instance other callers keep busy", { timeout: 30_000 }, async () => {
    // Two instances, equally fast; one also serves 24 requests held open by a caller outside this client.
    const release: (() => void)[] = [];
    const served = new Map<string, number>();
    const start = async (name: string) => {
      const app = express();
      app.use(loadReport());
      app.get('/held', (_request, response) => {
        release.push(() => response.send('done'));
      });
      app.get('/work', (_request, response) => {
        served.set(name, (served.get(name) ?? 0) + 1);
        setTimeout(() => response.send(name), 5);
      });
      return listen(app);
    };
    const [a, b] = [await start('a'), await start('b')];
    const outside = Array.from({ length: 24 }, () => fetch(`${a.url}/held`).then((r) => r.text()));
    const client = createClient({ service: 'pair', discovery: staticDiscovery([a.url, b.url]), picker: 'server-load' });
    try {
      await sleep(100);
      for (let round = 0; round < 25; round++) await Promise.all([0, 1, 2, 3].map(() => client.get('/work')));
      const toBusy = (served.get('a') ?? 0) / 100;
      assert.ok(toBusy < 0.2, `the busy instance got ${(toBusy * 100).toFixed(0)} % of requests (an equal share is 50 %)`);
    } finally {
      for (const done of release) done();
      await Promise.all(outside);
      await client.close();
      await Promise.all([a.close(), b.close()]);
    }
  });
});

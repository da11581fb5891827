// An instance for benchmarks: an Express app that registers itself with proxyless/express (and so reports its
// load on every response) and serves GET /work with a fixed number of slots — `slots` requests at a time, each
// holding its slot for `serviceMs`, the rest queued — as a service bound by a connection pool does. Latency so
// grows with the requests in flight, whoever sends them, while the CPU stays free for the callers.
// Configured by the JSON in SLOTTED_INSTANCE; sends { port } to its parent over IPC once registered.
import express from 'express';
import { register } from '../../lib/express/index.js';

interface SlottedInstanceConfig {
  readonly service: string;
  readonly consul: { host: string; port: number };
  readonly slots: number;
  readonly serviceMs: number;
}

const config = JSON.parse(process.env.SLOTTED_INSTANCE ?? '{}') as SlottedInstanceConfig;
const waiting: (() => void)[] = [];
let busy = 0;

function release(): void {
  const next = waiting.shift();
  if (next === undefined) busy--;
  else next();
}

const app = express();
app.get('/work', (_request, response) => {
  const serve = (): void => {
    setTimeout(() => {
      release();
      response.send('ok');
    }, config.serviceMs);
  };
  if (busy < config.slots) {
    busy++;
    serve();
  } else {
    waiting.push(serve);
  }
});

const server = app.listen(0, '127.0.0.1');
await register(server, { service: config.service, app, consul: config.consul, drain: { signals: false } });
const address = server.address();
process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 });

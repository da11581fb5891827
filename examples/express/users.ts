// users: a small Express microservice. It registers itself with Consul through proxyless/express, and asks the
// orders service for a user's orders through a proxyless client. Run several; each finds Consul through
// CONSUL_HTTP_ADDR (default 127.0.0.1:8500) and listens on PORT (default: any free port).
//
//   CONSUL_HTTP_ADDR=127.0.0.1:8500 node --import tsx examples/express/users.ts
//
// In your own code the imports are `proxyless` and `proxyless/express`.
import express from 'express';
import { createClient } from '../../lib/index.js';
import { register } from '../../lib/express/index.js';

const names: Record<string, string> = { '1': 'Ada Lovelace', '2': 'Grace Hopper', '3': 'Edsger Dijkstra' };
const orders = createClient({ service: 'orders' });

const app = express();
let id = 'starting';

app.get('/users/:user', (request, response) => {
  const name = names[request.params.user];
  if (name === undefined) {
    response.status(404).json({ error: `no user ${request.params.user}` });
    return;
  }
  response.json({ user: request.params.user, name, servedBy: id });
});

app.get('/users/:user/orders', async (request, response, next) => {
  try {
    const { data } = await orders.get<{ orders: string[]; servedBy: string }>('/orders', { params: { user: request.params.user } });
    response.json({ user: request.params.user, orders: data.orders, servedBy: id, ordersServedBy: data.servedBy });
  } catch (error) {
    next(error);
  }
});

const server = app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
const registration = await register(server, {
  service: 'users',
  app,
  id: process.env.SERVICE_ID,
  // Checked every second so that the example moves quickly; the default is every 5 s.
  check: { interval: '1s' },
  // After a drain (SIGTERM, SIGINT) the exit is ours: close what the process holds, then go.
  drain: { exit: false },
});
id = registration.id;
registration.on('drained', ({ requestsCutOff }) => {
  console.log(JSON.stringify({ event: 'drained', id, requestsCutOff }));
  void orders.close().finally(() => process.exit(0));
});
console.log(JSON.stringify({ event: 'registered', id, origin: registration.origin }));

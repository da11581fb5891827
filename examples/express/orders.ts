// orders: a small Express microservice. It registers itself with Consul through proxyless/express, and checks
// each new order's user with the users service through a proxyless client. Configured like users.ts.
//
//   CONSUL_HTTP_ADDR=127.0.0.1:8500 node --import tsx examples/express/orders.ts
import { randomUUID } from 'node:crypto';
import express from 'express';
import { createClient } from '../../lib/index.js';
import { register } from '../../lib/express/index.js';

const catalog = ['a notebook', 'a slide rule', 'a punched card', 'a compiler manual'];
const users = createClient({ service: 'users' });

const app = express();
app.use(express.json());
let id = 'starting';

// A user's past orders: made up from the user's number, so that any instance gives the same answer.
app.get('/orders', (request, response) => {
  const user = Number(request.query.user);
  response.json({ orders: catalog.filter((_, index) => (user + index) % 2 === 0), servedBy: id });
});

app.post('/orders', async (request, response, next) => {
  try {
    const { user, item } = request.body as { user: string; item: string };
    const { data } = await users.get<{ name: string; servedBy: string }>(`/users/${encodeURIComponent(user)}`);
    response.status(201).json({ order: randomUUID(), item, for: data.name, servedBy: id, userServedBy: data.servedBy });
  } catch (error) {
    next(error);
  }
});

const server = app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
const registration = await register(server, {
  service: 'orders',
  app,
  id: process.env.SERVICE_ID,
  check: { interval: '1s' },
  drain: { exit: false },
});
id = registration.id;
registration.on('drained', ({ requestsCutOff }) => {
  console.log(JSON.stringify({ event: 'drained', id, requestsCutOff }));
  void users.close().finally(() => process.exit(0));
});
console.log(JSON.stringify({ event: 'registered', id, origin: registration.origin }));

// An instance for the request-path benchmarks: an Express app in its own process answering GET /work with a
// short body and its name in `x-instance` (so any caller can count shares), after `delayMs` if given.
// Configured by the JSON in PLAIN_INSTANCE ({ name, delayMs }); sends { port } to its parent once listening.
import express from 'express';

const config = JSON.parse(process.env.PLAIN_INSTANCE ?? '{}') as { name: string; delayMs?: number };
const delayMs = config.delayMs ?? 0;
const app = express();
app.get('/work', (_request, response) => {
  response.set('x-instance', config.name);
  if (delayMs > 0) setTimeout(() => response.send('ok'), delayMs);
  else response.send('ok');
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 });
});
// Keep-alive longer than the balancers' and clients' idle timeouts, so they close idle sockets first.
server.keepAliveTimeout = 65_000;

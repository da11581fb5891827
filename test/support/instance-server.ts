// One instance of a test service: a real Express app, run in its own process by instance-process.ts so a
// test can kill it with SIGKILL. Configured by environment (INSTANCE_ID, DELAY_MS); reports its port to the
// parent over IPC and exits when the parent goes away.
import express from 'express';
import type { AddressInfo } from 'node:net';

const id = process.env.INSTANCE_ID ?? `instance-${process.pid}`;
let delayMs = Number(process.env.DELAY_MS ?? '0');
let failing = false;

const app = express();
app.use(express.json());

// Control routes come first: they answer even while the instance fails or is slow.
app.post('/_control/delay', (request, response) => {
  const value: unknown = request.body?.delayMs;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    response.status(400).json({ error: 'body must be { "delayMs": number >= 0 }' });
    return;
  }
  delayMs = value;
  response.json({ id, delayMs });
});

app.post('/_control/failing', (request, response) => {
  const value: unknown = request.body?.failing;
  if (typeof value !== 'boolean') {
    response.status(400).json({ error: 'body must be { "failing": boolean }' });
    return;
  }
  failing = value;
  response.json({ id, failing });
});

app.use((_request, response, next) => {
  if (failing) {
    response.status(503).json({ id, error: 'failing on purpose' });
    return;
  }
  next();
});

app.get('/health', (_request, response) => {
  response.json({ id, status: 'ok' });
});

const delayed = (_request: express.Request, _response: express.Response, next: express.NextFunction) => {
  if (delayMs > 0) setTimeout(next, delayMs);
  else next();
};

app.get('/whoami', delayed, (_request, response) => {
  response.json({ id });
});

app.post('/echo', delayed, (request, response) => {
  const body: unknown = request.body;
  response.json({ ...(typeof body === 'object' && body !== null ? body : { body }), id });
});

const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  if (process.send) process.send({ type: 'listening', port });
  else console.log(JSON.stringify({ type: 'listening', port }));
});

// The parent holds the IPC channel; when it dies, so does this instance.
process.on('disconnect', () => process.exit(0));

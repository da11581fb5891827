// One instance of a test service: a real Express app, run in its own process by instance-process.ts so a
// test can kill it with SIGKILL or stop it with SIGSTOP. Configured by environment (INSTANCE_ID, DELAY_MS);
// reports its port to the parent over IPC and exits when the parent goes away.
//
// Fault controls (POST /_control/fault) make the service routes misbehave while /health keeps passing, as
// an application does when its own routes break and its health check does not look deep enough:
// answer a status (503) to everything, reset the socket after reading the request, or cut a response body
// mid-way. Every request carrying an `x-request-id` that the instance *applies* — runs its handler to the
// point of answering — is written to the parent's ledger over IPC before anything goes back, so the
// record survives a kill -9 and a test can count how often each request was applied across the fleet.
import express from 'express';
import type { AddressInfo, Socket } from 'node:net';
import type { AppliedMessage, Fault, InstanceStats } from './instance-faults.js';

const id = process.env.INSTANCE_ID ?? `instance-${process.pid}`;
let delayMs = Number(process.env.DELAY_MS ?? '0');
let failing = false;
let fault: Fault = { kind: 'none' };
const stats = { received: 0, applied: 0, resets: 0, cuts: 0, aborted: 0 } satisfies InstanceStats;
/** Requests each socket carried: a request on a socket that carried one before came over a reused keep-alive connection. */
const requestsBySocket = new WeakMap<Socket, number>();

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

app.post('/_control/fault', (request, response) => {
  const value = parseFault(request.body);
  if (value === undefined) {
    response.status(400).json({
      error: 'body must be { "kind": "none" } | { "kind": "status", "status": 503 } | { "kind": "reset", "reusedOnly": boolean } | { "kind": "cut-body" }',
    });
    return;
  }
  fault = value;
  response.json({ id, fault });
});

app.get('/_control/stats', (_request, response) => {
  response.json(stats);
});

app.use((request, response, next) => {
  if (failing) {
    response.status(503).json({ id, error: 'failing on purpose' });
    return;
  }
  if (request.path === '/health') {
    next();
    return;
  }
  stats.received++;
  const socket = request.socket;
  requestsBySocket.set(socket, (requestsBySocket.get(socket) ?? 0) + 1);
  response.once('close', () => {
    if (!response.writableFinished && response.locals.faulted !== true) stats.aborted++;
  });
  if (fault.kind === 'status') {
    response.status(fault.status).json({ id, error: `answering ${fault.status} on purpose` });
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

app.get('/whoami', delayed, (request, response) => {
  answer(request, response, { id });
});

app.post('/echo', delayed, (request, response) => {
  const body: unknown = request.body;
  answer(request, response, { ...(typeof body === 'object' && body !== null ? body : { body }), id });
});

/** A write that must happen once: it answers with the instance and the request id it applied. */
app.post('/orders', delayed, (request, response) => {
  answer(request, response, { id, requestId: request.headers['x-request-id'] ?? null });
});

/** Applies the request (the ledger learns of it first), then answers — or fails the answer as the fault says. */
function answer(request: express.Request, response: express.Response, body: object): void {
  if (response.destroyed) return;
  const requestId = request.headers['x-request-id'];
  const reused = (requestsBySocket.get(request.socket) ?? 0) > 1;
  const respond = (): void => {
    if (fault.kind === 'reset' && (!fault.reusedOnly || reused)) {
      response.locals.faulted = true;
      stats.resets++;
      request.socket.resetAndDestroy();
      return;
    }
    if (fault.kind === 'cut-body') {
      response.locals.faulted = true;
      stats.cuts++;
      const text = JSON.stringify({ ...body, padding: 'x'.repeat(2048) });
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
      response.write(text.slice(0, text.length >> 1));
      // Once the head and half the body are on the wire, the connection goes.
      setTimeout(() => request.socket.destroy(), 5);
      return;
    }
    response.json(body);
  };
  if (typeof requestId !== 'string' || !process.send) {
    respond();
    return;
  }
  stats.applied++;
  const applied: AppliedMessage = { type: 'applied', requestId, method: request.method, instance: id, reused };
  process.send(applied, undefined, {}, respond);
}

function parseFault(body: unknown): Fault | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = body as Record<string, unknown>;
  switch (value.kind) {
    case 'none':
    case 'cut-body':
      return { kind: value.kind };
    case 'status':
      return typeof value.status === 'number' && Number.isInteger(value.status) && value.status >= 100 && value.status <= 599
        ? { kind: 'status', status: value.status }
        : undefined;
    case 'reset':
      return typeof value.reusedOnly === 'boolean' ? { kind: 'reset', reusedOnly: value.reusedOnly } : undefined;
    default:
      return undefined;
  }
}

// The ledger's flush: IPC messages arrive in order, so once the parent sees this answer it has every
// application this instance reported before.
process.on('message', (message: unknown) => {
  if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'flush') {
    process.send?.({ type: 'flushed', n: (message as { n?: unknown }).n });
  }
});

const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  if (process.send) process.send({ type: 'listening', port });
  else console.log(JSON.stringify({ type: 'listening', port }));
});

// The parent holds the IPC channel; when it dies, so does this instance.
process.on('disconnect', () => process.exit(0));

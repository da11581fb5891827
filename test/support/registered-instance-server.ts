// One instance of a test service that registers itself with proxyless/express's register(), run in its own
// process by registered-instance-process.ts so that a test can send it signals and watch it drain and exit.
// Configured by the JSON in REGISTERED_INSTANCE; reports what happens to the parent over IPC.
import { appendFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { register } from '../../lib/express/index.js';
import type { HealthState, RegisterOptions } from '../../lib/express/index.js';

export interface RegisteredInstanceConfig {
  readonly service: string;
  readonly consul: { host: string; port: number };
  readonly id?: string;
  readonly check?: RegisterOptions['check'];
  readonly drain?: RegisterOptions['drain'];
  readonly agentSyncIntervalMs?: number;
  readonly registerTimeoutMs?: number;
  /** Response delay of /whoami and /apply, in ms. */
  readonly delayMs?: number;
  /** A file each applied POST /apply appends its x-request-id to, one a line. */
  readonly ledger?: string;
}

/** What the instance tells its parent. */
export type InstanceMessage =
  | { type: 'registered'; id: string; port: number; again: boolean }
  | { type: 'registrationError'; message: string }
  | { type: 'registerFailed'; code: string; message: string }
  | { type: 'draining'; signal: string | null }
  | { type: 'drained'; signal: string | null; deregistered: boolean; requestsCutOff: number; durationMs: number };

const config = JSON.parse(process.env.REGISTERED_INSTANCE ?? '{}') as RegisteredInstanceConfig;
let health: HealthState = 'passing';
let delayMs = config.delayMs ?? 0;

const send = (message: InstanceMessage): void => {
  process.send?.(message);
};

const app = express();
app.use(express.json());

app.post('/_control/health', (request, response) => {
  health = request.body.state as HealthState;
  response.json({ health });
});

app.post('/_control/delay', (request, response) => {
  delayMs = Number(request.body.delayMs);
  response.json({ delayMs });
});

const delayed = (_request: express.Request, _response: express.Response, next: express.NextFunction): void => {
  if (delayMs > 0) setTimeout(next, delayMs);
  else next();
};

app.get('/whoami', delayed, (_request, response) => {
  response.json({ id: registeredId });
});

app.post('/apply', delayed, (request, response) => {
  const requestId = request.get('x-request-id');
  if (requestId === undefined) {
    response.status(400).json({ error: 'x-request-id is required' });
    return;
  }
  if (config.ledger !== undefined) appendFileSync(config.ledger, `${requestId}\n`);
  response.json({ id: registeredId, requestId });
});

let registeredId = config.id ?? 'unregistered';
const server = app.listen(0, '127.0.0.1');

try {
  const registration = await register(server, {
    service: config.service,
    app,
    consul: config.consul,
    ...(config.id === undefined ? {} : { id: config.id }),
    ...(config.check === undefined ? {} : { check: config.check }),
    ...(config.drain === undefined ? {} : { drain: config.drain }),
    ...(config.agentSyncIntervalMs === undefined ? {} : { agentSyncIntervalMs: config.agentSyncIntervalMs }),
    ...(config.registerTimeoutMs === undefined ? {} : { registerTimeoutMs: config.registerTimeoutMs }),
    health: () => health,
  });
  registeredId = registration.id;
  const { port } = server.address() as AddressInfo;
  registration.on('registered', ({ id, again }) => send({ type: 'registered', id, port, again }));
  registration.on('registrationError', (error) => send({ type: 'registrationError', message: error.message }));
  registration.on('draining', ({ signal }) => send({ type: 'draining', signal: signal ?? null }));
  registration.on('drained', ({ signal, deregistered, requestsCutOff, durationMs }) =>
    send({ type: 'drained', signal: signal ?? null, deregistered, requestsCutOff, durationMs }),
  );
  send({ type: 'registered', id: registration.id, port, again: false });
} catch (error) {
  const { code, message } = error as { code?: string; message: string };
  send({ type: 'registerFailed', code: code ?? 'unknown', message });
  process.exitCode = 1;
  server.close();
  process.disconnect?.();
}

// The parent holds the IPC channel; when it dies, so does this instance.
process.on('disconnect', () => process.exit(0));

// An Express app in the test process registered with proxyless/express's register(), for tests that need a
// real Consul but no separate process (signals are tested with registered-instance-process.ts instead).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { register, type HealthState, type RegisterOptions, type Registration } from '../../lib/express/index.js';
import type { ConsulAgent } from './consul-agent.js';

export interface RegisteredApp {
  readonly app: Express;
  readonly server: Server;
  readonly registration: Registration;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** What the health function answers from now on. */
  setHealth(state: HealthState): void;
  /** Deregisters and closes the server at once; safe to call any number of times. */
  stop(): Promise<void>;
}

/**
 * Starts an app answering GET /whoami with its instance id, and registers it: HTTP check every second, no
 * signal handling (the test process's own signals are not the app's), unless `options` say otherwise.
 */
export async function startRegisteredApp(
  consul: Pick<ConsulAgent, 'host' | 'port'>,
  options: Omit<RegisterOptions, 'app' | 'consul' | 'health'> & { build?: (app: Express) => void },
): Promise<RegisteredApp> {
  let health: HealthState = 'passing';
  const app = express();
  const { build, ...registerOptions } = options;
  build?.(app);
  let id = '';
  app.get('/whoami', (_request, response) => {
    response.json({ id });
  });
  const server = app.listen(0, '127.0.0.1');
  try {
    const registration = await register(server, {
      check: { interval: '1s' },
      ...registerOptions,
      drain: { signals: false, ...registerOptions.drain },
      app,
      consul: { host: consul.host, port: consul.port },
      health: () => health,
    });
    id = registration.id;
    const { port } = server.address() as AddressInfo;
    let stopped: Promise<void> | undefined;
    return {
      app,
      server,
      registration,
      url: `http://127.0.0.1:${port}`,
      setHealth(state) {
        health = state;
      },
      stop() {
        stopped ??= (async () => {
          await registration.deregister();
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        })();
        return stopped;
      },
    };
  } catch (error) {
    server.closeAllConnections();
    server.close();
    throw error;
  }
}

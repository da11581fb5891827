import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock, systemRandom } from '../clock.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { describeValue } from '../options/option-checks.js';
import { consulAgentEndpoint } from './agent-endpoint.js';
import { instanceAddress, type ListeningServer } from './instance-address.js';
import { resolveRegisterOptions, type RegisterOptions } from './register-options.js';
import { InstanceRegistration, type Registration } from './registration.js';
import { LoadReporter } from './load-report.js';
import { applyServerTimeouts } from './server-timeouts.js';

/**
 * Registers an Express instance with Consul and gives it the rest of its half of client-side balancing:
 * a health route Consul checks (or TTL reports), its load on every response (`endpoint-load-metrics`, for
 * pickers that balance on what servers report), re-registration when the agent forgets it, server
 * timeouts that let clients close idle connections first, and a drain on SIGTERM and SIGINT that fails
 * no request.
 *
 * Every option is checked first; a mistake rejects with {@link InvalidOptionError} before anything starts.
 * The server serves from the start; the promise resolves once Consul has accepted the instance. While the
 * agent cannot be reached, registration is retried with backoff (full jitter, 100 ms up to 5 s); after
 * `registerTimeoutMs` (default 30 s) the promise rejects with `RegistrationTimeoutError` and proxyless lets
 * go of the server, which keeps serving, unregistered — a process that exits on it is restarted by its
 * supervisor, the usual way to wait for a dependency.
 *
 * @example
 * const app = express();
 * const server = app.listen(3000);
 * const registration = await register(server, { service: 'users', app });
 */
export async function register(server: ListeningServer, options: RegisterOptions): Promise<Registration> {
  const resolved = resolveRegisterOptions(options);
  if (!isServer(server)) {
    throw new InvalidOptionError('server', `(the first argument) must be the http.Server that app.listen() returns; got ${describeValue(server)}`);
  }
  if (!server.listening) await listening(server);
  const where = instanceAddress(server, resolved.service, resolved);
  applyServerTimeouts(server);
  // Before the app's own listener, so every response — the app's routes, its 404s — carries the report.
  if (resolved.loadReport !== false) {
    const reporter = new LoadReporter(resolved.loadReport);
    server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => reporter.track(response));
  }
  const registration = new InstanceRegistration(server, resolved, where, {
    endpoint: consulAgentEndpoint(resolved.connection, resolved.service, where.id),
    clock: systemClock,
    random: systemRandom,
  });
  registration.start();
  try {
    await registration.registered(resolved.registerTimeoutMs);
  } catch (error) {
    await registration.abandon();
    throw error;
  }
  return registration;
}

function isServer(value: unknown): value is ListeningServer {
  if (typeof value !== 'object' || value === null) return false;
  const server = value as Partial<ListeningServer>;
  return (
    typeof server.address === 'function' &&
    typeof server.close === 'function' &&
    typeof server.closeIdleConnections === 'function' &&
    typeof server.prependListener === 'function'
  );
}

/** Resolves once the server listens; rejects if listening fails (a port in use). */
async function listening(server: ListeningServer): Promise<void> {
  await once(server, 'listening');
}

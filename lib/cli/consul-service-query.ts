import { EventEmitter } from 'node:events';
import type Consul from 'consul';
import { didYouMean } from '../options/did-you-mean.js';
import { CliFailure } from './cli-failure.js';

/** What Consul holds for a service at one index: every health entry, whatever its checks say. */
export interface ServiceEntries {
  readonly index: string;
  readonly entries: readonly unknown[];
}

/** How long a plain request may take: enough for a busy agent, short enough to tell an unreachable one within seconds. */
const requestTimeoutMs = 3_000;

type Request = Record<string, unknown> & { ctx?: EventEmitter };

/**
 * Asks Consul for the health entries of `service` — all of them, not only passing ones, so that the
 * command can say why a client would skip one. With `index`, a blocking query that returns when the
 * service changes or after `waitMs`; `signal` cancels it.
 */
export async function serviceEntries(
  client: Consul,
  address: string,
  service: string,
  blocking?: { readonly index: string; readonly waitMs: number; readonly signal: AbortSignal },
): Promise<ServiceEntries> {
  const ctx = Object.assign(new EventEmitter(), { includeResponse: true });
  const request: Request = { service, ctx, timeout: requestTimeoutMs };
  if (blocking !== undefined) {
    request.index = blocking.index;
    request.wait = `${blocking.waitMs}ms`;
    // Consul adds up to wait/16 of jitter to a blocking query.
    request.timeout = blocking.waitMs + blocking.waitMs / 16 + requestTimeoutMs;
  }
  const cancel = (): void => {
    ctx.emit('cancel');
  };
  blocking?.signal.addEventListener('abort', cancel, { once: true });
  try {
    const health = client.health as unknown as { service(request: Request): Promise<unknown> };
    const result = await ask(address, () => health.service.call(client.health, request));
    const [response, body] = Array.isArray(result) ? result : [undefined, result];
    const headers = (response as { headers?: Record<string, unknown> } | undefined)?.headers ?? {};
    const index = typeof headers['x-consul-index'] === 'string' ? headers['x-consul-index'] : '0';
    return { index, entries: Array.isArray(body) ? body : [] };
  } finally {
    blocking?.signal.removeEventListener('abort', cancel);
  }
}

/** Fails, naming the nearest registered service, when Consul has no service named `service`. */
export async function requireRegistered(client: Consul, address: string, service: string): Promise<void> {
  const list = client.catalog.service.list as unknown as (options: Request) => Promise<Record<string, unknown>>;
  const services = await ask(address, () => list.call(client.catalog.service, { timeout: requestTimeoutMs }));
  const names = Object.keys(services ?? {});
  if (names.includes(service)) return;
  const near = didYouMean(service, names);
  throw new CliFailure(`Consul at ${address} has no service "${service}"${near === undefined ? '' : `; did you mean "${near}"?`}`, 1);
}

/** Runs one request to Consul, turning its failures into one line that names the agent and never the token. */
async function ask<T>(address: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    const response = (error as { response?: { statusCode?: unknown; body?: unknown } }).response;
    if (typeof response?.statusCode === 'number') {
      const raw = response.body;
      const text = (Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : '').trim().split('\n')[0]?.slice(0, 200) ?? '';
      const hint = response.statusCode === 403 ? ' (set CONSUL_HTTP_TOKEN to a token that may read the service)' : '';
      throw new CliFailure(`Consul at ${address} refused the request: HTTP ${response.statusCode}${text === '' ? '' : ` ${text}`}${hint}`, 1);
    }
    const message = error instanceof Error ? error.message : String(error);
    const why = /timed? ?out/i.test(message) ? `no answer within ${requestTimeoutMs / 1000} s` : message;
    throw new CliFailure(`cannot reach Consul at ${address}: ${why}`, 1);
  }
}

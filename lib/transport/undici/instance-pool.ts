import type { ConnectionOptions } from 'node:tls';
import { Pool } from 'undici';
import { defaultIdleMs, idleMarginMs, maxIdleMs } from '../idle-sockets.js';

export interface UndiciPoolOptions {
  readonly connectTimeoutMs: number;
  /** TLS options for `https:` instances (CA, client certificate, server name, …). */
  readonly tls?: ConnectionOptions;
}

/**
 * The keep-alive connection pool of one instance, an undici `Pool`.
 *
 * - The connect timeout covers TCP and, for HTTPS, the TLS handshake (undici clears it on
 *   `secureConnect`): a host that drops packets fails fast and the request goes elsewhere.
 * - Idle sockets are closed a second before the server's advertised `Keep-Alive: timeout` (4 s without
 *   one): a request written to a socket the server is closing at that instant is lost after it may have
 *   been read, and only an idempotent one could be retried.
 * - No headers or body timeout: the call owns every time limit and ends an attempt through its signal.
 * - Unlimited connections and no pipelining, as Node's agent: a slow response never holds up another.
 */
export function createInstancePool(origin: string, options: UndiciPoolOptions): Pool {
  const secure = origin.startsWith('https:');
  return new Pool(origin, {
    connect: secure ? { ...options.tls, timeout: options.connectTimeoutMs } : { timeout: options.connectTimeoutMs },
    keepAliveTimeout: defaultIdleMs,
    keepAliveMaxTimeout: maxIdleMs,
    keepAliveTimeoutThreshold: idleMarginMs,
    headersTimeout: 0,
    bodyTimeout: 0,
    pipelining: 1,
  });
}

import { Agent, type AgentOptions, type ClientRequestArgs } from 'node:http';
import { createConnection, type NetConnectOpts, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** The error code of a connection attempt that took longer than the connect timeout. */
export const connectTimeoutCode = 'ERR_PROXYLESS_CONNECT_TIMEOUT';

/**
 * The keep-alive connection pool of one instance, with a connect timeout.
 *
 * axios's `timeout` covers a whole attempt, and is unset by default; a connection to a host that
 * drops packets would otherwise wait for the kernel's SYN retries, minutes. Failing the connect
 * alone, early, is always safe to retry elsewhere: no byte of the request left this process.
 */
export class InstanceAgent extends Agent {
  readonly #connectTimeoutMs: number;

  constructor(options: AgentOptions, connectTimeoutMs: number) {
    super(options);
    this.#connectTimeoutMs = connectTimeoutMs;
  }

  override createConnection(options: ClientRequestArgs): Duplex {
    const socket: Socket = createConnection(options as NetConnectOpts);
    const timeoutMs = this.#connectTimeoutMs;
    const timer = setTimeout(() => {
      const error = new Error(`connect to ${options.host ?? 'localhost'}:${String(options.port)} timed out after ${timeoutMs} ms`);
      socket.destroy(Object.assign(error, { code: connectTimeoutCode }));
    }, timeoutMs);
    const settle = (): void => clearTimeout(timer);
    socket.once('connect', settle);
    socket.once('close', settle);
    return socket;
  }
}

import { ProxylessError } from './proxyless-error.js';

/** `ready()` timed out before discovery delivered a first set of instances. */
export class DiscoveryTimeoutError extends ProxylessError {
  readonly code = 'ERR_PROXYLESS_DISCOVERY_TIMEOUT';

  constructor(
    readonly service: string,
    readonly timeoutMs: number,
    source: string,
    options?: ErrorOptions,
  ) {
    const why = options?.cause instanceof Error ? `; last error: ${options.cause.message}` : '';
    super(
      `proxyless: no instance list for service "${service}" from ${source} within ${timeoutMs} ms${why}. ` +
        `Check that Consul is running and reachable there (option \`consul\`, or CONSUL_HTTP_ADDR).`,
      options,
    );
  }
}

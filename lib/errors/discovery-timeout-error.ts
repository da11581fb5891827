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
    const last = options?.cause instanceof Error ? options.cause.message.replace(/^proxyless: /, '') : undefined;
    super(
      `proxyless: no instance list for service "${service}"${last?.includes(source) ? '' : ` from ${source}`} within ${timeoutMs} ms` +
        `${last === undefined ? '' : ` (the last attempt failed: ${last})`}. ` +
        (source.startsWith('consul at ')
          ? `Check that Consul is running and reachable at that address (option \`consul\`, or CONSUL_HTTP_ADDR).`
          : `Check the discovery given to createClient.`),
      options,
    );
  }
}

import { ProxylessError } from './proxyless-error.js';

/**
 * Discovery could not refresh the instances of a service (Consul unreachable, an HTTP error, a query Consul
 * refused). Discovery keeps retrying by itself and the last known instances stay in use meanwhile.
 */
export class DiscoveryError extends ProxylessError {
  readonly code = 'ERR_PROXYLESS_DISCOVERY';

  /**
   * @param source where instances come from, e.g. `consul at 127.0.0.1:8500, service "users"`
   * @param problem what went wrong, e.g. `connect ECONNREFUSED 127.0.0.1:8500` or `HTTP 500: …`
   * @param statusCode the HTTP status Consul answered with, when it answered
   */
  constructor(
    readonly source: string,
    problem: string,
    readonly statusCode?: number,
    options?: ErrorOptions,
  ) {
    super(`proxyless: discovery from ${source} failed: ${problem}; retrying, and the last known instances, if any, stay in use`, options);
  }
}

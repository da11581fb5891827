import { ProxylessError } from './proxyless-error.js';

/**
 * Discovery could not refresh the instances of a service (Consul unreachable, an HTTP error, a query Consul
 * refused). Discovery keeps retrying by itself and the last known instances stay in use meanwhile.
 *
 * Subclasses name causes that need an operator: {@link ConsulTlsError}, {@link ConsulAclError},
 * {@link DiscoverySnapshotError}.
 */
export class DiscoveryError extends ProxylessError {
  readonly code: string = 'ERR_PROXYLESS_DISCOVERY';
  /**
   * True when the failure may pass by itself (an agent down or restarting, a timeout, a 5xx, no cluster
   * leader). False when Consul refused the request as it is made (TLS, ACL, a query it cannot run):
   * waiting will not fix it, so a caller waiting for a first set of instances should give up at once.
   */
  readonly transient: boolean;

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
    this.transient = statusCode === undefined || statusCode >= 500 || statusCode === 429;
  }
}

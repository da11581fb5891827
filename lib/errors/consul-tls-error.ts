import { DiscoveryError } from './discovery-error.js';

/**
 * TLS with a Consul agent failed: its certificate is not signed by the CA given, does not name the host
 * (see `consul.servername`), the agent wants a client certificate, or one side speaks plain HTTP.
 * Retrying does not help until the configuration changes.
 */
export class ConsulTlsError extends DiscoveryError {
  override readonly code: string = 'ERR_PROXYLESS_CONSUL_TLS';
  override readonly transient = false;

  /**
   * @param source where instances come from
   * @param problem what TLS reported and what to change, e.g. `certificate signed by an unknown CA …`
   */
  constructor(source: string, problem: string, options?: ErrorOptions) {
    super(source, `TLS with the Consul agent failed: ${problem}`, undefined, options);
  }
}

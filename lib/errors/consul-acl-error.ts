import { DiscoveryError } from './discovery-error.js';

/**
 * The ACL token is the likely reason discovery sees no instance: Consul does not know the token, or the
 * token may not read the service or its nodes. Consul answers a read it does not allow with an *empty*
 * list (it filters results by ACL), so without this error the symptom would be a bare "no instances".
 * The message names the policy the token needs, never the token itself.
 */
export class ConsulAclError extends DiscoveryError {
  override readonly code: string = 'ERR_PROXYLESS_CONSUL_ACL';
  override readonly transient = false;
}

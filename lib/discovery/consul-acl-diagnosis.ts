import type { IncomingHttpHeaders } from 'node:http';
import { aclPolicyHint } from './consul-failure.js';
import type { ConsulReader, RequestCancel } from './consul-reader.js';

/**
 * Whether the ACL token is why Consul answered no instance, and if so what to grant it.
 *
 * Consul does not refuse a read the token may not make: it filters what the token may not see out of the
 * answer, so a token without `service:read` (or without `node:read` on the instances' nodes) sees an empty
 * service, exactly like a service that has no instance. Where Consul says so
 * (`X-Consul-Results-Filtered-By-ACLs`, recent versions) that settles it. Elsewhere (Consul 1.8 on) two
 * reads that need no more rights than the query itself tell it apart, after a third that says whether
 * ACLs are on at all (so an agent without them is asked one cheap local question):
 * - `/v1/acl/token/self` answers 401 "ACL support disabled" where ACLs are off;
 * - `/v1/agent/health/service/name/<service>` checks `service:read` on the service before anything else and
 *   answers 403 without it (404 or a health status with it);
 * - `/v1/catalog/nodes` is filtered by `node:read`, and a cluster always has at least the agent's own node,
 *   so an empty list means the token may read no node.
 *
 * Returns the problem in words, or undefined when the token is not the cause or it cannot be told.
 */
export async function aclCauseOfEmptyAnswer(
  reader: ConsulReader,
  service: string,
  datacenter: string | undefined,
  headers: IncomingHttpHeaders,
  options: { timeoutMs: number; cancel: RequestCancel },
): Promise<string | undefined> {
  const who = reader.hasToken ? 'the ACL token' : 'no ACL token was given, and the anonymous token';
  const giveOne = reader.hasToken ? '' : '; give one with `consul.token`, `consul.tokenFile`, CONSUL_HTTP_TOKEN or CONSUL_HTTP_TOKEN_FILE';
  const filtered = headers['x-consul-results-filtered-by-acls'];
  if (filtered === 'true') {
    return `Consul left out of its answer instances ${who} may not read (X-Consul-Results-Filtered-By-ACLs)${giveOne}; ${aclPolicyHint(service)}`;
  }
  try {
    const self = await reader.get('/acl/token/self', {}, {}, options);
    if (self.status === 401) return undefined;
    const serviceRead = await reader.get('/agent/health/service/name/{service}', { service }, {}, options);
    if (serviceRead.status === 403) {
      return `Consul answered no instance because ${who} may not read service "${service}" (Consul drops what a token may not read instead of refusing)${giveOne}; ${aclPolicyHint(service)}`;
    }
    const nodes = await reader.get('/catalog/nodes', {}, datacenter === undefined ? {} : { dc: datacenter }, options);
    if (nodes.status === 200 && Array.isArray(nodes.body) && nodes.body.length === 0) {
      return `Consul answered no instance because ${who} may read service "${service}" but no node, and Consul drops instances on nodes a token may not read${giveOne}; add node_prefix "" { policy = "read" }`;
    }
  } catch {
    // An agent that cannot be asked cannot tell; the watch's own requests report it.
  }
  return undefined;
}

// What Consul says about a service, read straight from its HTTP API: for tests that assert what an operator
// would see in Consul, independently of proxyless's own discovery.
import type { ConsulAgent } from './consul-agent.js';

export interface CatalogEntry {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  readonly weights: { readonly Passing: number; readonly Warning: number };
  /** The service's own check (not the node's serfHealth). */
  readonly check: { readonly status: string; readonly output: string; readonly type: string } | undefined;
}

interface HealthEntry {
  Service: { ID: string; Address: string; Port: number; Tags: string[] | null; Meta: Record<string, string> | null; Weights: { Passing: number; Warning: number } };
  Checks: { CheckID: string; ServiceID: string; Status: string; Output: string; Type: string }[];
}

/** Every instance of `service` in Consul's catalog, whatever its health, sorted by id. */
export async function catalogEntries(consul: Pick<ConsulAgent, 'address'>, service: string): Promise<CatalogEntry[]> {
  const response = await fetch(`http://${consul.address}/v1/health/service/${encodeURIComponent(service)}`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`consul /v1/health/service/${service}: HTTP ${response.status}`);
  const entries = (await response.json()) as HealthEntry[];
  return entries
    .map((entry) => {
      const check = entry.Checks.find((c) => c.ServiceID === entry.Service.ID);
      return {
        id: entry.Service.ID,
        address: entry.Service.Address,
        port: entry.Service.Port,
        tags: entry.Service.Tags ?? [],
        meta: entry.Service.Meta ?? {},
        weights: entry.Service.Weights,
        check: check === undefined ? undefined : { status: check.Status, output: check.Output, type: check.Type },
      };
    })
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Polls Consul every 50 ms until `condition` holds for the entries of `service`; rejects after `timeoutMs`. */
export async function untilCatalog(
  consul: Pick<ConsulAgent, 'address'>,
  service: string,
  condition: (entries: CatalogEntry[]) => boolean,
  timeoutMs: number,
  what: string,
): Promise<CatalogEntry[]> {
  const started = performance.now();
  let last: CatalogEntry[] = [];
  while (performance.now() - started < timeoutMs) {
    last = await catalogEntries(consul, service);
    if (condition(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; Consul lists ${JSON.stringify(last.map((e) => [e.id, e.check?.status]))}`);
}

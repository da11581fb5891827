import type { Instance, InstanceNode } from './instance.js';

/**
 * Turns the body of Consul's `/v1/health/service/<service>` into a set of {@link Instance}s: pure functions,
 * so the mapping rules (address fallback, weights, worst check, unique ids) are testable without Consul.
 */

export interface HealthEntriesOptions {
  /** When true, `warning` instances are kept (weighted by `Weights.Warning`); `critical` ones are always dropped. */
  includeWarning: boolean;
}

/** An instance set plus what is needed to compare the next one against it. */
export interface InstanceSnapshot {
  readonly instances: readonly Instance[];
  /** Canonical content of each instance, by id: equal strings mean equal instances. */
  readonly canonical: ReadonlyMap<string, { readonly instance: Instance; readonly key: string }>;
}

export const emptySnapshot: InstanceSnapshot = Object.freeze({
  instances: Object.freeze([]) as readonly Instance[],
  canonical: new Map(),
});

type Health = 'passing' | 'warning' | 'critical';

interface ParsedEntry {
  serviceId: string;
  nodeName: string;
  instance: Omit<Instance, 'id'>;
}

/**
 * The next snapshot given Consul's answer and the previous snapshot, or `undefined` when the set of instances
 * is unchanged (same ids, same content). Unchanged instances keep their object identity; everything is frozen.
 */
export function nextInstanceSnapshot(
  service: string,
  body: unknown,
  previous: InstanceSnapshot,
  options: HealthEntriesOptions,
): InstanceSnapshot | undefined {
  const entries = Array.isArray(body) ? body : [];
  const parsed: ParsedEntry[] = [];
  for (const entry of entries) {
    const one = parseEntry(service, entry, options);
    if (one) parsed.push(one);
  }

  // Consul service IDs are unique per node only; the same ID on two nodes would otherwise collide.
  const idCount = new Map<string, number>();
  for (const entry of parsed) idCount.set(entry.serviceId, (idCount.get(entry.serviceId) ?? 0) + 1);

  const canonical = new Map<string, { instance: Instance; key: string }>();
  for (const entry of parsed) {
    const shared = (idCount.get(entry.serviceId) ?? 0) > 1;
    const id = shared ? `${entry.serviceId}@${entry.nodeName}` : entry.serviceId;
    if (canonical.has(id)) continue;
    const key = canonicalKey(id, entry.instance);
    const old = previous.canonical.get(id);
    const instance = old && old.key === key ? old.instance : freezeInstance(id, entry.instance);
    canonical.set(id, { instance, key });
  }

  if (canonical.size === previous.canonical.size) {
    let same = true;
    for (const [id, { key }] of canonical) {
      if (previous.canonical.get(id)?.key !== key) {
        same = false;
        break;
      }
    }
    if (same) return undefined;
  }

  const instances = [...canonical.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { instance }]) => instance);
  return { instances: Object.freeze(instances), canonical };
}

/**
 * The snapshot of a set that did not come from Consul (a snapshot file), so that Consul's next answer is
 * compared with it like any other: instances that did not change keep their objects.
 */
export function snapshotOfInstances(instances: readonly Instance[]): InstanceSnapshot {
  const canonical = new Map<string, { instance: Instance; key: string }>();
  for (const instance of instances) canonical.set(instance.id, { instance, key: canonicalKey(instance.id, instance) });
  const sorted = [...canonical.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, { instance }]) => instance);
  return { instances: Object.freeze(sorted), canonical };
}

/** Equal strings for snapshots of equal sets. */
export function snapshotSignature(snapshot: InstanceSnapshot): string {
  return [...snapshot.canonical.values()]
    .map(({ key }) => key)
    .sort()
    .join('\n');
}

/** One health entry (`{ Node, Service, Checks }`) as an instance, or `undefined` if it is not routable. */
export function instanceFromHealthEntry(
  service: string,
  entry: unknown,
  options: HealthEntriesOptions,
): Instance | undefined {
  const parsed = parseEntry(service, entry, options);
  return parsed && freezeInstance(parsed.serviceId, parsed.instance);
}

function parseEntry(service: string, entry: unknown, options: HealthEntriesOptions): ParsedEntry | undefined {
  if (!isRecord(entry) || !isRecord(entry.Service)) return undefined;
  const svc = entry.Service;
  const node = isRecord(entry.Node) ? entry.Node : {};
  const serviceId = stringOr(svc.ID, '');
  const port = svc.Port;
  if (serviceId === '' || typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    return undefined;
  }
  const health = worstCheck(entry.Checks);
  if (health === 'critical' || (health === 'warning' && !options.includeWarning)) return undefined;

  const nodeName = stringOr(node.Node, '');
  const nodeAddress = stringOr(node.Address, '');
  const host = stringOr(svc.Address, '') || nodeAddress;
  if (host === '') return undefined;
  const weights = isRecord(svc.Weights) ? svc.Weights : {};
  const weight = atLeastOne(health === 'warning' ? weights.Warning : weights.Passing);
  const instanceNode: InstanceNode = {
    name: nodeName,
    address: nodeAddress,
    datacenter: stringOr(node.Datacenter, ''),
    meta: stringRecord(node.Meta),
  };
  return {
    serviceId,
    nodeName,
    instance: {
      service: stringOr(svc.Service, service),
      host,
      port,
      origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
      tags: Array.isArray(svc.Tags) ? svc.Tags.filter((tag): tag is string => typeof tag === 'string') : [],
      meta: stringRecord(svc.Meta),
      weight,
      health,
      node: instanceNode,
    },
  };
}

/** Node checks count too: Consul's own `passing` filter excludes an instance whose node fails its serf check. */
function worstCheck(checks: unknown): Health {
  let worst: Health = 'passing';
  if (!Array.isArray(checks)) return worst;
  for (const check of checks) {
    const status = isRecord(check) ? check.Status : undefined;
    if (status === 'passing') continue;
    // Anything but passing or warning (critical, maintenance, an unknown future state) is not routable.
    if (status === 'warning') worst = 'warning';
    else return 'critical';
  }
  return worst;
}

function atLeastOne(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 1 ? Math.floor(value) : 1;
}

function freezeInstance(id: string, instance: Omit<Instance, 'id'>): Instance {
  return Object.freeze({
    id,
    ...instance,
    tags: Object.freeze([...instance.tags]),
    meta: Object.freeze({ ...instance.meta }),
    node: Object.freeze({ ...instance.node, meta: Object.freeze({ ...instance.node.meta }) }),
  });
}

function canonicalKey(id: string, instance: Omit<Instance, 'id'>): string {
  const sortedRecord = (record: Readonly<Record<string, string>>) =>
    Object.keys(record)
      .sort()
      .map((key) => [key, record[key]]);
  return JSON.stringify([
    id,
    instance.service,
    instance.host,
    instance.port,
    instance.tags,
    sortedRecord(instance.meta),
    instance.weight,
    instance.health,
    instance.node.name,
    instance.node.address,
    instance.node.datacenter,
    sortedRecord(instance.node.meta),
  ]);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function stringRecord(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (!isRecord(value)) return result;
  for (const [key, item] of Object.entries(value)) if (typeof item === 'string') result[key] = item;
  return result;
}

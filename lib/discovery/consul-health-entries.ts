import type { Instance, InstanceNode } from './instance.js';

/**
 * Turns the body of Consul's `/v1/health/service/<service>` into a set of {@link Instance}s: pure functions,
 * so the mapping rules (address fallback, weights, worst check, unique ids) are testable without Consul.
 *
 * A service of 10,000 instances answers about 9 MB of JSON on every change, so comparing an answer with the
 * set before must cost little beyond the parse: an entry whose Consul indexes (`Service.ModifyIndex`,
 * `Node.ModifyIndex`) and health are those seen before keeps its instance without being read further;
 * only entries that moved are mapped and compared field by field. Instances on one node share its node
 * object, and empty tags and meta share one frozen empty value.
 */

export interface HealthEntriesOptions {
  /** When true, `warning` instances are kept (weighted by `Weights.Warning`); `critical` ones are always dropped. */
  includeWarning: boolean;
}

/** An instance set plus what is needed to compare the next answer against it. */
export interface InstanceSnapshot {
  readonly instances: readonly Instance[];
  /** Each instance by id, with the Consul indexes of the entry it was read from (none: compare fields). */
  readonly byId: ReadonlyMap<string, SnapshotEntry>;
}

interface SnapshotEntry {
  readonly instance: Instance;
  readonly serviceIndex?: number;
  readonly nodeIndex?: number;
}

export const emptySnapshot: InstanceSnapshot = Object.freeze({
  instances: Object.freeze([]) as readonly Instance[],
  byId: new Map<string, SnapshotEntry>(),
});

type Health = 'passing' | 'warning' | 'critical';
type RoutableHealth = Instance['health'];
type InstanceFields = Omit<Instance, 'id'>;

const noTags: readonly string[] = Object.freeze([]);
const noMeta: Readonly<Record<string, string>> = Object.freeze({});

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
  const entries: unknown[] = Array.isArray(body) ? body : [];
  // Consul service IDs are unique per node only; the same ID on two nodes would otherwise collide.
  const idCount = new Map<string, number>();
  for (const entry of entries) {
    const id = isRecord(entry) && isRecord(entry.Service) ? entry.Service.ID : undefined;
    if (typeof id === 'string' && id !== '') idCount.set(id, (idCount.get(id) ?? 0) + 1);
  }

  const nodes = new Map<string, InstanceNode>();
  const byId = new Map<string, SnapshotEntry>();
  let changed = false;
  for (const entry of entries) {
    if (!isRecord(entry) || !isRecord(entry.Service)) continue;
    const svc = entry.Service;
    const node = isRecord(entry.Node) ? entry.Node : {};
    const serviceId = stringOr(svc.ID, '');
    if (serviceId === '') continue;
    const health = worstCheck(entry.Checks);
    if (health === 'critical' || (health === 'warning' && !options.includeWarning)) continue;
    const nodeName = stringOr(node.Node, '');
    const id = (idCount.get(serviceId) ?? 0) > 1 ? `${serviceId}@${nodeName}` : serviceId;
    if (byId.has(id)) continue;

    // Consul bumps `ModifyIndex` whenever a service or node registration changes, and the health decides
    // the weight: with the same three, the entry is the instance seen before.
    const serviceIndex = typeof svc.ModifyIndex === 'number' ? svc.ModifyIndex : undefined;
    const nodeIndex = typeof node.ModifyIndex === 'number' ? node.ModifyIndex : undefined;
    const old = previous.byId.get(id);
    if (
      old !== undefined &&
      serviceIndex !== undefined &&
      nodeIndex !== undefined &&
      old.serviceIndex === serviceIndex &&
      old.nodeIndex === nodeIndex &&
      old.instance.health === health
    ) {
      byId.set(id, old);
      continue;
    }
    const fields = instanceFields(service, svc, node, health, nodes);
    if (fields === undefined) continue;
    const instance = old !== undefined && sameFields(old.instance, fields) ? old.instance : freezeInstance(id, fields);
    if (instance !== old?.instance) changed = true;
    byId.set(id, serviceIndex === undefined || nodeIndex === undefined ? { instance } : { instance, serviceIndex, nodeIndex });
  }

  // Every instance kept is one of the previous set's, so equal sizes mean the same ids.
  if (!changed && byId.size === previous.byId.size) return undefined;
  return { instances: sortedInstances(byId), byId };
}

/**
 * The snapshot of a set that did not come from Consul (a snapshot file), so that Consul's next answer is
 * compared with it like any other: instances that did not change keep their objects.
 */
export function snapshotOfInstances(instances: readonly Instance[]): InstanceSnapshot {
  const byId = new Map<string, SnapshotEntry>();
  for (const instance of instances) byId.set(instance.id, { instance });
  return { instances: sortedInstances(byId), byId };
}

/** One health entry (`{ Node, Service, Checks }`) as an instance, or `undefined` if it is not routable. */
export function instanceFromHealthEntry(service: string, entry: unknown, options: HealthEntriesOptions): Instance | undefined {
  return nextInstanceSnapshot(service, [entry], emptySnapshot, options)?.instances[0];
}

function instanceFields(
  service: string,
  svc: Record<string, unknown>,
  node: Record<string, unknown>,
  health: RoutableHealth,
  nodes: Map<string, InstanceNode>,
): InstanceFields | undefined {
  const port = svc.Port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  const nodeAddress = stringOr(node.Address, '');
  const host = stringOr(svc.Address, '') || nodeAddress;
  if (host === '') return undefined;
  const weights = isRecord(svc.Weights) ? svc.Weights : {};
  const tags = Array.isArray(svc.Tags) ? svc.Tags.filter((tag): tag is string => typeof tag === 'string') : [];
  const meta = frozenRecord(svc.Meta);
  return {
    service: stringOr(svc.Service, service),
    host,
    port,
    // Joined, not a template: V8 keeps a template's result as a rope of its parts, three times the size.
    origin: [schemeOf(meta), host.includes(':') ? `[${host}]` : host, ':', String(port)].join(''),
    tags: tags.length === 0 ? noTags : Object.freeze(tags),
    meta,
    weight: atLeastOne(health === 'warning' ? weights.Warning : weights.Passing),
    health,
    node: nodeOf(node, nodeAddress, nodes),
  };
}

/**
 * An instance serves HTTPS when its service meta says `scheme: https` — Consul has no field for it, and a
 * meta key is what registrations already carry (`register({ meta: { scheme: 'https' } })`). Anything else
 * is plain HTTP.
 */
function schemeOf(meta: Readonly<Record<string, string>>): string {
  return meta.scheme === 'https' ? 'https://' : 'http://';
}

/** The node of an entry, one object per node and node version within an answer. */
function nodeOf(node: Record<string, unknown>, address: string, nodes: Map<string, InstanceNode>): InstanceNode {
  const name = stringOr(node.Node, '');
  const key = typeof node.ModifyIndex === 'number' ? `${name}:${node.ModifyIndex}` : undefined;
  const known = key === undefined ? undefined : nodes.get(key);
  if (known !== undefined) return known;
  const made: InstanceNode = Object.freeze({ name, address, datacenter: stringOr(node.Datacenter, ''), meta: frozenRecord(node.Meta) });
  if (key !== undefined) nodes.set(key, made);
  return made;
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

function sameFields(a: Instance, b: InstanceFields): boolean {
  return (
    a.service === b.service &&
    a.host === b.host &&
    a.port === b.port &&
    a.weight === b.weight &&
    a.health === b.health &&
    sameList(a.tags, b.tags) &&
    sameRecord(a.meta, b.meta) &&
    (a.node === b.node ||
      (a.node.name === b.node.name &&
        a.node.address === b.node.address &&
        a.node.datacenter === b.node.datacenter &&
        sameRecord(a.node.meta, b.node.meta)))
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

function sortedInstances(byId: ReadonlyMap<string, SnapshotEntry>): readonly Instance[] {
  const ids = [...byId.keys()].sort();
  return Object.freeze(ids.map((id) => (byId.get(id) as SnapshotEntry).instance));
}

function atLeastOne(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 1 ? Math.floor(value) : 1;
}

function freezeInstance(id: string, fields: InstanceFields): Instance {
  return Object.freeze({
    id,
    service: fields.service,
    host: fields.host,
    port: fields.port,
    origin: fields.origin,
    tags: fields.tags,
    meta: fields.meta,
    weight: fields.weight,
    health: fields.health,
    node: fields.node,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function frozenRecord(value: unknown): Readonly<Record<string, string>> {
  if (!isRecord(value)) return noMeta;
  let result: Record<string, string> | undefined;
  for (const key in value) {
    const item = value[key];
    if (typeof item === 'string' && Object.hasOwn(value, key)) (result ??= {})[key] = item;
  }
  return result === undefined ? noMeta : Object.freeze(result);
}

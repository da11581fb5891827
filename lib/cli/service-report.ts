import { instanceFromHealthEntry } from '../discovery/consul-health-entries.js';

/** What Consul holds for a service, and what a proxyless client would make of it. */
export interface ServiceReport {
  readonly service: string;
  /** The agent asked: `127.0.0.1:8500`. */
  readonly consul: string;
  readonly instances: readonly ReportedInstance[];
  /** How many of them a client would route to. */
  readonly routed: number;
}

export interface ReportedInstance {
  /** Consul's service ID. */
  readonly id: string;
  readonly node: string;
  /** The service address, else the node's. */
  readonly address: string;
  readonly port: number;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  readonly weights: { readonly passing: number; readonly warning: number };
  readonly checks: readonly ReportedCheck[];
  /** The worst of its checks. */
  readonly health: 'passing' | 'warning' | 'critical';
  /** Whether a client with default options routes to it. */
  readonly routed: boolean;
  /** Why a client skips it, when it does. */
  readonly reason?: string;
}

export interface ReportedCheck {
  readonly name: string;
  readonly status: string;
}

/**
 * The report for Consul's answer to `/v1/health/service/<service>` (every entry). Whether an instance is
 * routed is decided by the very function discovery uses, so the command cannot disagree with a client.
 */
export function serviceReport(service: string, consul: string, entries: readonly unknown[]): ServiceReport {
  const instances = entries.map((entry) => reportedInstance(service, entry)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { service, consul, instances, routed: instances.filter((instance) => instance.routed).length };
}

function reportedInstance(service: string, entry: unknown): ReportedInstance {
  const record = asRecord(entry);
  const svc = asRecord(record.Service);
  const node = asRecord(record.Node);
  const checks = (Array.isArray(record.Checks) ? record.Checks : []).map((check): ReportedCheck => {
    const c = asRecord(check);
    return { name: text(c.Name) || text(c.CheckID), status: text(c.Status) };
  });
  const health = checks.some((check) => check.status !== 'passing' && check.status !== 'warning')
    ? 'critical'
    : checks.some((check) => check.status === 'warning')
      ? 'warning'
      : 'passing';
  const weights = asRecord(svc.Weights);
  const routed = instanceFromHealthEntry(service, entry, { includeWarning: false }) !== undefined;
  const address = text(svc.Address) || text(node.Address);
  const reported = {
    id: text(svc.ID),
    node: text(node.Node),
    address,
    port: typeof svc.Port === 'number' ? svc.Port : 0,
    tags: Array.isArray(svc.Tags) ? svc.Tags.filter((tag): tag is string => typeof tag === 'string') : [],
    meta: stringRecord(svc.Meta),
    weights: { passing: numberOr(weights.Passing, 1), warning: numberOr(weights.Warning, 1) },
    checks,
    health,
    routed,
  } as const;
  return routed ? reported : { ...reported, reason: skipReason(reported) };
}

function skipReason(instance: Omit<ReportedInstance, 'reason'>): string {
  const critical = instance.checks.find((check) => check.status !== 'passing' && check.status !== 'warning');
  if (critical !== undefined) return `check "${critical.name}" is ${critical.status}`;
  const warning = instance.checks.find((check) => check.status === 'warning');
  if (warning !== undefined) return `check "${warning.name}" warns (includeWarning would route it)`;
  if (instance.address === '') return 'no address';
  return `port ${instance.port} is not a valid port`;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function stringRecord(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, item] of Object.entries(asRecord(value))) if (typeof item === 'string') result[key] = item;
  return result;
}

import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { booleanOption, describeValue, milliseconds, nonEmptyString, oneOf, requireOptionsObject } from '../options/option-checks.js';

/**
 * How to follow a service in Consul: which of its instances to ask for (the options of a health query,
 * `/v1/health/service/<service>`), how fresh the answer must be, and where to keep the last set known
 * for a cold start. Validated once, then turned into the query's parameters.
 */
export interface ConsulQueryOptions {
  /** Only instances carrying every one of these tags. */
  readonly tags?: readonly string[];
  /** Ask this datacenter instead of the agent's own. */
  readonly datacenter?: string;
  /** Only instances on nodes whose meta has all of these values (e.g. `{ zone: 'eu-west-1a' }`). */
  readonly nodeMeta?: Readonly<Record<string, string>>;
  /** A Consul filter expression (Consul 1.5 or later), e.g. `Service.Meta.version == "2"`. */
  readonly filter?: string;
  /**
   * Also use instances whose worst check is `warning` (weighted by their `Weights.Warning`). Default false:
   * only instances whose every check passes.
   */
  readonly includeWarning?: boolean;
  /**
   * Read through the agent's cache (`?cached`): the agent keeps one watch on the servers per query, however
   * many clients block on it, and goes on answering from its cache when it loses the servers ("fail
   * static"; the set is then reported stale). The scalable choice where every host runs a Consul agent.
   * Not with `consistency: 'consistent'`. Default false.
   */
  readonly cached?: boolean;
  /**
   * Consul's consistency mode: `'default'` (the leader answers, almost always current), `'stale'` (any
   * server answers, spreading reads over the servers and answering without a leader; may lag by a little)
   * or `'consistent'` (the leader confirms it still leads first: one more round trip for every answer).
   */
  readonly consistency?: ConsulConsistency;
  /**
   * A file where the last set known is kept (written atomically, only when the set changes) and read at
   * start-up when no Consul agent answers within a short bound, so a client can serve while Consul is
   * down. Such a set is reported stale until Consul answers; a file written for another service or query,
   * or a corrupt one, is refused and never used.
   */
  readonly snapshotPath?: string;
  /**
   * When an agent answers an empty set right after a reconnect (an agent restarted without its state), the
   * last set known is held this long while instances register again, and reported stale; an empty answer
   * that lasts longer is followed. `false` follows an empty answer at once. Default 30 000 ms.
   */
  readonly emptyGraceMs?: number | false;
}

export type ConsulConsistency = 'default' | 'stale' | 'consistent';

/** The keys of {@link ConsulQueryOptions}, for the unknown-key check. */
export const queryOptionNames: readonly string[] = [
  'tags',
  'datacenter',
  'nodeMeta',
  'filter',
  'includeWarning',
  'cached',
  'consistency',
  'snapshotPath',
  'emptyGraceMs',
];

/** {@link ConsulQueryOptions} checked, with every default filled in. */
export interface ResolvedConsulQuery {
  readonly tags: readonly string[];
  readonly datacenter: string | undefined;
  readonly nodeMeta: Readonly<Record<string, string>>;
  readonly filter: string | undefined;
  readonly includeWarning: boolean;
  readonly cached: boolean;
  readonly consistency: ConsulConsistency;
  readonly snapshotPath: string | undefined;
  readonly emptyGraceMs: number | false;
}

const DEFAULT_EMPTY_GRACE_MS = 30_000;

/**
 * Checks the query fields of `options` (named `<prefix>.<field>` in errors) and fills in defaults. Unknown
 * keys are the caller's to refuse: the object may carry other options beside these.
 */
export function resolveQueryOptions(options: ConsulQueryOptions, prefix = 'discovery'): ResolvedConsulQuery {
  const name = (field: string) => (prefix ? `${prefix}.${field}` : field);
  const { tags, datacenter, nodeMeta, filter, includeWarning, cached, consistency, snapshotPath, emptyGraceMs } = options;
  if (tags !== undefined && (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string' && tag !== ''))) {
    throw new InvalidOptionError(name('tags'), `must be an array of non-empty strings, e.g. ["v2", "primary"]; got ${describeValue(tags)}`);
  }
  if (datacenter !== undefined) nonEmptyString(name('datacenter'), datacenter, '"dc1"');
  if (nodeMeta !== undefined) {
    requireOptionsObject(name('nodeMeta'), nodeMeta, '{ zone: "eu-west-1a" }');
    for (const [key, value] of Object.entries(nodeMeta)) {
      // Consul splits `node-meta=key:value` at the first colon, so a key cannot contain one.
      if (key === '' || key.includes(':') || typeof value !== 'string') {
        throw new InvalidOptionError(
          `${name('nodeMeta')}.${key}`,
          'must be a string under a non-empty key without ":", e.g. { zone: "eu-west-1a" }',
        );
      }
    }
  }
  if (filter !== undefined && (typeof filter !== 'string' || filter.trim() === '')) {
    throw new InvalidOptionError(name('filter'), 'must be a non-empty Consul filter expression, e.g. Service.Meta.version == "2"');
  }
  if (includeWarning !== undefined) booleanOption(name('includeWarning'), includeWarning);
  if (cached !== undefined) booleanOption(name('cached'), cached);
  const mode = consistency === undefined ? 'default' : oneOf(name('consistency'), consistency, ['default', 'stale', 'consistent'] as const);
  if (cached === true && mode === 'consistent') {
    throw new InvalidOptionError(
      name('consistency'),
      "is 'consistent', which the agent cache cannot give (it serves what it last fetched); drop `cached` or choose 'default' or 'stale'",
    );
  }
  if (snapshotPath !== undefined) nonEmptyString(name('snapshotPath'), snapshotPath, '"/var/lib/my-app/users.snapshot.json"');
  const grace = emptyGraceMs === undefined ? DEFAULT_EMPTY_GRACE_MS : milliseconds(name('emptyGraceMs'), emptyGraceMs, { allowFalse: true });
  return {
    tags: Object.freeze([...(tags ?? [])]),
    datacenter,
    nodeMeta: Object.freeze({ ...nodeMeta }),
    filter,
    includeWarning: includeWarning ?? false,
    cached: cached ?? false,
    consistency: mode,
    snapshotPath,
    emptyGraceMs: grace,
  };
}

/** The query parameters of `/v1/health/service/<service>` for `query`, before `index` and `wait`. */
export function healthQueryParameters(query: ResolvedConsulQuery): Record<string, string | string[]> {
  const parameters: Record<string, string | string[]> = {};
  // With `includeWarning` the query asks for every instance and drops critical ones itself.
  if (!query.includeWarning) parameters.passing = 'true';
  if (query.tags.length > 0) parameters.tag = [...query.tags];
  if (query.datacenter !== undefined) parameters.dc = query.datacenter;
  const pairs = Object.entries(query.nodeMeta).map(([key, value]) => `${key}:${value}`);
  if (pairs.length > 0) parameters['node-meta'] = pairs;
  if (query.filter !== undefined) parameters.filter = query.filter;
  // Consul reads these three flags by their presence alone.
  if (query.cached) parameters.cached = '';
  if (query.consistency === 'stale') parameters.stale = '';
  if (query.consistency === 'consistent') parameters.consistent = '';
  return parameters;
}

/** Equal for queries that select the same instances: tag and node-meta order do not matter. */
export function selectionKey(service: string, query: ResolvedConsulQuery): string {
  return JSON.stringify([
    service,
    [...query.tags].sort(),
    query.datacenter ?? '',
    Object.entries(query.nodeMeta).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    query.filter ?? '',
    query.includeWarning,
  ]);
}

/** Equal for queries one watch can serve: the same selection, read and kept the same way. */
export function queryKey(service: string, query: ResolvedConsulQuery): string {
  return JSON.stringify([selectionKey(service, query), query.cached, query.consistency, query.snapshotPath ?? '', query.emptyGraceMs]);
}

/** The selection in words, for messages: `service "users" with tags ["v2"]`. */
export function describeSelection(service: string, query: ResolvedConsulQuery): string {
  const parts = [`service "${service}"`];
  if (query.tags.length > 0) parts.push(`tags ${JSON.stringify(query.tags)}`);
  if (query.datacenter !== undefined) parts.push(`datacenter "${query.datacenter}"`);
  if (Object.keys(query.nodeMeta).length > 0) parts.push(`node meta ${JSON.stringify(query.nodeMeta)}`);
  if (query.filter !== undefined) parts.push(`filter ${JSON.stringify(query.filter)}`);
  if (query.includeWarning) parts.push('warning instances included');
  return parts.join(', ');
}

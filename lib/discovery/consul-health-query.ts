import { InvalidOptionError } from '../errors/invalid-option-error.js';

/**
 * Which instances of a service to ask Consul for: the options of a health query
 * (`/v1/health/service/<service>`), validated, and turned into the query's parameters.
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
}

/** The query parameters of the `consul` client's `health.service` (before `index`, `wait` and `ctx`). */
export interface HealthServiceParams {
  service: string;
  passing?: boolean;
  tag?: string[];
  dc?: string;
  'node-meta'?: string[];
  filter?: string;
}

/** Validates `options` (named `<prefix>.<field>` in errors) and returns a normalised copy. */
export function validateQueryOptions(options: ConsulQueryOptions, prefix = 'discovery'): ConsulQueryOptions {
  const name = (field: string) => (prefix ? `${prefix}.${field}` : field);
  const { tags, datacenter, nodeMeta, filter, includeWarning } = options;
  if (tags !== undefined && (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string' && tag !== ''))) {
    throw new InvalidOptionError(name('tags'), 'must be an array of non-empty strings, e.g. ["v2", "primary"]');
  }
  if (datacenter !== undefined && (typeof datacenter !== 'string' || datacenter === '')) {
    throw new InvalidOptionError(name('datacenter'), 'must be a non-empty string such as "dc1"');
  }
  if (nodeMeta !== undefined) {
    if (typeof nodeMeta !== 'object' || nodeMeta === null || Array.isArray(nodeMeta)) {
      throw new InvalidOptionError(name('nodeMeta'), 'must be an object of strings, e.g. { zone: "eu-west-1a" }');
    }
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
  if (includeWarning !== undefined && typeof includeWarning !== 'boolean') {
    throw new InvalidOptionError(name('includeWarning'), 'must be true or false');
  }
  return {
    ...(tags === undefined ? {} : { tags: Object.freeze([...tags]) }),
    ...(datacenter === undefined ? {} : { datacenter }),
    ...(nodeMeta === undefined ? {} : { nodeMeta: Object.freeze({ ...nodeMeta }) }),
    ...(filter === undefined ? {} : { filter }),
    includeWarning: includeWarning ?? false,
  };
}

export function healthServiceParams(service: string, options: ConsulQueryOptions): HealthServiceParams {
  const params: HealthServiceParams = { service };
  // With `includeWarning` the query asks for every instance and drops critical ones itself.
  if (!options.includeWarning) params.passing = true;
  if (options.tags && options.tags.length > 0) params.tag = [...options.tags];
  if (options.datacenter !== undefined) params.dc = options.datacenter;
  if (options.nodeMeta) {
    const pairs = Object.entries(options.nodeMeta).map(([key, value]) => `${key}:${value}`);
    if (pairs.length > 0) params['node-meta'] = pairs;
  }
  if (options.filter !== undefined) params.filter = options.filter;
  return params;
}

/** Equal for queries that return the same instances: tag and node-meta order do not matter. */
export function queryKey(service: string, options: ConsulQueryOptions): string {
  return JSON.stringify([
    service,
    [...(options.tags ?? [])].sort(),
    options.datacenter ?? '',
    Object.entries(options.nodeMeta ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    options.filter ?? '',
    options.includeWarning ?? false,
  ]);
}

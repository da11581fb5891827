import { InvalidOptionError } from '../errors/invalid-option-error.js';
import type { Discovery, DiscoveryObserver, DiscoverySubscription } from './discovery.js';
import type { Instance } from './instance.js';

export interface StaticDiscoveryOptions {
  /** The service name the instances report (default `static`). */
  readonly service?: string;
}

/**
 * A fixed list of instances, for local development and tests without Consul:
 * `staticDiscovery(['http://127.0.0.1:3000', 'http://127.0.0.1:3001'])`.
 * Each URL is an origin (scheme, host, port; no path). Subscribers get the list once; it never changes.
 */
export function staticDiscovery(urls: readonly string[], options: StaticDiscoveryOptions = {}): Discovery {
  if (!Array.isArray(urls) || urls.length === 0) {
    throw new InvalidOptionError('staticDiscovery(urls)', 'must be a non-empty array of origins such as ["http://127.0.0.1:3000"]');
  }
  const service = options.service ?? 'static';
  if (typeof service !== 'string' || service === '') {
    throw new InvalidOptionError('staticDiscovery.service', 'must be a non-empty string');
  }
  const seen = new Set<string>();
  const instances = urls.map((url, position): Instance => {
    const option = `staticDiscovery(urls)[${position}]`;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new InvalidOptionError(option, `must be a URL such as "http://127.0.0.1:3000"; got ${JSON.stringify(url)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new InvalidOptionError(option, `must be an http: or https: URL; got ${JSON.stringify(url)}`);
    }
    if ((parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search !== '' || parsed.hash !== '' || parsed.username !== '') {
      throw new InvalidOptionError(option, `must be an origin only (scheme, host, port), without path or query; got ${JSON.stringify(url)}; give the path with each request`);
    }
    if (seen.has(parsed.origin)) {
      throw new InvalidOptionError(option, `repeats ${parsed.origin}; list each instance once (use weights in a picker to favour one)`);
    }
    seen.add(parsed.origin);
    const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port);
    return Object.freeze({
      id: parsed.origin,
      service,
      host,
      port,
      origin: parsed.origin,
      tags: Object.freeze([]) as readonly string[],
      meta: Object.freeze({}),
      weight: 1,
      health: 'passing',
      node: Object.freeze({ name: 'static', address: host, datacenter: '', meta: Object.freeze({}) }),
    });
  });
  const frozen = Object.freeze(instances);
  const description = `static list of ${frozen.length} instance${frozen.length === 1 ? '' : 's'} (${frozen.map((i) => i.origin).join(', ')})`;

  return {
    description,
    subscribe(observer: DiscoveryObserver): DiscoverySubscription {
      let open = true;
      queueMicrotask(() => {
        if (open) observer.onInstances(frozen);
      });
      return {
        close: () => {
          open = false;
        },
      };
    },
  };
}

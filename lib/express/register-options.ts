import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants as osConstants } from 'node:os';
import { consulConnections, type ConsulConnection, type ConsulOption } from '../discovery/consul-connection.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import {
  booleanOption,
  describeValue,
  functionOption,
  milliseconds,
  nonEmptyString,
  rejectUnknownKeys,
  requireOptionsObject,
  wholeNumber,
} from '../options/option-checks.js';
import { durationMs, type Duration } from './duration.js';
import { resolveLoadReportOptions, type LoadReportOptions, type ResolvedLoadReportOptions } from './load-report.js';

/** The state of an instance as Consul's checks know it. `warning` keeps it routable for clients that opt in, weighted by `Weights.Warning`. */
export type HealthState = 'passing' | 'warning' | 'critical';

/** Decides the instance's check state; called on every check (HTTP) or heartbeat (TTL). Throwing counts as `critical`. */
export type HealthFunction = () => HealthState | Promise<HealthState>;

/**
 * What proxyless needs of an Express 4 or 5 application (or router): a way to add a GET route. Typed by its
 * shape, so proxyless never loads express itself.
 */
export interface ExpressApp {
  get(path: string, handler: (request: IncomingMessage, response: ServerResponse) => void): unknown;
}

/** An HTTP check: Consul's agent calls the health route every `interval`. The default. */
export interface HttpCheckOptions {
  /** Path of the health route, mounted on `app`. Default `'/health'`. */
  readonly path?: string;
  /** How often Consul calls it. Default `'5s'`; at least `'1s'`, Consul's minimum. */
  readonly interval?: Duration;
  /** How long Consul waits for an answer before counting the check critical. Default: the interval, at most `'10s'`. */
  readonly timeout?: Duration;
  /** How long Consul keeps an instance whose check stays critical (a crashed one). Default and minimum `'1m'`. */
  readonly deregisterCriticalServiceAfter?: Duration;
}

/** A TTL check: the instance reports its own health every third of `ttl`; Consul marks it critical if reports stop. */
export interface TtlCheckOptions {
  readonly ttl: Duration;
  /** Path of the health route when `app` is given (for other probes). Default `'/health'`. */
  readonly path?: string;
  /** How long Consul keeps an instance whose check stays critical. Default and minimum `'1m'`. */
  readonly deregisterCriticalServiceAfter?: Duration;
}

/** How the instance leaves: on a signal, or when `drain()` is called. */
export interface DrainOptions {
  /** Signals that drain the instance. Default `['SIGTERM', 'SIGINT']`; `false` for none (SIGTERM then ends the process at once, as Node does). */
  readonly signals?: readonly NodeJS.Signals[] | false;
  /**
   * How long to keep serving after leaving Consul, so that every client's blocking query sees the
   * instance gone before it stops accepting connections. Default 2 000 ms.
   */
  readonly propagationMs?: number;
  /** How long requests in flight may take to finish once the server stops accepting; then their connections are closed. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Whether a drain started by a signal ends with `process.exit(0)`. Default `true`; with `false`, listen for `drained` and exit yourself. */
  readonly exit?: boolean;
}

/** Options of {@link register}. Only `service` is required, and `app` with the default HTTP check. */
export interface RegisterOptions {
  /** The Consul service name this instance serves. */
  readonly service: string;
  /** The Express app the health route is mounted on (ahead of its other routes and middleware). */
  readonly app?: ExpressApp;
  /** Where the Consul agent is: the same option as `createClient`'s, with the same environment defaults. */
  readonly consul?: ConsulOption;
  /** The Consul service ID. Default `<service>-<hostname>-<port>-<pid>`, unique per instance. */
  readonly id?: string;
  /**
   * The address clients connect to. Default: the address the server listens on; for a wildcard
   * (`0.0.0.0`, `::`), the machine's first non-internal IPv4 address.
   */
  readonly address?: string;
  /** The port clients connect to. Default: the port the server listens on. */
  readonly port?: number;
  readonly tags?: readonly string[];
  /** Service meta: keys of letters, digits, `_` and `-` (at most 128 characters, not starting with `consul-`), values of at most 512. */
  readonly meta?: Readonly<Record<string, string>>;
  /** Consul's weights: how much traffic the instance takes while passing, and while warning. Default 1 and 1. */
  readonly weights?: { readonly passing: number; readonly warning?: number };
  /** How Consul learns the instance's health. Default `{ interval: '5s', path: '/health' }`, an HTTP check. */
  readonly check?: HttpCheckOptions | TtlCheckOptions;
  /** Decides the check's state. Default: always `'passing'` while the server runs. */
  readonly health?: HealthFunction;
  readonly drain?: DrainOptions;
  /** How long `register()` keeps trying to reach Consul before it rejects. Default 30 000 ms. */
  readonly registerTimeoutMs?: number;
  /**
   * How often (HTTP checks) the agent is asked whether it still holds the instance: an agent restarted empty
   * is noticed within this time and the instance registered again. Default 3 000 ms. A TTL check notices at
   * its next report.
   */
  readonly agentSyncIntervalMs?: number;
  /**
   * The load this instance reports on every response (`endpoint-load-metrics`), for pickers that balance
   * on it. Default on, with a 1 s window; `false` turns it off.
   */
  readonly loadReport?: LoadReportOptions | false;
}

export type ResolvedCheck =
  | { readonly kind: 'http'; readonly path: string; readonly intervalMs: number; readonly timeoutMs: number; readonly deregisterAfterMs: number }
  | { readonly kind: 'ttl'; readonly path: string; readonly ttlMs: number; readonly deregisterAfterMs: number };

export interface ResolvedDrainOptions {
  readonly signals: readonly NodeJS.Signals[];
  readonly propagationMs: number;
  readonly timeoutMs: number;
  readonly exit: boolean;
}

/** {@link RegisterOptions} checked, with every default filled in but those that come from the listening server. */
export interface ResolvedRegisterOptions {
  readonly service: string;
  readonly app: ExpressApp | undefined;
  readonly connection: ConsulConnection;
  readonly id: string | undefined;
  readonly address: string | undefined;
  readonly port: number | undefined;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  readonly weights: { readonly passing: number; readonly warning: number } | undefined;
  readonly check: ResolvedCheck;
  readonly health: HealthFunction;
  readonly drain: ResolvedDrainOptions;
  readonly registerTimeoutMs: number;
  readonly agentSyncIntervalMs: number;
  readonly loadReport: ResolvedLoadReportOptions | false;
}

const optionNames = [
  'service',
  'app',
  'consul',
  'id',
  'address',
  'port',
  'tags',
  'meta',
  'weights',
  'check',
  'health',
  'drain',
  'registerTimeoutMs',
  'agentSyncIntervalMs',
  'loadReport',
] as const;
const httpCheckNames = ['path', 'interval', 'timeout', 'deregisterCriticalServiceAfter'] as const;
const ttlCheckNames = ['ttl', 'path', 'deregisterCriticalServiceAfter'] as const;
const drainNames = ['signals', 'propagationMs', 'timeoutMs', 'exit'] as const;
const weightNames = ['passing', 'warning'] as const;

const uncatchable: readonly string[] = ['SIGKILL', 'SIGSTOP'];
const alwaysPassing: HealthFunction = () => 'passing';

/** Checks every option of `register()`, naming the option and what would be right; nothing has started yet. */
export function resolveRegisterOptions(options: unknown): ResolvedRegisterOptions {
  requireOptionsObject('options', options, "{ service: 'users', app }");
  rejectUnknownKeys('', options, optionNames);
  const service = serviceName(options.service);
  const check = resolveCheck(options.check);
  const app = options.app === undefined ? undefined : expressApp(options.app);
  if (app === undefined && check.kind === 'http') {
    throw new InvalidOptionError(
      'app',
      `is required with an HTTP check: the health route ${check.path} is mounted on it. Give the Express app, or use a TTL check: check: { ttl: '10s' }`,
    );
  }
  return {
    service,
    app,
    // Consul ties a service to the agent it registered with (its checks run there, and it goes when that
    // agent's node goes): an instance registers with the first agent listed, its own node's.
    connection: consulConnections(options.consul as ConsulOption | undefined, 'consul')[0] as ConsulConnection,
    id: options.id === undefined ? undefined : instanceId(options.id),
    address: options.address === undefined ? undefined : address(options.address),
    port: options.port === undefined ? undefined : wholeNumber('port', options.port, 1, 65_535),
    tags: options.tags === undefined ? [] : tags(options.tags),
    meta: options.meta === undefined ? {} : meta(options.meta),
    weights: options.weights === undefined ? undefined : weights(options.weights),
    check,
    health: options.health === undefined ? alwaysPassing : functionOption<HealthFunction>('health', options.health, "returning 'passing', 'warning' or 'critical' (or a promise of one)"),
    drain: resolveDrain(options.drain),
    registerTimeoutMs: options.registerTimeoutMs === undefined ? 30_000 : milliseconds('registerTimeoutMs', options.registerTimeoutMs),
    agentSyncIntervalMs:
      options.agentSyncIntervalMs === undefined ? 3_000 : milliseconds('agentSyncIntervalMs', options.agentSyncIntervalMs, { min: 100 }),
    loadReport: options.loadReport === false ? false : resolveLoadReportOptions(options.loadReport ?? {}, 'loadReport'),
  };
}

function serviceName(value: unknown): string {
  if (value === undefined) {
    throw new InvalidOptionError('service', "is required: the Consul service name this instance serves, e.g. { service: 'users' }");
  }
  const service = nonEmptyString('service', value, "'users'");
  if (/[/?#\s]/.test(service)) {
    throw new InvalidOptionError('service', `must be a Consul service name (no '/', '?', '#' or spaces); got ${describeValue(service)}`);
  }
  return service;
}

function expressApp(value: unknown): ExpressApp {
  if ((typeof value !== 'function' && typeof value !== 'object') || value === null || typeof (value as Partial<ExpressApp>).get !== 'function') {
    throw new InvalidOptionError('app', `must be an Express app (or router) with a get(path, handler) method; got ${describeValue(value)}`);
  }
  return value as ExpressApp;
}

function instanceId(value: unknown): string {
  const id = nonEmptyString('id', value, "'users-1'");
  if (/[/\s]/.test(id)) {
    throw new InvalidOptionError('id', `must not contain '/' or spaces: it is part of Consul's API paths; got ${describeValue(id)}`);
  }
  return id;
}

function address(value: unknown): string {
  const host = nonEmptyString('address', value, "'10.0.3.17'");
  const ipv6 = /^[0-9a-f:.]+$/i.test(host) && host.includes(':');
  if (/[/\s[\]]/.test(host) || (host.includes(':') && !ipv6)) {
    throw new InvalidOptionError('address', `must be a host name or IP address without scheme, port, path or brackets; got ${describeValue(host)}`);
  }
  return host;
}

function tags(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((tag) => typeof tag === 'string' && tag !== '')) {
    throw new InvalidOptionError('tags', `must be an array of non-empty strings such as ['v2', 'canary']; got ${describeValue(value)}`);
  }
  return [...(value as string[])];
}

// Consul's own limits on service meta (agent/structs ValidateServiceMetadata): breaking them is an HTTP 400.
function meta(value: unknown): Record<string, string> {
  requireOptionsObject('meta', value, "{ version: '1.4.0' }");
  const entries = Object.entries(value);
  if (entries.length > 64) throw new InvalidOptionError('meta', `may hold at most 64 keys (Consul's limit); got ${entries.length}`);
  for (const [key, item] of entries) {
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(key) || key.startsWith('consul-')) {
      throw new InvalidOptionError(`meta.${key}`, "is not a valid meta key: letters, digits, '_' and '-', at most 128, not starting with 'consul-'");
    }
    if (typeof item !== 'string' || item.length > 512) {
      throw new InvalidOptionError(`meta.${key}`, `must be a string of at most 512 characters; got ${describeValue(item)}`);
    }
  }
  return { ...(value as Record<string, string>) };
}

function weights(value: unknown): { passing: number; warning: number } {
  requireOptionsObject('weights', value, '{ passing: 3, warning: 1 }');
  rejectUnknownKeys('weights', value, weightNames);
  return {
    passing: wholeNumber('weights.passing', value.passing, 1),
    warning: value.warning === undefined ? 1 : wholeNumber('weights.warning', value.warning, 0),
  };
}

function resolveCheck(value: unknown): ResolvedCheck {
  if (value === undefined) value = {};
  requireOptionsObject('check', value, "{ interval: '5s', path: '/health' } or { ttl: '10s' }");
  const path = value.path === undefined ? '/health' : routePath(value.path);
  const deregisterAfterMs =
    value.deregisterCriticalServiceAfter === undefined
      ? 60_000
      : durationMs('check.deregisterCriticalServiceAfter', value.deregisterCriticalServiceAfter, {
          min: 60_000,
          why: "Consul's minimum",
        });
  if (value.ttl !== undefined) {
    for (const httpOnly of ['interval', 'timeout'] as const) {
      if (value[httpOnly] !== undefined) {
        throw new InvalidOptionError(`check.${httpOnly}`, "belongs to an HTTP check, but `check.ttl` makes it a TTL check; give one or the other");
      }
    }
    rejectUnknownKeys('check', value, ttlCheckNames);
    const ttlMs = durationMs('check.ttl', value.ttl, { min: 1_000, why: 'the instance reports every third of it' });
    return { kind: 'ttl', path, ttlMs, deregisterAfterMs };
  }
  rejectUnknownKeys('check', value, httpCheckNames);
  const intervalMs = value.interval === undefined ? 5_000 : durationMs('check.interval', value.interval, { min: 1_000, why: "Consul's minimum interval" });
  const timeoutMs = value.timeout === undefined ? Math.min(intervalMs, 10_000) : durationMs('check.timeout', value.timeout, { min: 10 });
  return { kind: 'http', path, intervalMs, timeoutMs, deregisterAfterMs };
}

function routePath(value: unknown): string {
  if (typeof value !== 'string' || !/^\/[^\s?#]*$/.test(value)) {
    throw new InvalidOptionError('check.path', `must be a path starting with '/', without query or spaces, such as '/health'; got ${describeValue(value)}`);
  }
  return value;
}

function resolveDrain(value: unknown): ResolvedDrainOptions {
  if (value === undefined) value = {};
  requireOptionsObject('drain', value, "{ signals: ['SIGTERM'], propagationMs: 2000 }");
  rejectUnknownKeys('drain', value, drainNames);
  return {
    signals: value.signals === undefined ? ['SIGTERM', 'SIGINT'] : signals(value.signals),
    propagationMs: value.propagationMs === undefined ? 2_000 : milliseconds('drain.propagationMs', value.propagationMs, { min: 0 }),
    timeoutMs: value.timeoutMs === undefined ? 10_000 : milliseconds('drain.timeoutMs', value.timeoutMs, { min: 0 }),
    exit: value.exit === undefined ? true : booleanOption('drain.exit', value.exit),
  };
}

function signals(value: unknown): NodeJS.Signals[] {
  if (value === false) return [];
  if (!Array.isArray(value)) {
    throw new InvalidOptionError('drain.signals', `must be an array of signal names such as ['SIGTERM'], or false for none; got ${describeValue(value)}`);
  }
  for (const signal of value) {
    if (typeof signal !== 'string' || !(signal in osConstants.signals)) {
      throw new InvalidOptionError('drain.signals', `must list signal names such as 'SIGTERM' or 'SIGINT'; got ${describeValue(signal)}`);
    }
    if (uncatchable.includes(signal)) {
      throw new InvalidOptionError('drain.signals', `cannot include ${signal}: no process can catch it`);
    }
  }
  return [...new Set(value as NodeJS.Signals[])];
}

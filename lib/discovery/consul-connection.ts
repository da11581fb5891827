import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import Consul from 'consul';
import { InvalidOptionError } from '../errors/invalid-option-error.js';

/**
 * The `consul` option: where the Consul agent is and how to talk to it, or a ready `Consul` client
 * (the `consul` npm package). Unset fields default as Consul's own CLI reads them: CONSUL_HTTP_ADDR,
 * CONSUL_HTTP_TOKEN, CONSUL_HTTP_SSL, CONSUL_CACERT; else 127.0.0.1:8500 over plain HTTP.
 */
export type ConsulOption = ConsulConnectionOptions | Consul;

export interface ConsulConnectionOptions {
  /** Host name or IP address of the agent (IPv6 without brackets is fine). */
  host?: string;
  port?: number;
  /** HTTPS instead of HTTP. */
  secure?: boolean;
  /** ACL token, sent as `X-Consul-Token`. */
  token?: string;
  /** CA certificate(s) (PEM) that signed the agent's certificate; implies `secure`. */
  ca?: string | Buffer | readonly (string | Buffer)[];
}

/** A way to reach one Consul agent, resolved and validated; the client is created only when needed. */
export interface ConsulConnection {
  /** `127.0.0.1:8500` (`https://` in front when secure): for messages; never contains the token. */
  readonly address: string;
  /** Equal for connections that may share a watch (same agent, TLS, token, or the same given client). */
  readonly key: string;
  /** A client for this connection; `release` it when done (it is destroyed only if proxyless created it). */
  createClient(): Consul;
  releaseClient(client: Consul): void;
}

type Environment = Readonly<Record<string, string | undefined>>;

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 8500;
const givenClientIds = new WeakMap<object, number>();
let nextGivenClientId = 1;

/** Validates the `consul` option (named `optionName` in errors) and fills in what the environment says. */
export function consulConnection(
  option: ConsulOption | undefined,
  optionName = 'consul',
  env: Environment = process.env,
): ConsulConnection {
  if (option !== undefined && isConsulClient(option)) return givenClient(option);
  if (option !== undefined && (typeof option !== 'object' || option === null || Array.isArray(option))) {
    throw new InvalidOptionError(
      optionName,
      `must be an object such as { host: '127.0.0.1', port: 8500 } or a Consul client; got ${describe(option)}`,
    );
  }
  const given: ConsulConnectionOptions = option ?? {};
  const fromEnv = environmentDefaults(env);

  const host = given.host ?? fromEnv.host ?? DEFAULT_HOST;
  if (typeof host !== 'string' || host === '' || /[/\s]/.test(host) || (host.includes(':') && !isIpv6(host))) {
    throw new InvalidOptionError(
      `${optionName}.host`,
      `must be a host name or IP address without scheme, port or path (e.g. "consul.service"); got ${describe(host)}`,
    );
  }
  const port = given.port ?? fromEnv.port ?? DEFAULT_PORT;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidOptionError(`${optionName}.port`, `must be an integer from 1 to 65535; got ${describe(port)}`);
  }
  if (given.secure !== undefined && typeof given.secure !== 'boolean') {
    throw new InvalidOptionError(`${optionName}.secure`, `must be true or false; got ${describe(given.secure)}`);
  }
  const token = given.token ?? fromEnv.token;
  if (token !== undefined && typeof token !== 'string') {
    throw new InvalidOptionError(`${optionName}.token`, `must be a string (an ACL token); got ${typeof token}`);
  }
  const ca = given.ca ?? fromEnv.ca();
  if (ca !== undefined && !isCa(ca)) {
    throw new InvalidOptionError(`${optionName}.ca`, 'must be a PEM certificate (string or Buffer) or an array of them');
  }
  if (ca !== undefined && given.secure === false) {
    throw new InvalidOptionError(`${optionName}.ca`, 'needs HTTPS, but `secure` is false; drop one of them');
  }
  const secure = given.secure ?? (ca !== undefined ? true : fromEnv.secure ?? false);

  const bracketed = isIpv6(host) ? `[${host}]` : host;
  const address = `${secure ? 'https://' : ''}${bracketed}:${port}`;
  // The token is part of the key (ACLs can change what a query returns) but never of anything printed.
  const key = JSON.stringify(['connection', secure, bracketed, port, token ?? '', ca === undefined ? '' : caKey(ca)]);
  return {
    address,
    key,
    createClient: () =>
      new Consul({
        host: bracketed,
        port,
        secure,
        ...(token === undefined ? {} : { defaults: { token } }),
        ...(ca === undefined ? {} : { agent: new HttpsAgent({ keepAlive: true, ca: caList(ca) }) }),
      }),
    releaseClient: (client) => client.destroy(),
  };
}

function givenClient(client: Consul): ConsulConnection {
  let id = givenClientIds.get(client);
  if (id === undefined) {
    id = nextGivenClientId++;
    givenClientIds.set(client, id);
  }
  return {
    address: clientAddress(client),
    key: JSON.stringify(['client', id]),
    createClient: () => client,
    // The caller owns a client it gave; closing proxyless must not break the caller's other uses of it.
    releaseClient: () => undefined,
  };
}

/** A `Consul` from this or another copy of the `consul` package. */
function isConsulClient(value: unknown): value is Consul {
  if (value instanceof Consul) return true;
  if (typeof value !== 'object' || value === null || !('health' in value)) return false;
  const health: unknown = value.health;
  return typeof health === 'object' && health !== null && 'service' in health && typeof health.service === 'function';
}

/** The agent a given client talks to, from papi's parsed `baseUrl`: best effort, for messages only. */
function clientAddress(client: Consul): string {
  const options: unknown = (client as unknown as { _opts?: unknown })._opts;
  const baseUrl = typeof options === 'object' && options !== null && 'baseUrl' in options ? options.baseUrl : undefined;
  if (typeof baseUrl === 'object' && baseUrl !== null && 'hostname' in baseUrl && typeof baseUrl.hostname === 'string') {
    const secure = 'protocol' in baseUrl && baseUrl.protocol === 'https:';
    const port = 'port' in baseUrl && (typeof baseUrl.port === 'string' || typeof baseUrl.port === 'number') ? String(baseUrl.port) : '';
    const host = baseUrl.hostname.includes(':') && !baseUrl.hostname.startsWith('[') ? `[${baseUrl.hostname}]` : baseUrl.hostname;
    return `${secure ? 'https://' : ''}${host}${port === '' ? '' : `:${port}`}`;
  }
  return 'a given Consul client';
}

interface EnvironmentDefaults {
  host?: string;
  port?: number;
  secure?: boolean;
  token?: string;
  ca(): Buffer | undefined;
}

function environmentDefaults(env: Environment): EnvironmentDefaults {
  const result: EnvironmentDefaults = { ca: () => undefined };
  const addr = env.CONSUL_HTTP_ADDR?.trim();
  if (addr) {
    // Consul's CLI accepts `host:port`, `http://host:port` and `https://host:port`.
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(addr) ? addr : `http://${addr}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      throw new InvalidOptionError('CONSUL_HTTP_ADDR', `(environment) must be host:port or http(s)://host:port; got "${addr}"`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || (url.pathname !== '/' && url.pathname !== '')) {
      throw new InvalidOptionError('CONSUL_HTTP_ADDR', `(environment) must be host:port or http(s)://host:port; got "${addr}"`);
    }
    result.host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (url.port !== '') result.port = Number(url.port);
    else if (url.protocol === 'https:') result.port = 443;
    if (url.protocol === 'https:') result.secure = true;
  }
  const ssl = env.CONSUL_HTTP_SSL?.trim().toLowerCase();
  if (ssl) {
    if (['1', 'true', 't'].includes(ssl)) result.secure = true;
    else if (['0', 'false', 'f'].includes(ssl)) result.secure = result.secure ?? false;
    else throw new InvalidOptionError('CONSUL_HTTP_SSL', `(environment) must be true or false; got "${ssl}"`);
  }
  if (env.CONSUL_HTTP_TOKEN) result.token = env.CONSUL_HTTP_TOKEN;
  const caFile = env.CONSUL_CACERT;
  if (caFile) {
    result.ca = () => {
      try {
        return readFileSync(caFile);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new InvalidOptionError('CONSUL_CACERT', `(environment) must name a readable PEM file; ${why}`);
      }
    };
  }
  return result;
}

function isIpv6(host: string): boolean {
  return /^[0-9a-f:.]+$/i.test(host) && host.includes(':');
}

function isCa(value: unknown): value is NonNullable<ConsulConnectionOptions['ca']> {
  const one = (item: unknown) => typeof item === 'string' || Buffer.isBuffer(item);
  return one(value) || (Array.isArray(value) && value.length > 0 && value.every(one));
}

function caList(ca: NonNullable<ConsulConnectionOptions['ca']>): (string | Buffer)[] {
  return Array.isArray(ca) ? [...(ca as readonly (string | Buffer)[])] : [ca as string | Buffer];
}

function caKey(ca: NonNullable<ConsulConnectionOptions['ca']>): string {
  return caList(ca)
    .map((item) => item.toString())
    .join('\n');
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return Array.isArray(value) ? 'an array' : typeof value;
}

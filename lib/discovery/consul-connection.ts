import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { join } from 'node:path';
import Consul from 'consul';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { describeValue, nonEmptyString, rejectUnknownKeys, requireOptionsObject } from '../options/option-checks.js';
import { ConsulReader, type PapiClient } from './consul-reader.js';

/**
 * The `consul` option: the Consul agent to ask, or several in order of preference (the local agent first),
 * each described by its address and credentials or given as a ready `Consul` client (the `consul` npm
 * package). Unset fields default as Consul's own CLI reads them: CONSUL_HTTP_ADDR, CONSUL_HTTP_SSL,
 * CONSUL_HTTP_TOKEN_FILE, CONSUL_HTTP_TOKEN, CONSUL_CACERT, CONSUL_CAPATH, CONSUL_CLIENT_CERT,
 * CONSUL_CLIENT_KEY, CONSUL_TLS_SERVER_NAME; else 127.0.0.1:8500 over plain HTTP.
 */
export type ConsulOption = ConsulAgentOption | readonly ConsulAgentOption[];

/** One Consul agent: where it is and how to talk to it, or a ready `Consul` client. */
export type ConsulAgentOption = ConsulConnectionOptions | Consul;

export interface ConsulConnectionOptions {
  /** Host name or IP address of the agent (IPv6 without brackets is fine). */
  host?: string;
  port?: number;
  /** HTTPS instead of HTTP. Implied by `ca`, `cert`, `key` or `servername`. */
  secure?: boolean;
  /** ACL token, sent as `X-Consul-Token`; never printed. */
  token?: string;
  /** A file holding the ACL token (read once, trimmed), as Consul's `-token-file`. Not with `token`. */
  tokenFile?: string;
  /** CA certificate(s), PEM, that signed the agent's certificate. */
  ca?: string | Buffer | readonly (string | Buffer)[];
  /** Client certificate, PEM, for an agent that verifies clients (`verify_incoming`). Needs `key`. */
  cert?: string | Buffer;
  /** Private key, PEM, of `cert`. */
  key?: string | Buffer;
  /** The name the agent's certificate must carry when it differs from `host` (e.g. `server.dc1.consul`). */
  servername?: string;
}

/** A way to reach one Consul agent, resolved and validated; nothing is opened until asked. */
export interface ConsulConnection {
  /** `127.0.0.1:8500` (`https://` in front when secure): for messages; never contains the token. */
  readonly address: string;
  /** Equal for connections that may share a watch (same agent, TLS and token, or the same given client). */
  readonly key: string;
  /** A `Consul` client for this agent (registration, anything else); `releaseClient` it when done. */
  createClient(): Consul;
  /** Destroys a client made by `createClient`, unless the caller gave it (then the caller owns it). */
  releaseClient(client: Consul): void;
  /** What discovery reads this agent with: a client plus the token; `close()` it when done. */
  openReader(): ConsulReader;
}

type Environment = Readonly<Record<string, string | undefined>>;
type Pem = string | Buffer;

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 8500;
const connectionOptionNames = ['host', 'port', 'secure', 'token', 'tokenFile', 'ca', 'cert', 'key', 'servername'];
const example = "{ host: '127.0.0.1', port: 8500 }, a Consul client, or a list of them";
const givenClientIds = new WeakMap<object, number>();
let nextGivenClientId = 1;

/**
 * Validates the `consul` option (named `optionName` in errors) and fills in what the environment says: the
 * agents in order of preference, at least one.
 */
export function consulConnections(
  option: ConsulOption | undefined,
  optionName = 'consul',
  env: Environment = process.env,
): readonly ConsulConnection[] {
  if (!Array.isArray(option)) return [agentConnection(option as ConsulAgentOption | undefined, optionName, env)];
  const list = option as readonly unknown[];
  if (list.length === 0) {
    throw new InvalidOptionError(optionName, `must list at least one agent, e.g. [{ host: '127.0.0.1', port: 8500 }]; got an empty array`);
  }
  const connections: ConsulConnection[] = [];
  list.forEach((item, position) => {
    const name = `${optionName}[${position}]`;
    if (item === undefined) throw new InvalidOptionError(name, `must be an agent such as ${example}; got undefined`);
    const connection = agentConnection(item as ConsulAgentOption, name, env);
    const earlier = connections.findIndex((c) => c.key === connection.key);
    if (earlier >= 0) {
      throw new InvalidOptionError(name, `repeats ${optionName}[${earlier}] (${connection.address}); list each agent once`);
    }
    connections.push(connection);
  });
  return connections;
}

function agentConnection(option: ConsulAgentOption | undefined, name: string, env: Environment): ConsulConnection {
  if (option !== undefined && isConsulClient(option)) return givenClient(option, name);
  if (option !== undefined) {
    requireOptionsObject(name, option, example);
    rejectUnknownKeys(name, option, connectionOptionNames);
  }
  const given: ConsulConnectionOptions = option ?? {};
  const fromEnv = environmentDefaults(env);

  const host = given.host ?? fromEnv.host ?? DEFAULT_HOST;
  if (typeof host !== 'string' || host === '' || /[/\s]/.test(host) || (host.includes(':') && !isIpv6(host))) {
    throw new InvalidOptionError(
      `${name}.host`,
      `must be a host name or IP address without scheme, port or path (e.g. "consul.service"); got ${describeValue(host)}`,
    );
  }
  const port = given.port ?? fromEnv.port ?? DEFAULT_PORT;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidOptionError(`${name}.port`, `must be an integer from 1 to 65535; got ${describeValue(port)}`);
  }
  if (given.secure !== undefined && typeof given.secure !== 'boolean') {
    throw new InvalidOptionError(`${name}.secure`, `must be true or false; got ${describeValue(given.secure)}`);
  }

  if (given.token !== undefined && typeof given.token !== 'string') {
    throw new InvalidOptionError(`${name}.token`, `must be a string (an ACL token); got ${typeof given.token}`);
  }
  if (given.token !== undefined && given.tokenFile !== undefined) {
    throw new InvalidOptionError(`${name}.tokenFile`, 'and `token` are both given; give the token one way');
  }
  // As Consul's CLI: a token file wins over CONSUL_HTTP_TOKEN, and an empty one is passed over.
  const token =
    given.token ??
    (given.tokenFile !== undefined ? tokenFromFile(`${name}.tokenFile`, nonEmptyString(`${name}.tokenFile`, given.tokenFile, '"/run/secrets/consul-token"')) : undefined) ??
    fromEnv.token();

  // Certificates given as options mean HTTPS; those from the environment apply only when the environment
  // or the options ask for HTTPS, as Consul's CLI uses them.
  const explicitTls = given.ca !== undefined || given.cert !== undefined || given.key !== undefined || given.servername !== undefined;
  if (explicitTls && given.secure === false) {
    const field = given.ca !== undefined ? 'ca' : given.cert !== undefined ? 'cert' : given.key !== undefined ? 'key' : 'servername';
    throw new InvalidOptionError(`${name}.${field}`, 'needs HTTPS, but `secure` is false; drop one of them');
  }
  const secure = given.secure ?? (explicitTls ? true : fromEnv.secure ?? false);
  const ca = secure ? pemList(`${name}.ca`, given.ca) ?? fromEnv.ca() : undefined;
  const givenCert = secure ? pem(`${name}.cert`, given.cert, 'CERTIFICATE') : undefined;
  const givenKey = secure ? pem(`${name}.key`, given.key, 'PRIVATE KEY') : undefined;
  const cert = givenCert ?? (secure ? fromEnv.cert() : undefined);
  const key = givenKey ?? (secure ? fromEnv.key() : undefined);
  if ((cert === undefined) !== (key === undefined)) {
    const missing =
      cert === undefined
        ? givenKey !== undefined ? `${name}.cert` : 'CONSUL_CLIENT_CERT'
        : givenCert !== undefined ? `${name}.key` : 'CONSUL_CLIENT_KEY';
    throw new InvalidOptionError(
      missing,
      `is missing: a client certificate needs both \`cert\` and \`key\` (or CONSUL_CLIENT_CERT and CONSUL_CLIENT_KEY)`,
    );
  }
  const servername = secure
    ? given.servername !== undefined
      ? nonEmptyString(`${name}.servername`, given.servername, '"server.dc1.consul"')
      : fromEnv.servername
    : undefined;

  const bracketed = isIpv6(host) ? `[${host}]` : host;
  const address = `${secure ? 'https://' : ''}${bracketed}:${port}`;
  // The token and keys are part of the key (ACLs change what a query returns), hashed so that no copy
  // of a secret sits in a string that could end up printed.
  const sharingKey = JSON.stringify([
    'connection',
    secure,
    bracketed,
    port,
    digest(token ?? ''),
    digest([...(ca ?? []), cert ?? '', key ?? ''].map(String).join('\n')),
    servername ?? '',
  ]);
  const createClient = (): Consul =>
    new Consul({
      host: bracketed,
      port,
      secure,
      ...(token === undefined ? {} : { defaults: { token } }),
      ...(secure
        ? {
            agent: new HttpsAgent({
              keepAlive: true,
              ...(ca === undefined ? {} : { ca }),
              ...(cert === undefined ? {} : { cert }),
              ...(key === undefined ? {} : { key }),
              ...(servername === undefined ? {} : { servername }),
            }),
          }
        : {}),
    });
  return {
    address,
    key: sharingKey,
    createClient,
    releaseClient: (client) => client.destroy(),
    openReader: () => {
      const client = createClient();
      return new ConsulReader(client as unknown as PapiClient, token, () => client.destroy());
    },
  };
}

function givenClient(client: Consul, name: string): ConsulConnection {
  if (typeof (client as unknown as Partial<PapiClient>)._get !== 'function') {
    throw new InvalidOptionError(name, 'is a Consul client proxyless cannot read with; give a client of the `consul` npm package (version 1 or 2), or { host, port }');
  }
  let id = givenClientIds.get(client);
  if (id === undefined) {
    id = nextGivenClientId++;
    givenClientIds.set(client, id);
  }
  // A given client carries its token in its defaults; discovery's own requests send it the same way.
  const defaults: unknown = (client as unknown as { _defaults?: unknown })._defaults;
  const token =
    typeof defaults === 'object' && defaults !== null && 'token' in defaults && typeof defaults.token === 'string' ? defaults.token : undefined;
  return {
    address: clientAddress(client),
    key: JSON.stringify(['client', id]),
    createClient: () => client,
    // The caller owns a client it gave; closing proxyless must not break the caller's other uses of it.
    releaseClient: () => undefined,
    openReader: () => new ConsulReader(client as unknown as PapiClient, token, () => undefined),
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
  servername?: string;
  token(): string | undefined;
  ca(): Pem[] | undefined;
  cert(): Pem | undefined;
  key(): Pem | undefined;
}

/** Consul's CLI environment; files are read only if the connection uses them. */
function environmentDefaults(env: Environment): EnvironmentDefaults {
  const result: EnvironmentDefaults = {
    token: () => {
      const file = env.CONSUL_HTTP_TOKEN_FILE?.trim();
      return (file ? tokenFromFile('CONSUL_HTTP_TOKEN_FILE', file) : undefined) ?? (env.CONSUL_HTTP_TOKEN || undefined);
    },
    ca: () => {
      const file = env.CONSUL_CACERT?.trim();
      if (file) return [readPemFile('CONSUL_CACERT', file, 'CERTIFICATE')];
      const dir = env.CONSUL_CAPATH?.trim();
      return dir ? readPemDirectory('CONSUL_CAPATH', dir) : undefined;
    },
    cert: () => {
      const file = env.CONSUL_CLIENT_CERT?.trim();
      return file ? readPemFile('CONSUL_CLIENT_CERT', file, 'CERTIFICATE') : undefined;
    },
    key: () => {
      const file = env.CONSUL_CLIENT_KEY?.trim();
      return file ? readPemFile('CONSUL_CLIENT_KEY', file, 'PRIVATE KEY') : undefined;
    },
  };
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
  const servername = env.CONSUL_TLS_SERVER_NAME?.trim();
  if (servername) result.servername = servername;
  return result;
}

/** The token in `path`, trimmed as Consul trims it; undefined for an empty file, which Consul passes over. */
function tokenFromFile(option: string, path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidOptionError(option, `${environmentNote(option)}must name a readable file holding the ACL token; ${reason(error)}`);
  }
  const token = text.trim();
  return token === '' ? undefined : token;
}

function pemList(option: string, value: unknown): Pem[] | undefined {
  if (value === undefined) return undefined;
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  if (items.length === 0) throw new InvalidOptionError(option, 'must be a PEM certificate (string or Buffer) or a non-empty array of them');
  return items.map((item, position) => pem(Array.isArray(value) ? `${option}[${position}]` : option, item, 'CERTIFICATE') as Pem);
}

/** A PEM string or Buffer; a file path in its place is the common mistake, so it is named. */
function pem(option: string, value: unknown, label: string): Pem | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' && !Buffer.isBuffer(value)) {
    throw new InvalidOptionError(option, `must be PEM text (string or Buffer) beginning "-----BEGIN ${label}"; got ${describeValue(value)}`);
  }
  const text = value.toString();
  if (!text.includes('-----BEGIN ')) {
    const looksLikePath = typeof value === 'string' && !text.includes('\n') && text.length < 4096;
    const hint = looksLikePath ? ` (it looks like a file name: pass readFileSync(${JSON.stringify(text)}), or set the CONSUL_* variable to the path)` : '';
    throw new InvalidOptionError(option, `must be PEM text beginning "-----BEGIN ${label}"${hint}`);
  }
  return value;
}

function readPemFile(variable: string, path: string, label: string): Buffer {
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (error) {
    throw new InvalidOptionError(variable, `(environment) must name a readable PEM file; ${reason(error)}`);
  }
  if (!content.toString().includes('-----BEGIN ')) {
    throw new InvalidOptionError(variable, `(environment) names ${path}, which holds no PEM block ("-----BEGIN ${label}")`);
  }
  return content;
}

/** Every PEM file of a directory, as Consul's CONSUL_CAPATH. */
function readPemDirectory(variable: string, dir: string): Buffer[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (error) {
    throw new InvalidOptionError(variable, `(environment) must name a readable directory of PEM files; ${reason(error)}`);
  }
  const certificates = names
    .map((file) => join(dir, file))
    .filter((path) => statSync(path, { throwIfNoEntry: false })?.isFile() === true)
    .map((path) => readFileSync(path))
    .filter((content) => content.toString().includes('-----BEGIN CERTIFICATE'));
  if (certificates.length === 0) throw new InvalidOptionError(variable, `(environment) names ${dir}, which holds no PEM certificate`);
  return certificates;
}

function environmentNote(option: string): string {
  return /^[A-Z_]+$/.test(option) ? '(environment) ' : '';
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

function isIpv6(host: string): boolean {
  return /^[0-9a-f:.]+$/i.test(host) && host.includes(':');
}

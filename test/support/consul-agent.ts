// Real Consul agents for integration tests, on free ports of 127.0.0.1, with helpers that register and
// deregister services through Consul's own HTTP API:
// - `startConsul()`: a dev agent (a server, in memory), optionally with ACLs enabled and default-deny (a
//   management token bootstrapped) or serving HTTPS only with the test's own certificates;
// - `startClientAgent(server)`: a client agent that joins a server, for a cluster (consul-cluster.ts).
// Every agent is started with the fast settings of Consul's dev mode, so it is ready in well under a second.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consulBinary } from '../../scripts/consul-binary.mjs';
import type { TestCertificates } from './consul-certificates.js';
import { killAndWait, trackChildProcess } from './child-processes.js';
import { freePorts } from './free-port.js';

const READY_TIMEOUT_MS = 15_000;
const LOG_LINES_KEPT = 40;

export interface ConsulAgentOptions {
  /** Node name (default `proxyless-test`). */
  node?: string;
  datacenter?: string;
  /** Node meta, given to the agent as `-node-meta=key:value`. */
  nodeMeta?: Record<string, string>;
  /** ACLs enabled, default policy deny; a management token is bootstrapped (`managementToken`). */
  acl?: boolean;
  /** Serve HTTPS only, with these certificates; `verifyClients` also asks every client for a certificate. */
  tls?: { certificates: TestCertificates; verifyClients?: boolean };
}

export interface ServiceCheck {
  http: string;
  interval?: string;
  timeout?: string;
  deregisterCriticalServiceAfter?: string;
}

export interface ServiceRegistration {
  id: string;
  name: string;
  port: number;
  address?: string;
  tags?: string[];
  meta?: Record<string, string>;
  weights?: { passing: number; warning: number };
  check?: ServiceCheck;
}

export interface ConsulAgent {
  readonly host: string;
  readonly port: number;
  /** `127.0.0.1:PORT`, as CONSUL_HTTP_ADDR would give it. */
  readonly address: string;
  readonly node: string;
  readonly datacenter: string;
  /** The bootstrapped management token of an agent with ACLs. */
  readonly managementToken: string | undefined;
  registerService(service: ServiceRegistration): Promise<void>;
  deregisterService(id: string): Promise<void>;
  /** A request to the agent's HTTP API as an operator (management token, client certificate); throws unless 2xx. */
  api(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown>;
  /** An ACL token whose policy has these rules (HCL), or no policy at all. */
  createToken(rules?: string): Promise<string>;
  /** SIGKILL, resolved once the agent has exited; its ports stay reserved for `restart()`. */
  kill(): Promise<void>;
  /** SIGSTOP: the agent stops answering, its connections hang, as a host that froze. */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
  /** The agent again on the same ports: a dev agent comes back empty, a client agent with its data. */
  restart(): Promise<void>;
  /** Kills the agent if it runs; safe to call any number of times. */
  stop(): Promise<void>;
  /** The agent's last log lines, for failure messages. */
  logTail(): string;
}

interface AgentPorts {
  http: number;
  serfLan: number;
  serfWan: number;
  server: number;
}

/** Starts `consul agent -dev` and resolves once it has a leader and has registered its node. */
export async function startConsul(options: ConsulAgentOptions = {}): Promise<ConsulAgent> {
  const binary = await consulBinary();
  const [http, serfLan, serfWan, server] = await freePorts(4);
  const agent = new AgentProcess(binary, { http: http!, serfLan: serfLan!, serfWan: serfWan!, server: server! }, options, undefined);
  await agent.launch();
  return agent;
}

/**
 * Starts a client agent that joins `server` (one started by `startConsul`, without ACLs or TLS), and
 * resolves once it knows the leader and its node is in the catalog.
 */
export async function startClientAgent(server: ConsulAgent, options: Pick<ConsulAgentOptions, 'node' | 'nodeMeta'> = {}): Promise<ConsulAgent> {
  if (!(server instanceof AgentProcess)) throw new Error('startClientAgent needs an agent from startConsul');
  const binary = await consulBinary();
  const [http, serfLan, serfWan, rpc] = await freePorts(4);
  const dataDir = await mkdtemp(join(tmpdir(), 'proxyless-consul-'));
  const agent = new AgentProcess(
    binary,
    { http: http!, serfLan: serfLan!, serfWan: serfWan!, server: rpc! },
    { node: options.node ?? `client-${http}`, datacenter: server.datacenter, ...(options.nodeMeta ? { nodeMeta: options.nodeMeta } : {}) },
    { join: `127.0.0.1:${server.serfLanPort}`, dataDir },
  );
  try {
    await agent.launch();
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return agent;
}

class AgentProcess implements ConsulAgent {
  readonly host = '127.0.0.1';
  readonly node: string;
  readonly datacenter: string;
  #managementToken: string | undefined;
  #child: ChildProcess | undefined;
  #log: string[] = [];
  #policies = 0;

  constructor(
    private readonly binary: string,
    private readonly ports: AgentPorts,
    private readonly options: ConsulAgentOptions,
    /** Set for a client agent: the server's serf address to join, and its data directory. */
    private readonly client: { join: string; dataDir: string } | undefined,
  ) {
    this.node = options.node ?? 'proxyless-test';
    this.datacenter = options.datacenter ?? 'dc1';
  }

  get port(): number {
    return this.ports.http;
  }

  get serfLanPort(): number {
    return this.ports.serfLan;
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get managementToken(): string | undefined {
    return this.#managementToken;
  }

  async launch(): Promise<void> {
    const child = spawn(this.binary, this.#arguments(), { stdio: ['ignore', 'pipe', 'pipe'] });
    trackChildProcess(child);
    this.#child = child;
    const keep = (chunk: Buffer) => {
      this.#log.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (this.#log.length > LOG_LINES_KEPT) this.#log.splice(0, this.#log.length - LOG_LINES_KEPT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    try {
      await this.#waitUntilReady(child);
    } catch (error) {
      await killAndWait(child);
      throw error;
    }
  }

  #arguments(): string[] {
    const common = [
      `-node=${this.node}`,
      `-datacenter=${this.datacenter}`,
      '-bind=127.0.0.1',
      '-client=127.0.0.1',
      `-serf-lan-port=${this.ports.serfLan}`,
      `-server-port=${this.ports.server}`,
      '-dns-port=-1',
      '-grpc-port=-1',
      ...Object.entries(this.options.nodeMeta ?? {}).map(([key, value]) => `-node-meta=${key}:${value}`),
    ];
    if (this.client !== undefined) {
      return [
        'agent',
        ...common,
        `-http-port=${this.ports.http}`,
        `-data-dir=${this.client.dataDir}`,
        `-retry-join=${this.client.join}`,
        '-retry-interval=100ms',
        // Cumulative counters at /v1/agent/metrics?format=prometheus, for tests that count calls to the servers.
        '-hcl',
        'telemetry { prometheus_retention_time = "10m" }',
      ];
    }
    const args = ['agent', '-dev', ...common, `-serf-wan-port=${this.ports.serfWan}`];
    const tls = this.options.tls;
    if (tls === undefined) args.push(`-http-port=${this.ports.http}`);
    else {
      const { certificates, verifyClients } = tls;
      args.push(
        '-hcl',
        `ports { http = -1, https = ${this.ports.http} }`,
        '-hcl',
        `ca_file = ${JSON.stringify(certificates.caFile)}`,
        '-hcl',
        `cert_file = ${JSON.stringify(certificates.serverCertFile)}`,
        '-hcl',
        `key_file = ${JSON.stringify(certificates.serverKeyFile)}`,
        '-hcl',
        `verify_incoming_https = ${verifyClients === true}`,
      );
    }
    if (this.options.acl === true) {
      args.push('-hcl', 'acl { enabled = true, default_policy = "deny", enable_token_persistence = false }');
    }
    return args;
  }

  async #waitUntilReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = 'no answer yet';
    this.#managementToken = undefined;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`consul agent exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${this.logTail()}`);
      }
      try {
        const leader = await this.#request('GET', '/v1/status/leader');
        const known = leader.status === 200 && JSON.parse(leader.text) !== '';
        if (known && this.options.acl === true && this.#managementToken === undefined) await this.#bootstrapAcl();
        // A leader alone is not enough: the node registers itself in the catalog just after the election.
        if (known && (await this.#nodeKnown())) return;
        last = `leader: HTTP ${leader.status} ${leader.text.trim()}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`consul agent at ${this.address} was not ready after ${READY_TIMEOUT_MS} ms (${last}):\n${this.logTail()}`);
  }

  async #bootstrapAcl(): Promise<void> {
    const answer = await this.#request('PUT', '/v1/acl/bootstrap');
    // Right after the election the ACL system may still be starting; the caller asks again.
    if (answer.status !== 200) throw new Error(`ACL bootstrap: HTTP ${answer.status} ${answer.text.trim()}`);
    const secret: unknown = JSON.parse(answer.text).SecretID;
    if (typeof secret !== 'string') throw new Error('ACL bootstrap gave no SecretID');
    this.#managementToken = secret;
    await this.api('PUT', '/v1/agent/token/agent', { Token: secret });
  }

  async #nodeKnown(): Promise<boolean> {
    const answer = await this.#request('GET', `/v1/catalog/node/${this.node}`);
    const body: unknown = answer.status === 200 ? JSON.parse(answer.text) : null;
    return typeof body === 'object' && body !== null && 'Node' in body && body.Node !== null;
  }

  async registerService(service: ServiceRegistration): Promise<void> {
    const body = {
      ID: service.id,
      Name: service.name,
      Port: service.port,
      ...(service.address === undefined ? {} : { Address: service.address }),
      Tags: service.tags ?? [],
      Meta: service.meta ?? {},
      ...(service.weights === undefined ? {} : { Weights: { Passing: service.weights.passing, Warning: service.weights.warning } }),
      ...(service.check === undefined
        ? {}
        : {
            Check: {
              HTTP: service.check.http,
              Interval: service.check.interval ?? '1s',
              Timeout: service.check.timeout ?? '1s',
              DeregisterCriticalServiceAfter: service.check.deregisterCriticalServiceAfter ?? '1m',
            },
          }),
    };
    await this.api('PUT', '/v1/agent/service/register', body);
  }

  async deregisterService(id: string): Promise<void> {
    await this.api('PUT', `/v1/agent/service/deregister/${encodeURIComponent(id)}`);
  }

  async api(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    const answer = await this.#request(method, path, body);
    if (answer.status < 200 || answer.status > 299) throw new Error(`consul ${method} ${path}: HTTP ${answer.status} ${answer.text.trim()}`);
    return answer.text === '' ? undefined : JSON.parse(answer.text);
  }

  async createToken(rules?: string): Promise<string> {
    const policies: { Name: string }[] = [];
    if (rules !== undefined) {
      const name = `test-policy-${++this.#policies}`;
      await this.api('PUT', '/v1/acl/policy', { Name: name, Rules: rules });
      policies.push({ Name: name });
    }
    const token = (await this.api('PUT', '/v1/acl/token', { Description: 'proxyless test', Policies: policies })) as { SecretID: string };
    return token.SecretID;
  }

  /** One HTTP(S) request as an operator would send it, with the management token and a client certificate. */
  #request(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const tls = this.options.tls;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (this.#managementToken !== undefined) headers['x-consul-token'] = this.#managementToken;
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const options = { host: this.host, port: this.port, method, path, headers, timeout: 5_000 };
    return new Promise((resolve, reject) => {
      const onResponse = (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      };
      const request =
        tls === undefined
          ? httpRequest({ ...options, agent: false }, onResponse)
          : httpsRequest(
              {
                ...options,
                agent: false,
                ca: tls.certificates.ca,
                cert: tls.certificates.clientCert,
                key: tls.certificates.clientKey,
                servername: tls.certificates.serverName,
              },
              onResponse,
            );
      request.on('timeout', () => request.destroy(new Error(`no answer to ${method} ${path} within 5 s`)));
      request.on('error', reject);
      request.end(payload);
    });
  }

  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child) await killAndWait(child, 'SIGKILL');
  }

  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  resume(): void {
    this.#child?.kill('SIGCONT');
  }

  async restart(): Promise<void> {
    await this.kill();
    this.#log = [];
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.kill();
    if (this.client !== undefined) await rm(this.client.dataDir, { recursive: true, force: true });
  }

  logTail(): string {
    return this.#log.join('\n');
  }
}

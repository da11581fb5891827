// A real Consul agent (`consul agent -dev`) for integration tests, on free ports of 127.0.0.1, with helpers
// that register and deregister services through Consul's own HTTP API.
import { spawn, type ChildProcess } from 'node:child_process';
import { consulBinary } from '../../scripts/consul-binary.mjs';
import { killAndWait, trackChildProcess } from './child-processes.js';
import { freePorts } from './free-port.js';

const LEADER_TIMEOUT_MS = 15_000;
const LOG_LINES_KEPT = 40;

export interface ConsulAgentOptions {
  /** Node name (default `proxyless-test`). */
  node?: string;
  datacenter?: string;
  /** Node meta, given to the agent as `-node-meta=key:value`. */
  nodeMeta?: Record<string, string>;
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
  registerService(service: ServiceRegistration): Promise<void>;
  deregisterService(id: string): Promise<void>;
  /** SIGKILL, resolved once the agent has exited; its ports stay reserved for `restart()`. */
  kill(): Promise<void>;
  /** A fresh dev agent (empty catalog) on the same ports; resolves once it has a leader. */
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

/** Starts `consul agent -dev` and resolves once it has elected itself leader. */
export async function startConsul(options: ConsulAgentOptions = {}): Promise<ConsulAgent> {
  const binary = await consulBinary();
  const [http, serfLan, serfWan, server] = await freePorts(4);
  const agent = new DevAgent(binary, { http: http!, serfLan: serfLan!, serfWan: serfWan!, server: server! }, options);
  await agent.launch();
  return agent;
}

class DevAgent implements ConsulAgent {
  readonly host = '127.0.0.1';
  readonly node: string;
  readonly datacenter: string;
  #child: ChildProcess | undefined;
  #log: string[] = [];

  constructor(
    private readonly binary: string,
    private readonly ports: AgentPorts,
    private readonly options: ConsulAgentOptions,
  ) {
    this.node = options.node ?? 'proxyless-test';
    this.datacenter = options.datacenter ?? 'dc1';
  }

  get port(): number {
    return this.ports.http;
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  async launch(): Promise<void> {
    const args = [
      'agent',
      '-dev',
      `-node=${this.node}`,
      `-datacenter=${this.datacenter}`,
      '-bind=127.0.0.1',
      '-client=127.0.0.1',
      `-http-port=${this.ports.http}`,
      `-serf-lan-port=${this.ports.serfLan}`,
      `-serf-wan-port=${this.ports.serfWan}`,
      `-server-port=${this.ports.server}`,
      '-dns-port=-1',
      '-grpc-port=-1',
      ...Object.entries(this.options.nodeMeta ?? {}).map(([key, value]) => `-node-meta=${key}:${value}`),
    ];
    const child = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    trackChildProcess(child);
    this.#child = child;
    const keep = (chunk: Buffer) => {
      this.#log.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (this.#log.length > LOG_LINES_KEPT) this.#log.splice(0, this.#log.length - LOG_LINES_KEPT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    try {
      await this.#waitForLeader(child);
    } catch (error) {
      await killAndWait(child);
      throw error;
    }
  }

  async #waitForLeader(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + LEADER_TIMEOUT_MS;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`consul agent exited (${child.exitCode ?? child.signalCode}) before electing a leader:\n${this.logTail()}`);
      }
      try {
        const response = await fetch(`http://${this.address}/v1/status/leader`, { signal: AbortSignal.timeout(1000) });
        const leader: unknown = await response.json();
        // A leader alone is not enough: the dev node registers itself in the catalog just after the election.
        if (typeof leader === 'string' && leader !== '' && (await this.#nodeKnown())) return;
        last = `leader ${JSON.stringify(leader)}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`consul agent at ${this.address} had no leader after ${LEADER_TIMEOUT_MS} ms (${last}):\n${this.logTail()}`);
  }

  async #nodeKnown(): Promise<boolean> {
    const response = await fetch(`http://${this.address}/v1/catalog/node/${this.node}`, { signal: AbortSignal.timeout(1000) });
    const body: unknown = await response.json();
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
    await this.#put('/v1/agent/service/register', body);
  }

  async deregisterService(id: string): Promise<void> {
    await this.#put(`/v1/agent/service/deregister/${encodeURIComponent(id)}`);
  }

  async #put(path: string, body?: unknown): Promise<void> {
    const response = await fetch(`http://${this.address}${path}`, {
      method: 'PUT',
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`consul PUT ${path}: HTTP ${response.status} ${await response.text()}`);
    await response.arrayBuffer().catch(() => undefined);
  }

  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child) await killAndWait(child, 'SIGKILL');
  }

  async restart(): Promise<void> {
    await this.kill();
    this.#log = [];
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.kill();
  }

  logTail(): string {
    return this.#log.join('\n');
  }
}

import type { Agent as HttpAgent, AgentOptions } from 'node:http';
import type { AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import type { Instance } from '../discovery/instance.js';
import { InstanceAgent } from './instance-agent.js';
import type { Transport } from './transport.js';

/**
 * Sends attempts with an axios instance — the caller's own, so its defaults and interceptors apply
 * to every attempt — over a keep-alive connection pool per instance.
 */
export class AxiosTransport implements Transport {
  readonly #axios: AxiosInstance;
  /** Path prefix from the wrapped instance's relative `baseURL` (e.g. `/api/v1`), or ''. */
  readonly #basePath: string;
  readonly #agentOptions: AgentOptions;
  readonly #connectTimeoutMs: number;
  /** Keyed by origin, not instance id: sockets belong to an address, whatever Consul calls it. */
  readonly #agents = new Map<string, HttpAgent>();

  constructor(axios: AxiosInstance, basePath: string, connectTimeoutMs: number, agentOptions: AgentOptions = {}) {
    this.#axios = axios;
    this.#basePath = basePath;
    this.#connectTimeoutMs = connectTimeoutMs;
    // LIFO reuse keeps the pool small: the sockets that go unused idle out on the server's timer.
    this.#agentOptions = { keepAlive: true, scheduling: 'lifo', ...agentOptions };
  }

  send<T, D>(instance: Instance, config: AxiosRequestConfig<D>): Promise<AxiosResponse<T, D>> {
    const requestBase = config.baseURL ?? this.#basePath;
    return this.#axios.request<T, AxiosResponse<T, D>, D>({
      ...config,
      baseURL: requestBase === '' ? instance.origin : joinBase(instance.origin, requestBase),
      allowAbsoluteUrls: false,
      httpAgent: this.#agentFor(instance.origin),
      // The instance is the destination: no HTTP proxy in between unless the caller asks for one.
      proxy: config.proxy ?? this.#axios.defaults.proxy ?? false,
      // A redirect's Location is an absolute URL that would leave the balancer; hand it back to the
      // caller unless the request opts in. (It also spares axios its redirect-following wrapper.)
      maxRedirects: config.maxRedirects ?? 0,
    });
  }

  instancesChanged(instances: readonly Instance[]): void {
    if (this.#agents.size === 0) return;
    const live = new Set<string>();
    for (const instance of instances) live.add(instance.origin);
    for (const [origin, agent] of this.#agents) {
      if (live.has(origin)) continue;
      this.#agents.delete(origin);
      retire(agent);
    }
  }

  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }

  #agentFor(origin: string): HttpAgent {
    let agent = this.#agents.get(origin);
    if (agent === undefined) {
      agent = new InstanceAgent(this.#agentOptions, this.#connectTimeoutMs);
      this.#agents.set(origin, agent);
    }
    return agent;
  }
}

/**
 * Lets an instance's in-flight requests finish, then closes their sockets instead of pooling them:
 * an instance that left the set (often because it is draining) should see its connections go.
 */
function retire(agent: HttpAgent): void {
  agent.keepSocketAlive = () => false;
  for (const sockets of Object.values(agent.freeSockets)) {
    for (const socket of sockets ?? []) socket.destroy();
  }
}

function joinBase(origin: string, path: string): string {
  return path.startsWith('/') ? origin + path : `${origin}/${path}`;
}

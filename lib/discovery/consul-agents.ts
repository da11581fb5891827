import { systemRandom, type Random } from '../clock.js';
import type { ConsulConnection } from './consul-connection.js';
import { requestCancel, type ConsulReader, type RequestCancel } from './consul-reader.js';

/** One agent of a {@link ConsulAgents} list. */
export interface ConsulAgent {
  /** 0 for the most preferred (the local agent), then in the order given. */
  readonly position: number;
  readonly connection: ConsulConnection;
  /** Reads this agent; opened on first use, closed with the list. */
  readonly reader: ConsulReader;
}

export interface ConsulAgentsTuning {
  /** How often the agents are checked, to return to a preferred one or leave one that hangs. Default 5 000 ms. */
  readonly checkIntervalMs?: number;
  /** How long a check waits for `/v1/status/leader`. Default 2 000 ms. */
  readonly checkTimeoutMs?: number;
  readonly random?: Random;
}

const DEFAULT_CHECK_INTERVAL_MS = 5_000;
const DEFAULT_CHECK_TIMEOUT_MS = 2_000;

/**
 * Consul agents in order of preference and the one in use. Consul offers no failover between agents of its
 * own (hashicorp/consul#1232 says: use the local agent), and the `consul` package declined several
 * addresses (silas/node-consul#149), so proxyless does it:
 *
 * - every user reads through {@link inUse}; the first agent is used while it is healthy;
 * - a request that failed on the agent in use (no connection, no answer in time, a 5xx) moves everyone to
 *   the next agent at once ({@link failed}); users follow {@link onChange};
 * - with more than one agent, every `checkIntervalMs` (±20 %) the agents are asked `/v1/status/leader` in
 *   order of preference, and the first one that answers with a leader becomes the one in use: so the list
 *   returns to the local agent once it is back and joined, and leaves an agent that hangs or lost its
 *   servers. A check stops at the first healthy agent: usually one request.
 */
export class ConsulAgents {
  readonly #connections: readonly ConsulConnection[];
  readonly #agents: (ConsulAgent | undefined)[];
  readonly #listeners = new Set<(agent: ConsulAgent) => void>();
  readonly #checkIntervalMs: number;
  readonly #checkTimeoutMs: number;
  readonly #random: Random;
  #inUse = 0;
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #checkCancel: RequestCancel | undefined;

  constructor(connections: readonly ConsulConnection[], tuning: ConsulAgentsTuning = {}) {
    if (connections.length === 0) throw new Error('proxyless: internal error: ConsulAgents needs at least one connection');
    this.#connections = connections;
    this.#agents = connections.map(() => undefined);
    this.#checkIntervalMs = tuning.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS;
    this.#checkTimeoutMs = tuning.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
    this.#random = tuning.random ?? systemRandom;
    this.#scheduleCheck();
  }

  get size(): number {
    return this.#connections.length;
  }

  /** The agent to send requests to now. */
  get inUse(): ConsulAgent {
    return this.#agent(this.#inUse);
  }

  /** `127.0.0.1:8500 or 127.0.0.1:8501`: the agents in order, for descriptions. */
  get addresses(): string {
    return this.#connections.map((connection) => connection.address).join(' or ');
  }

  /** Calls `listener` with the new agent whenever the agent in use changes; returns the unsubscriber. */
  onChange(listener: (agent: ConsulAgent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * A request to `agent` failed in a way another agent may not (no connection, no answer in time, a 5xx):
   * if it is still the one in use, the next one in the list is used from now on. A failure reported late,
   * after someone else already moved on, changes nothing.
   */
  failed(agent: ConsulAgent): void {
    if (this.#closed || this.size < 2 || agent.position !== this.#inUse) return;
    this.#use((this.#inUse + 1) % this.size);
  }

  /** Stops the checks, cancels one under way and closes every reader. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#checkCancel?.emit('cancel');
    this.#listeners.clear();
    for (const agent of this.#agents) agent?.reader.close();
  }

  #agent(position: number): ConsulAgent {
    let agent = this.#agents[position];
    const connection = this.#connections[position];
    if (agent === undefined && connection !== undefined) {
      agent = { position, connection, reader: connection.openReader() };
      this.#agents[position] = agent;
    }
    if (agent === undefined) throw new Error(`proxyless: internal error: no Consul agent at position ${position}`);
    return agent;
  }

  #use(position: number): void {
    this.#inUse = position;
    const agent = this.inUse;
    for (const listener of [...this.#listeners]) listener(agent);
  }

  #scheduleCheck(): void {
    if (this.#closed || this.size < 2) return;
    const delay = this.#checkIntervalMs * (0.8 + 0.4 * this.#random());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#check().finally(() => this.#scheduleCheck());
    }, delay);
    // Discovery's own requests keep a process alive while it follows a service; a check must not.
    this.#timer.unref();
  }

  async #check(): Promise<void> {
    const cancel = requestCancel();
    this.#checkCancel = cancel;
    try {
      for (let position = 0; position < this.size; position++) {
        if (this.#closed) return;
        if (await this.#healthy(position, cancel)) {
          if (position !== this.#inUse && !this.#closed) this.#use(position);
          return;
        }
      }
    } finally {
      if (this.#checkCancel === cancel) this.#checkCancel = undefined;
    }
  }

  /** Answers `/v1/status/leader` with a leader: up, and in touch with the servers. */
  async #healthy(position: number, cancel: RequestCancel): Promise<boolean> {
    try {
      const answer = await this.#agent(position).reader.get('/status/leader', {}, {}, { timeoutMs: this.#checkTimeoutMs, cancel });
      return answer.status === 200 && typeof answer.body === 'string' && answer.body !== '';
    } catch {
      return false;
    }
  }
}

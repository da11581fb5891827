// Starts instances that register themselves with proxyless/express (registered-instance-server.ts), each a real
// Express app in its own process, so a test can send it SIGTERM and watch it drain and exit by itself.
// Beside instance-process.ts, whose instances are registered from outside, by the test.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HealthState } from '../../lib/express/index.js';
import { killAndWait, trackChildProcess } from './child-processes.js';
import type { ConsulAgent } from './consul-agent.js';
import type { InstanceMessage, RegisteredInstanceConfig } from './registered-instance-server.js';

const SERVER_SCRIPT = fileURLToPath(new URL('./registered-instance-server.ts', import.meta.url));
const START_TIMEOUT_MS = 20_000;

export interface RegisteredInstanceOptions extends Omit<RegisteredInstanceConfig, 'consul'> {
  readonly consul: Pick<ConsulAgent, 'host' | 'port'>;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface RegisteredInstance {
  readonly id: string;
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Everything the instance reported, in order. */
  readonly messages: readonly InstanceMessage[];
  /** Resolves once the process has exited. */
  readonly exited: Promise<Exit>;
  /** Resolves once the process has exited by itself; rejects if it still runs after `timeoutMs`. */
  exitWithin(timeoutMs: number): Promise<Exit>;
  /** Resolves with the first message (counting those already received) that matches; rejects after `timeoutMs`. */
  waitFor(match: (message: InstanceMessage) => boolean, timeoutMs: number, what: string): Promise<InstanceMessage>;
  signal(signal: NodeJS.Signals): void;
  setHealth(state: HealthState): Promise<void>;
  setDelay(ms: number): Promise<void>;
  /** SIGKILL, resolved once the process has exited; safe to call any number of times. */
  stop(): Promise<void>;
}

/** Starts an instance and resolves once it is registered; rejects with what register() rejected with. */
export async function startRegisteredInstance(options: RegisteredInstanceOptions): Promise<RegisteredInstance> {
  const config: RegisteredInstanceConfig = { ...options, consul: { host: options.consul.host, port: options.consul.port } };
  const child = fork(SERVER_SCRIPT, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, REGISTERED_INSTANCE: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  trackChildProcess(child);
  const instance = new InstanceProcess(child);
  try {
    const first = await instance.waitFor((m) => m.type === 'registered' || m.type === 'registerFailed', START_TIMEOUT_MS, 'registration');
    if (first.type === 'registerFailed') throw Object.assign(new Error(first.message), { code: first.code });
    if (first.type !== 'registered') throw new Error(`unexpected first message ${JSON.stringify(first)}`);
    instance.started(first.id, first.port);
    return instance;
  } catch (error) {
    await instance.stop();
    throw error;
  }
}

class InstanceProcess implements RegisteredInstance {
  readonly messages: InstanceMessage[] = [];
  readonly exited: Promise<Exit>;
  #id = '';
  #port = 0;
  readonly #waiters = new Set<() => void>();

  constructor(private readonly child: ChildProcess) {
    child.on('message', (message: InstanceMessage) => {
      this.messages.push(message);
      for (const wake of this.#waiters) wake();
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        for (const wake of this.#waiters) wake();
        resolve({ code, signal });
      });
    });
  }

  started(id: string, port: number): void {
    this.#id = id;
    this.#port = port;
  }

  get id(): string {
    return this.#id;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  waitFor(match: (message: InstanceMessage) => boolean, timeoutMs: number, what: string): Promise<InstanceMessage> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.messages.find(match);
        if (found) {
          done();
          resolve(found);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          done();
          reject(new Error(`instance ${this.#id || '(starting)'} exited (${this.child.exitCode ?? this.child.signalCode}) before ${what}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} from instance ${this.#id || '(starting)'}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  exitWithin(timeoutMs: number): Promise<Exit> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`instance ${this.#id} still runs after ${timeoutMs} ms`)), timeoutMs);
      void this.exited.then((exit) => {
        clearTimeout(timer);
        resolve(exit);
      });
    });
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async setHealth(state: HealthState): Promise<void> {
    await this.#control('health', { state });
  }

  async setDelay(ms: number): Promise<void> {
    await this.#control('delay', { delayMs: ms });
  }

  stop(): Promise<void> {
    return killAndWait(this.child, 'SIGKILL');
  }

  async #control(what: string, body: unknown): Promise<void> {
    const response = await fetch(`${this.url}/_control/${what}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`instance ${this.#id}: /_control/${what} answered ${response.status}`);
    await response.arrayBuffer();
  }
}

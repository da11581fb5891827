// Starts instances of a test service (instance-server.ts), each a real Express app in its own process, and
// optionally registers them with a Consul agent with an HTTP health check, as a deployment would.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ConsulAgent } from './consul-agent.js';
import { killAndWait, trackChildProcess } from './child-processes.js';
import type { AppliedMessage, Fault, InstanceStats } from './instance-faults.js';
import type { Ledger } from './ledger.js';

const SERVER_SCRIPT = fileURLToPath(new URL('./instance-server.ts', import.meta.url));
const START_TIMEOUT_MS = 15_000;

export interface InstanceOptions {
  consul?: ConsulAgent;
  service: string;
  id?: string;
  tags?: string[];
  meta?: Record<string, string>;
  /** Consul `Weights.Passing` (and `Warning`) of the registration. */
  weight?: number;
  /** Response delay of /whoami, /echo and /orders, in ms. */
  delayMs?: number;
  /** Where the instance records each request it applied, by `x-request-id`. */
  ledger?: Ledger;
  /** How long Consul's HTTP check waits for /health, as Consul writes durations. Default `1s`. */
  checkTimeout?: string;
}

export interface TestInstance {
  readonly id: string;
  readonly service: string;
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Registers with the agent given as `consul`, with an HTTP check on /health every second. */
  register(): Promise<void>;
  deregister(): Promise<void>;
  /** Sends `signal` (default SIGKILL) and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** The process has exited. */
  readonly exited: boolean;
  /** Ends the process; safe to call any number of times. Does not deregister. */
  stop(): Promise<void>;
  setDelay(ms: number): Promise<void>;
  /** While failing, every route but the control routes (including /health) answers 503. */
  setFailing(failing: boolean): Promise<void>;
  /** Makes the service routes misbehave (/health keeps passing); `{ kind: 'none' }` ends it. */
  setFault(fault: Fault): Promise<void>;
  stats(): Promise<InstanceStats>;
  /** SIGSTOP: the process hangs, its sockets stay open and the kernel keeps accepting connections. */
  suspend(): void;
  /** SIGCONT after `suspend()`. */
  resume(): void;
  /**
   * Resolves once the ledger holds every application the instance reported so far: at once for a
   * process that is gone and whose channel was read to the end.
   */
  flush(): Promise<void>;
}

export interface Fleet extends ReadonlyArray<TestInstance> {
  stopAll(): Promise<void>;
}

let started = 0;

export async function startInstance(options: InstanceOptions): Promise<TestInstance> {
  started += 1;
  const id = options.id ?? `${options.service}-${process.pid}-${started}`;
  const child = fork(SERVER_SCRIPT, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, INSTANCE_ID: id, DELAY_MS: String(options.delayMs ?? 0) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  trackChildProcess(child);
  let port: number;
  try {
    port = await listeningPort(child, id);
  } catch (error) {
    await killAndWait(child);
    throw error;
  }
  const ledger = options.ledger;
  if (ledger !== undefined) {
    child.on('message', (message: unknown) => {
      if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'applied') {
        ledger.record(message as AppliedMessage);
      }
    });
  }
  const instance = new InstanceProcess(child, id, port, options);
  if (options.consul) await instance.register();
  return instance;
}

/** Starts `count` instances in parallel; ids are `<service>-1` … `<service>-<count>` unless `idPrefix` is given. */
export async function startFleet(
  count: number,
  options: Omit<InstanceOptions, 'id'> & { idPrefix?: string },
): Promise<Fleet> {
  const prefix = options.idPrefix ?? options.service;
  const results = await Promise.allSettled(
    Array.from({ length: count }, (_, index) => startInstance({ ...options, id: `${prefix}-${index + 1}` })),
  );
  const instances = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) {
    await Promise.all(instances.map((instance) => instance.stop()));
    throw failure.reason;
  }
  const fleet = Object.assign(instances, {
    stopAll: async () => {
      await Promise.all(instances.map((instance) => instance.stop()));
    },
  });
  return fleet;
}

function listeningPort(child: ChildProcess, id: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`instance ${id} did not report its port within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    const onMessage = (message: unknown) => {
      if (typeof message === 'object' && message !== null && 'port' in message && typeof message.port === 'number') {
        cleanup();
        resolve(message.port);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanup();
      reject(new Error(`instance ${id} exited (${code ?? signal}) before listening`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

class InstanceProcess implements TestInstance {
  readonly url: string;
  readonly service: string;
  #flushes = 0;

  constructor(
    private readonly child: ChildProcess,
    readonly id: string,
    readonly port: number,
    private readonly options: InstanceOptions,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.service = options.service;
  }

  async register(): Promise<void> {
    const consul = this.#consul();
    const weight = this.options.weight;
    await consul.registerService({
      id: this.id,
      name: this.options.service,
      address: '127.0.0.1',
      port: this.port,
      tags: this.options.tags ?? [],
      meta: this.options.meta ?? {},
      ...(weight === undefined ? {} : { weights: { passing: weight, warning: weight } }),
      check: { http: `${this.url}/health`, interval: '1s', timeout: this.options.checkTimeout ?? '1s', deregisterCriticalServiceAfter: '1m' },
    });
  }

  async deregister(): Promise<void> {
    await this.#consul().deregisterService(this.id);
  }

  #consul(): ConsulAgent {
    if (!this.options.consul) throw new Error(`instance ${this.id} was started without a consul agent`);
    return this.options.consul;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return killAndWait(this.child, signal);
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  stop(): Promise<void> {
    return killAndWait(this.child, 'SIGKILL');
  }

  async setDelay(ms: number): Promise<void> {
    await this.#control('delay', { delayMs: ms });
  }

  async setFailing(failing: boolean): Promise<void> {
    await this.#control('failing', { failing });
  }

  async setFault(fault: Fault): Promise<void> {
    await this.#control('fault', fault);
  }

  async stats(): Promise<InstanceStats> {
    const response = await fetch(`${this.url}/_control/stats`, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`instance ${this.id}: /_control/stats answered ${response.status}`);
    return (await response.json()) as InstanceStats;
  }

  suspend(): void {
    this.child.kill('SIGSTOP');
  }

  resume(): void {
    this.child.kill('SIGCONT');
  }

  flush(): Promise<void> {
    const child = this.child;
    if (!child.connected) return Promise.resolve();
    const exited = this.exited;
    return new Promise((resolve, reject) => {
      const n = ++this.#flushes;
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`instance ${this.id} did not flush its ledger within 5000 ms`));
      }, 5000);
      const onMessage = (message: unknown) => {
        const m = message as { type?: unknown; n?: unknown } | null;
        if (m?.type === 'flushed' && m.n === n) done();
      };
      const done = () => {
        cleanup();
        resolve();
      };
      const cleanup = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('disconnect', done);
      };
      // A dead process's channel is read to its end before 'disconnect'; a live one answers in order.
      child.on('disconnect', done);
      if (!exited) {
        child.on('message', onMessage);
        child.send({ type: 'flush', n }, (error) => {
          if (error !== null && child.connected) {
            cleanup();
            reject(error);
          }
        });
      }
    });
  }

  async #control(what: string, body: unknown): Promise<void> {
    const response = await fetch(`${this.url}/_control/${what}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`instance ${this.id}: /_control/${what} answered ${response.status}`);
    await response.arrayBuffer();
  }
}

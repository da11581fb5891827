import { EventEmitter } from 'node:events';
import type Consul from 'consul';
import { systemClock, systemRandom, type Clock, type Random } from '../clock.js';
import { DiscoveryError } from '../errors/discovery-error.js';
import {
  emptySnapshot,
  nextInstanceSnapshot,
  type InstanceSnapshot,
} from './consul-health-entries.js';
import { healthServiceParams, type ConsulQueryOptions, type HealthServiceParams } from './consul-health-query.js';
import type { DiscoveryObserver } from './discovery.js';

/**
 * One blocking-query loop on `/v1/health/service/<service>` that follows the instances of a service and
 * tells its observers when the set really changed.
 *
 * It differs from the `consul` package's own `watch` on purpose (see silas/node-consul#155, #72):
 * - it never ends by itself: an HTTP 400/500 or an unreachable agent is reported and retried for ever,
 *   with exponential backoff and full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog, 2015);
 * - it follows Consul's blocking-query rules: an index that goes backwards or is missing starts over from 0,
 *   and a call that returned without the index moving is spaced from the next by a minimum interval, because
 *   a blocking query can return at once again and again (hashicorp/consul#1244);
 * - it delivers only a set whose content changed, keeping the objects of unchanged instances, and keeps the
 *   last set while Consul is failing (an error never becomes an empty set).
 */
export interface ConsulHealthWatchOptions {
  readonly client: Consul;
  readonly service: string;
  readonly query: ConsulQueryOptions;
  /** Where instances come from, for errors: `consul at 127.0.0.1:8500, service "users"`. */
  readonly source: string;
  /** How long Consul may hold a blocking query open. Default 30 000 ms (Consul caps it at 10 minutes). */
  readonly waitMs?: number;
  /** Least time between calls whose index did not move. Default 100 ms. */
  readonly minIntervalMs?: number;
  /** First backoff ceiling after a failure; doubles per failure. Default 100 ms. */
  readonly backoffBaseMs?: number;
  /** Largest backoff. Default 5 000 ms. */
  readonly backoffMaxMs?: number;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly timers?: WatchTimers;
}

/** The timer functions the watch sleeps with; injectable for tests. */
export interface WatchTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemTimers: WatchTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The request the `consul` client's `health.service` accepts beyond its typings (see its lib/utils.js). */
interface BlockingRequest extends HealthServiceParams {
  index: string;
  wait: string;
  timeout: number;
  ctx: EventEmitter;
}

type RequestContext = EventEmitter & { includeResponse: boolean };

export class ConsulHealthWatch {
  readonly #options: ConsulHealthWatchOptions;
  readonly #params: HealthServiceParams;
  readonly #observers = new Set<DiscoveryObserver>();
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #timers: WatchTimers;
  #snapshot: InstanceSnapshot | undefined;
  #requests = 0;
  #started = false;
  #closed = false;
  #ctx: RequestContext | undefined;
  #timer: unknown;
  #wake: (() => void) | undefined;

  constructor(options: ConsulHealthWatchOptions) {
    this.#options = options;
    this.#params = healthServiceParams(options.service, options.query);
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? systemRandom;
    this.#timers = options.timers ?? systemTimers;
  }

  get source(): string {
    return this.#options.source;
  }

  /** How many requests the loop has sent to Consul: for tests and diagnostics. */
  get requests(): number {
    return this.#requests;
  }

  get observerCount(): number {
    return this.#observers.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Adds an observer; it receives the current set at once (on a microtask) if one is known. */
  add(observer: DiscoveryObserver): void {
    if (this.#closed) throw new Error('proxyless: internal error: observer added to a closed Consul watch');
    this.#observers.add(observer);
    const snapshot = this.#snapshot;
    if (snapshot) {
      queueMicrotask(() => {
        // The set may have moved on meanwhile, in which case the observer got (or gets) the newer one.
        if (this.#observers.has(observer) && this.#snapshot === snapshot) notify(() => observer.onInstances(snapshot.instances));
      });
    }
    if (!this.#started) {
      this.#started = true;
      void this.#run();
    }
  }

  remove(observer: DiscoveryObserver): void {
    this.#observers.delete(observer);
  }

  /** Stops the loop: cancels the request in flight and the pending timer. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#observers.clear();
    this.#ctx?.emit('cancel');
    this.#ctx = undefined;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#wake?.();
  }

  async #run(): Promise<void> {
    const waitMs = this.#options.waitMs ?? 30_000;
    const minIntervalMs = this.#options.minIntervalMs ?? 100;
    const baseMs = this.#options.backoffBaseMs ?? 100;
    const maxMs = this.#options.backoffMaxMs ?? 5_000;
    // Consul adds up to wait/16 of jitter to a blocking query; the socket must outlive that.
    const timeoutMs = Math.ceil(waitMs + waitMs / 16 + 5_000);
    let index = 0n;
    let failures = 0;

    while (!this.#closed) {
      const ctx = Object.assign(new EventEmitter(), { includeResponse: true });
      this.#ctx = ctx;
      const started = this.#clock.now();
      let delayMs = 0;
      try {
        this.#requests += 1;
        const request: BlockingRequest = { ...this.#params, index: index.toString(), wait: `${waitMs}ms`, timeout: timeoutMs, ctx };
        const service = this.#options.client.health.service as unknown as (request: BlockingRequest) => Promise<unknown>;
        const result = await service.call(this.#options.client.health, request);
        if (this.#closed) return;
        const { headers, body } = responseOf(result);
        if (!Array.isArray(body)) throw new Error(`Consul answered with ${typeof body} instead of a list of health entries`);

        const next = parseIndex(headers['x-consul-index']);
        const moved = next !== undefined && next > index;
        // Consul's rules for blocking queries: an index that went backwards (a snapshot restore, a new
        // cluster) or is missing or zero starts over from 0, which answers at once with the current state.
        index = next === undefined || next <= 0n || next < index ? 0n : next;
        failures = 0;
        this.#deliver(body);
        if (!moved) delayMs = Math.max(0, minIntervalMs - (this.#clock.now() - started));
      } catch (error) {
        if (this.#closed) return;
        failures += 1;
        // After a failure the agent may be another one (restarted, failed over) whose index is lower than
        // ours; a blocking query with a future index would hang for the whole wait. Index 0 answers at once,
        // and an unchanged set is not delivered again.
        index = 0n;
        this.#emitError(this.#discoveryError(error));
        const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
        delayMs = this.#random() * ceiling;
      } finally {
        if (this.#ctx === ctx) this.#ctx = undefined;
      }
      if (delayMs > 0) await this.#sleep(delayMs);
    }
  }

  #deliver(body: unknown[]): void {
    const previous = this.#snapshot;
    const options = { includeWarning: this.#options.query.includeWarning ?? false };
    let next = nextInstanceSnapshot(this.#options.service, body, previous ?? emptySnapshot, options);
    // The first answer is delivered even when empty: it is news that the service has no instance.
    if (!next && previous === undefined) next = emptySnapshot;
    if (!next) return;
    this.#snapshot = next;
    const instances = next.instances;
    for (const observer of [...this.#observers]) {
      if (this.#observers.has(observer)) notify(() => observer.onInstances(instances));
    }
  }

  #emitError(error: DiscoveryError): void {
    for (const observer of [...this.#observers]) {
      if (this.#observers.has(observer)) notify(() => observer.onError(error));
    }
  }

  #discoveryError(error: unknown): DiscoveryError {
    const source = this.#options.source;
    if (!(error instanceof Error)) return new DiscoveryError(source, String(error));
    const response = (error as { response?: unknown }).response;
    if (typeof response === 'object' && response !== null && 'statusCode' in response && typeof response.statusCode === 'number') {
      const raw = 'body' in response ? response.body : undefined;
      const text = (Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : '').trim();
      const detail = text === '' ? error.message : text.length > 500 ? `${text.slice(0, 500)}…` : text;
      return new DiscoveryError(source, `HTTP ${response.statusCode}: ${detail}`, response.statusCode, { cause: tokenFreeCause(error) });
    }
    return new DiscoveryError(source, error.message, undefined, { cause: tokenFreeCause(error) });
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = () => {
        this.#wake = undefined;
        resolve();
      };
      this.#timer = this.#timers.setTimeout(() => {
        this.#timer = undefined;
        this.#wake?.();
      }, ms);
    });
  }
}

function responseOf(result: unknown): { headers: Record<string, unknown>; body: unknown } {
  if (!Array.isArray(result) || result.length < 1) {
    throw new Error('the consul client returned no response object; is it the `consul` npm package, version 2?');
  }
  const response: unknown = result[0];
  const headers =
    typeof response === 'object' && response !== null && 'headers' in response && typeof response.headers === 'object'
      ? (response.headers as Record<string, unknown>)
      : {};
  return { headers, body: result[1] };
}

/**
 * The consul client's error reduced to its name, message and code: the error itself holds the request it
 * made (`response.req`), whose headers carry the ACL token, and a cause is printed wherever an error is.
 */
function tokenFreeCause(error: Error): Error {
  const code = (error as { code?: unknown }).code;
  const cause = new Error(error.message);
  cause.name = error.name;
  return typeof code === 'string' ? Object.assign(cause, { code }) : cause;
}

function parseIndex(value: unknown): bigint | undefined {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  return BigInt(value);
}

/** An observer that throws must not stop the loop; its error surfaces as an uncaught exception would. */
function notify(call: () => void): void {
  try {
    call();
  } catch (error) {
    process.nextTick(() => {
      throw error;
    });
  }
}

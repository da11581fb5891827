import type { AxiosInstance } from 'axios';
import type { Instance } from '../discovery/instance.js';
import type { BreakerState } from '../health/instance-breaker.js';
import { clientStats, type ClientStats } from '../observe/client-stats.js';
import { RetryCounts } from '../observe/retry-counts.js';
import type { Balancer, CloseOptions } from './balancer.js';
import type { ClientEvents } from './client-events.js';
import type { BalancedFetch, BalancedRequestInit } from './fetch.js';
import type { BalancedSend, SendRequest, SendResponse } from './send.js';

/**
 * An axios instance whose every request goes to a healthy instance of one service — a real
 * `AxiosInstance`, so it can be handed to anything that takes one (`@nestjs/axios`, generated API
 * clients) — with the balancer's own methods beside axios's.
 *
 * Its requests travel: the caller's interceptors and transforms (once) → the balancer's adapter, where a
 * call runs attempts — discovery's members → the health layer's available instances → the picker chooses
 * one → the transport sends it — retrying on another instance when that is harmless → the response
 * transforms and interceptors (once).
 */
export interface BalancedClient extends AxiosInstance {
  /** The service this client sends to. */
  readonly service: string;
  /**
   * The WHATWG `fetch`, through the same balancer, for code that does not use axios: `path` is a path
   * (`/users/42`), the result a `Response` for every status. None of axios's defaults, interceptors or
   * transforms apply. `init.deadlineMs` is the call's deadline (default `defaultDeadlineMs`).
   */
  fetch(path: string, init?: BalancedRequestInit): Promise<Response>;
  /**
   * The request at the balancer's own cost, for callers whose CPU per request matters: a path, method,
   * headers and body in; status, headers, the whole body and the instance that answered out, for every
   * status. None of axios's defaults, interceptors or transforms apply, and no `Response` is built.
   * Rejects with `RequestFailedError`, `DeadlineExceededError` and the client's other errors, each with the
   * call's report (`callReportOf(error)`).
   */
  send(request: SendRequest): Promise<SendResponse>;
  /** Resolves once discovery has delivered the first set of instances (possibly empty). */
  ready(options?: { timeoutMs?: number }): Promise<void>;
  /** The instances discovery currently reports, whatever their breakers say. */
  instances(): readonly Instance[];
  /** The state of an instance's circuit breaker. */
  breakerState(instanceId: string): BreakerState;
  /**
   * What the client sees and does now: each instance with its state, attempts in flight, sent and failed,
   * the picker's latency estimate and share of traffic; totals, retries and the retry budget left; panic
   * and discovery's state. Plain data, ready for `JSON.stringify`.
   */
  stats(): ClientStats;
  on<E extends keyof ClientEvents>(event: E, listener: (...args: ClientEvents[E]) => void): this;
  once<E extends keyof ClientEvents>(event: E, listener: (...args: ClientEvents[E]) => void): this;
  off<E extends keyof ClientEvents>(event: E, listener: (...args: ClientEvents[E]) => void): this;
  /**
   * Closes the client: new requests reject with `ClientClosedError` at once, and so do requests still
   * waiting for a first instance list; requests under way finish, retries included, for up to
   * `timeoutMs` (default 10 s) and are then cancelled. Then every breaker, timer and connection is
   * released.
   */
  close(options?: CloseOptions): Promise<void>;
}

const balancerKey = Symbol.for('proxyless.balancer');

/** The balancer behind a client, for the observers in `lib/observe/`; `undefined` for anything else. */
export function balancerOf(client: unknown): Balancer | undefined {
  if (typeof client !== 'function' && (typeof client !== 'object' || client === null)) return undefined;
  return (client as { [balancerKey]?: Balancer })[balancerKey];
}

/** Gives `axios`, an instance whose adapter is the balancer's, the balancer's own methods, `fetch` and `send`. */
export function attachBalancer(axios: AxiosInstance, balancer: Balancer, fetch: BalancedFetch, send: BalancedSend): BalancedClient {
  const client = axios as BalancedClient;
  const retries = new RetryCounts(balancer.events);
  const methods: Omit<BalancedClient, keyof AxiosInstance | 'service'> = {
    fetch,
    send,
    ready: (options) => balancer.ready(options),
    instances: () => balancer.instances(),
    breakerState: (instanceId) => balancer.breakerState(instanceId),
    stats: () => clientStats(balancer, retries),
    on(event, listener) {
      balancer.events.on(event, listener);
      return client;
    },
    once(event, listener) {
      balancer.events.once(event, listener);
      return client;
    },
    off(event, listener) {
      balancer.events.off(event, listener);
      return client;
    },
    close: (options) => balancer.close(options),
  };
  Object.defineProperty(client, 'service', { value: balancer.service, enumerable: true });
  Object.defineProperty(client, balancerKey, { value: balancer, enumerable: false });
  for (const [name, method] of Object.entries(methods)) {
    Object.defineProperty(client, name, { value: method, enumerable: false, writable: true, configurable: true });
  }
  return client;
}

import { Call, type CallEnvironment, type CallObserver, type CallRequest, type CallResult } from '../call/call.js';
import type { AttemptReport } from '../call/call-report.js';
import { callScope, type CallInstrumentation } from '../call/call-scope.js';
import { CallsUnderWay } from '../call/calls-under-way.js';
import { Deadlines } from '../call/deadlines.js';
import { ObservedLatency } from '../call/observed-latency.js';
import { RetryBudget } from '../call/retry-budget.js';
import type { ResolvedHedgeOptions, ResolvedRetryOptions } from '../call/retry-options.js';
import type { NotRetriedReason } from '../call/retry-rule.js';
import type { Clock, Random, Scheduler } from '../clock.js';
import type { Discovery, DiscoveryStatus, DiscoverySubscription } from '../discovery/discovery.js';
import type { Instance } from '../discovery/instance.js';
import { ClientClosedError } from '../errors/client-closed-error.js';
import { DiscoveryError } from '../errors/discovery-error.js';
import { DiscoveryTimeoutError } from '../errors/discovery-timeout-error.js';
import { TypedEmitter } from '../events/typed-emitter.js';
import type { ResolvedBreakerOptions } from '../health/breaker-options.js';
import type { BreakerState } from '../health/instance-breaker.js';
import { InstanceHealth } from '../health/instance-health.js';
import type { Picker } from '../pickers/picker.js';
import type { Transport } from '../transport/transport.js';
import type { ClientEvents } from './client-events.js';

/** The parts a balancer is assembled from; `createClient` builds them from options. */
export interface BalancerParts {
  readonly service: string;
  readonly discovery: Discovery;
  readonly picker: Picker;
  /** `undefined`: no breakers. */
  readonly breaker: ResolvedBreakerOptions | undefined;
  readonly retry: ResolvedRetryOptions;
  readonly hedge: ResolvedHedgeOptions | false;
  readonly transport: Transport;
  readonly discoveryTimeoutMs: number;
  /** Timers of calls (kept alive while a call waits). */
  readonly scheduler: Scheduler;
  /** Timers of breakers and waits for discovery (never keep the process alive). */
  readonly backgroundScheduler: Scheduler;
  readonly clock: Clock;
  readonly random: Random;
}

export interface CloseOptions {
  /** How long calls under way may take to finish before they are cancelled. Default 10,000 ms. */
  readonly timeoutMs?: number;
}

/** What discovery last said, for `stats()`. */
export interface DiscoveryState {
  /**
   * `waiting`: no set yet; `live`: the set in use is discovery's last normal answer; `stale`: it is not a
   * live answer (see `detail`); `failing`: the last refresh failed and the last set stays in use.
   */
  readonly state: 'waiting' | 'live' | 'stale' | 'failing';
  /** Where instances come from, e.g. `consul at 127.0.0.1:8500, service "users"`. Never contains a token. */
  readonly source: string;
  /** Why the set is stale, or the last error's message. */
  readonly detail?: string;
}

interface ReadyWaiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * The balancer of one service: what discovery says, what the health layer makes of it, and the calls in
 * flight. The facade users hold (axios's shape, `fetch`) turns their requests into calls here; this is
 * where the route's parts meet and where the client's events come from.
 */
export class Balancer {
  readonly service: string;
  readonly events = new TypedEmitter<ClientEvents>();
  readonly health: InstanceHealth;
  readonly #parts: BalancerParts;
  readonly #env: CallEnvironment;
  readonly #subscription: DiscoverySubscription;
  readonly #calls = new CallsUnderWay<Call>();
  readonly #readyWaiters = new Set<ReadyWaiter>();
  #instrumentations: readonly CallInstrumentation[] = [];
  #discovered = false;
  #lastDiscoveryError: Error | undefined;
  /** Why the set in use is stale, while discovery says it is. */
  #staleDetail: string | undefined;
  /** Discovery erred or went stale since it last answered normally: a recovery is worth telling. */
  #troubled = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  constructor(parts: BalancerParts) {
    this.service = parts.service;
    this.#parts = parts;
    this.health = new InstanceHealth(parts.breaker, parts.backgroundScheduler, {
      breakerChanged: (instance, state) => this.#breakerChanged(instance, state),
      ejectionChanged: (instance, ejected, forMs) =>
        this.events.emit(ejected ? 'instanceEjected' : 'instanceReturned', { service: this.service, instance, forMs }),
      panicChanged: (panicking, available, members) =>
        this.events.emit(panicking ? 'panicEntered' : 'panicLeft', { service: this.service, available, instances: members }),
    });
    this.#env = {
      service: parts.service,
      health: this.health,
      picker: parts.picker,
      transport: parts.transport,
      retry: parts.retry,
      hedge: parts.hedge,
      budget: parts.retry.budget === false ? undefined : new RetryBudget(parts.retry.budget, parts.clock),
      breakerTimeoutMs: parts.breaker?.timeout ?? false,
      errorFilter: parts.breaker?.errorFilter,
      capacity: parts.breaker?.capacity ?? Infinity,
      scheduler: parts.scheduler,
      deadlines: new Deadlines(parts.scheduler),
      clock: parts.clock,
      random: parts.random,
      latency: new ObservedLatency(),
      observer: this.#observer(),
      waitForDiscovery: () => (this.#discovered ? undefined : this.ready()),
      discoverySource: parts.discovery.description,
      discoveryProblem: () => this.#lastDiscoveryError,
    };
    this.#subscription = parts.discovery.subscribe({
      onInstances: (instances) => this.#setInstances(instances),
      onError: (error) => this.#discoveryFailed(error),
      onStatus: (status) => this.#discoveryStatus(status),
    });
  }

  /** Runs one request through the route. Never rejects: failures are results. */
  call(request: CallRequest): Promise<CallResult> {
    if (this.#closed) {
      return Promise.resolve({
        kind: 'failure',
        reason: 'unavailable',
        error: new ClientClosedError(this.service),
        report: { service: this.service, attempts: [] },
      });
    }
    const scope = this.#instrumentations.length === 0 ? undefined : callScope(this.#instrumentations, request, this.service);
    const call = new Call(this.#env, scope?.headers === undefined ? request : withHeaders(request, scope.headers), scope);
    this.#calls.add(call);
    return call.run();
  }

  /** Gives every call from now on a scope from `instrumentation` (tracing, metrics), for the client's life. */
  instrument(instrumentation: CallInstrumentation): void {
    this.#instrumentations = [...this.#instrumentations, instrumentation];
  }

  /** Resolves once discovery has delivered the first set of instances (possibly empty). */
  ready(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#closed) return Promise.reject(new ClientClosedError(this.service));
    if (this.#discovered) return Promise.resolve();
    const failure = this.#lastDiscoveryError;
    if (failure instanceof DiscoveryError && !failure.transient) return Promise.reject(failure);
    const timeoutMs = options.timeoutMs ?? this.#parts.discoveryTimeoutMs;
    return new Promise<void>((resolve, reject) => {
      const timer = this.#parts.backgroundScheduler.delay(() => {
        this.#readyWaiters.delete(waiter);
        const cause = this.#lastDiscoveryError;
        reject(new DiscoveryTimeoutError(this.service, timeoutMs, this.#parts.discovery.description, cause === undefined ? undefined : { cause }));
      }, timeoutMs);
      const waiter: ReadyWaiter = {
        resolve: () => {
          timer.cancel();
          resolve();
        },
        reject: (error) => {
          timer.cancel();
          reject(error);
        },
      };
      this.#readyWaiters.add(waiter);
    });
  }

  /** The instances discovery currently reports, whatever their breakers say. */
  instances(): readonly Instance[] {
    return this.health.members;
  }

  breakerState(instanceId: string): BreakerState {
    return this.health.breakerState(instanceId);
  }

  /** Whether `close()` was called: observers stop reporting a closed balancer. */
  get closed(): boolean {
    return this.#closed;
  }

  get picker(): Picker {
    return this.#parts.picker;
  }

  /** `undefined` when retries are not budgeted. */
  get retryBudget(): RetryBudget | undefined {
    return this.#env.budget;
  }

  discoveryState(): DiscoveryState {
    const source = this.#parts.discovery.description;
    const error = this.#lastDiscoveryError;
    if (error !== undefined) return { state: 'failing', source, detail: error.message };
    if (!this.#discovered) return { state: 'waiting', source };
    if (this.#staleDetail !== undefined) return { state: 'stale', source, detail: this.#staleDetail };
    return { state: 'live', source };
  }

  /**
   * New requests are refused at once, and so are requests still waiting for a first instance list;
   * requests already under way may finish, retries included, for up to `timeoutMs`, and are then
   * cancelled. Then every breaker, timer and connection is released.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    const timeoutMs = options.timeoutMs ?? 10_000;
    this.#closed = true;
    this.#subscription.close();
    const closedError = new ClientClosedError(this.service);
    for (const waiter of this.#readyWaiters) waiter.reject(closedError);
    this.#readyWaiters.clear();
    const drained =
      this.#calls.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = this.#parts.backgroundScheduler.delay(() => {
              for (const call of this.#calls.toArray()) call.cancel(closedError);
            }, timeoutMs);
            this.#drained = () => {
              timer.cancel();
              resolve();
            };
          });
    this.#closing = drained
      // One turn of the event loop lets every settled request's promise chain (response transforms,
      // interceptors, the caller's own handlers) run before close() resolves.
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => {
        this.health.close();
        this.#parts.transport.close();
        this.events.removeAllListeners();
      });
    return this.#closing;
  }

  // ---- what discovery and the health layer say --------------------------------------------------------

  #setInstances(instances: readonly Instance[]): void {
    if (this.#closed) return;
    const previous = this.health.members;
    this.health.setMembers(instances);
    this.#parts.transport.instancesChanged(instances);
    // An empty set may come with its explanation just after it (an ACL token that may not read the
    // service): keep the last error for "no instance" messages until a non-empty set arrives.
    if (instances.length > 0) this.#lastDiscoveryError = undefined;
    if (!this.#discovered) {
      this.#discovered = true;
      for (const waiter of this.#readyWaiters) waiter.resolve();
      this.#readyWaiters.clear();
    }
    if (this.events.listenerCount('instancesChanged') > 0) {
      const before = new Set(previous.map((i) => i.id));
      const after = new Set(instances.map((i) => i.id));
      this.events.emit('instancesChanged', {
        service: this.service,
        instances,
        added: instances.filter((i) => !before.has(i.id)),
        removed: previous.filter((i) => !after.has(i.id)),
      });
    }
  }

  #discoveryFailed(error: Error): void {
    if (this.#closed) return;
    this.#lastDiscoveryError = error;
    this.#troubled = true;
    // A failure waiting cannot fix (TLS, an ACL, a query Consul refuses) fails those waiting for a first
    // set at once, with its own message, rather than at their timeout.
    if (!this.#discovered && error instanceof DiscoveryError && !error.transient) {
      for (const waiter of this.#readyWaiters) waiter.reject(error);
      this.#readyWaiters.clear();
    }
    this.events.emit('discoveryError', { service: this.service, error, instancesKept: this.health.members.length });
  }

  #discoveryStatus(status: DiscoveryStatus): void {
    if (this.#closed) return;
    if (status.state === 'stale') {
      this.#troubled = true;
      this.#staleDetail = status.detail;
      this.events.emit('discoveryStale', {
        service: this.service,
        reason: status.reason,
        detail: status.detail,
        instancesKept: this.health.members.length,
      });
      return;
    }
    this.#lastDiscoveryError = undefined;
    this.#staleDetail = undefined;
    if (!this.#troubled) return;
    this.#troubled = false;
    this.events.emit('discoveryRecovered', { service: this.service, instances: this.health.members.length });
  }

  #breakerChanged(instance: Instance, state: BreakerState): void {
    if (this.#closed) return;
    const event = { service: this.service, instance, state };
    if (state === 'open') this.events.emit('breakerOpened', event);
    else if (state === 'half-open') this.events.emit('breakerHalfOpened', event);
    else this.events.emit('breakerClosed', event);
  }

  /** The calls' decisions as events; nothing is built for an event nobody listens to. */
  #observer(): CallObserver {
    const events = this.events;
    const service = this.service;
    const calls = this.#calls;
    return {
      ended: (call) => {
        calls.delete(call);
        if (calls.size === 0) this.#drained?.();
      },
      attemptFailed(call, attempt: AttemptReport, error) {
        if (events.listenerCount('attemptFailed') === 0) return;
        events.emit('attemptFailed', { service, method: call.method, url: call.url, attempt, error });
      },
      retrying(call, after, delayMs) {
        call.scope?.retrying(after, delayMs);
        if (events.listenerCount('retry') === 0) return;
        events.emit('retry', { service, method: call.method, url: call.url, after, delayMs });
      },
      notRetried(call, after, reason: NotRetriedReason) {
        call.scope?.notRetried(after, reason);
        if (events.listenerCount('notRetried') === 0) return;
        events.emit('notRetried', { service, method: call.method, url: call.url, after, reason });
      },
      hedging(call, instance, afterMs) {
        if (events.listenerCount('hedge') === 0) return;
        events.emit('hedge', { service, method: call.method, url: call.url, instance, afterMs });
      },
    };
  }
}

function withHeaders(call: CallRequest, headers: Readonly<Record<string, string>>): CallRequest {
  return { ...call, request: { ...call.request, headers: { ...call.request.headers, ...headers } } };
}

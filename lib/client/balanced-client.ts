import { AxiosHeaders, type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import type { ResolvedBreakerOptions } from '../breakers/breaker-options.js';
import { BreakerRegistry, type BreakerState } from '../breakers/breaker-registry.js';
import type { Clock } from '../clock.js';
import type { Discovery, DiscoverySubscription } from '../discovery/discovery.js';
import type { Instance } from '../discovery/instance.js';
import { AbsoluteUrlError } from '../errors/absolute-url-error.js';
import { ClientClosedError } from '../errors/client-closed-error.js';
import { DiscoveryTimeoutError } from '../errors/discovery-timeout-error.js';
import { NoHealthyInstancesError } from '../errors/no-healthy-instances-error.js';
import { TypedEmitter } from '../events/typed-emitter.js';
import type { Picker } from '../pickers/picker.js';
import { blamesInstance, classifyFailure, ServerErrorResponse } from '../retry/attempt-failure.js';
import type { RetryPolicy } from '../retry/retry-policy.js';
import type { Transport } from '../transport/transport.js';
import { isAbsoluteUrl } from './absolute-url.js';
import type { ClientEvents } from './client-events.js';
import { RequestContext } from './request-context.js';

/** The parts a client is assembled from; {@link createClient} builds them from options. */
export interface ClientParts {
  readonly service: string;
  readonly discovery: Discovery;
  readonly picker: Picker;
  /** `undefined`: no breakers. */
  readonly breaker: ResolvedBreakerOptions | undefined;
  readonly retry: RetryPolicy;
  readonly transport: Transport;
  readonly axios: AxiosInstance;
  readonly discoveryTimeoutMs: number;
  readonly clock: Clock;
}

interface ReadyWaiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * An axios-shaped HTTP client whose every request goes to a healthy instance of one service.
 *
 * A request travels: discovery's current set → minus instances whose breaker is open → the picker
 * chooses one → its breaker lets the attempt through → the transport sends it with axios. A failed
 * attempt that may safely be repeated is retried on another instance.
 */
export class BalancedClient {
  readonly service: string;
  readonly #parts: ClientParts;
  readonly #breakers: BreakerRegistry | undefined;
  readonly #events = new TypedEmitter<ClientEvents>();
  readonly #subscription: DiscoverySubscription;
  /** The set discovery last delivered; frozen, replaced on change. */
  #instances: readonly Instance[] = Object.freeze([]);
  /** `#instances` less those whose breaker is open: the same array object when none is. */
  #routable: readonly Instance[] = this.#instances;
  #discovered = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Requests accepted and not yet settled: `close()` waits for them. */
  #inFlight = 0;
  #drained: (() => void) | undefined;
  #lastDiscoveryError: Error | undefined;
  readonly #readyWaiters = new Set<ReadyWaiter>();

  constructor(parts: ClientParts) {
    this.service = parts.service;
    this.#parts = parts;
    this.#breakers =
      parts.breaker === undefined
        ? undefined
        : new BreakerRegistry(parts.breaker, (id, state) => this.#breakerChanged(id, state));
    this.#subscription = parts.discovery.subscribe({
      onInstances: (instances) => this.#setInstances(instances),
      onError: (error) => this.#discoveryFailed(error),
    });
  }

  // ---- axios's shape -------------------------------------------------------------------------

  request<T = unknown, R = AxiosResponse<T>, D = unknown>(config: AxiosRequestConfig<D>): Promise<R> {
    return this.#send<R, D>(config);
  }

  get<T = unknown, R = AxiosResponse<T>, D = unknown>(url: string, config?: AxiosRequestConfig<D>): Promise<R> {
    return this.#send<R, D>({ ...config, method: 'get', url });
  }

  delete<T = unknown, R = AxiosResponse<T>, D = unknown>(url: string, config?: AxiosRequestConfig<D>): Promise<R> {
    return this.#send<R, D>({ ...config, method: 'delete', url });
  }

  head<T = unknown, R = AxiosResponse<T>, D = unknown>(url: string, config?: AxiosRequestConfig<D>): Promise<R> {
    return this.#send<R, D>({ ...config, method: 'head', url });
  }

  options<T = unknown, R = AxiosResponse<T>, D = unknown>(url: string, config?: AxiosRequestConfig<D>): Promise<R> {
    return this.#send<R, D>({ ...config, method: 'options', url });
  }

  post<T = unknown, R = AxiosResponse<T>, D = unknown>(url: string, data?: D, config?: AxiosRequestConfig<D>): Promise<R> {
    return this.#send<R, D>({ ...config, method: 'post', url, data });
  }

  put<T = unknown, R = AxiosResponse<T>, D = unknown>(url: string, data?: D, config?: AxiosRequestConfig<D>): Promise<R> {
    return this.#send<R, D>({ ...config, method: 'put', url, data });
  }

  patch<T = unknown, R = AxiosResponse<T>, D = unknown>(url: string, data?: D, config?: AxiosRequestConfig<D>): Promise<R> {
    return this.#send<R, D>({ ...config, method: 'patch', url, data });
  }

  /** `post` with a `multipart/form-data` body, as axios's `postForm`. */
  postForm<T = unknown, R = AxiosResponse<T>, D = unknown>(url: string, data?: D, config?: AxiosRequestConfig<D>): Promise<R> {
    return this.#send<R, D>(formConfig('post', url, data, config));
  }

  putForm<T = unknown, R = AxiosResponse<T>, D = unknown>(url: string, data?: D, config?: AxiosRequestConfig<D>): Promise<R> {
    return this.#send<R, D>(formConfig('put', url, data, config));
  }

  patchForm<T = unknown, R = AxiosResponse<T>, D = unknown>(url: string, data?: D, config?: AxiosRequestConfig<D>): Promise<R> {
    return this.#send<R, D>(formConfig('patch', url, data, config));
  }

  /** The wrapped axios instance's interceptors: they run on every attempt. */
  get interceptors(): AxiosInstance['interceptors'] {
    return this.#parts.axios.interceptors;
  }

  /** The wrapped axios instance's defaults. */
  get defaults(): AxiosInstance['defaults'] {
    return this.#parts.axios.defaults;
  }

  // ---- the balancer's own ----------------------------------------------------------------------

  /** The axios instance every attempt is sent with. */
  get axios(): AxiosInstance {
    return this.#parts.axios;
  }

  /** Resolves once discovery has delivered the first set of instances (possibly empty). */
  ready(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#closed) return Promise.reject(new ClientClosedError(this.service));
    if (this.#discovered) return Promise.resolve();
    const timeoutMs = options.timeoutMs ?? this.#parts.discoveryTimeoutMs;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#readyWaiters.delete(waiter);
        reject(
          new DiscoveryTimeoutError(this.service, timeoutMs, this.#parts.discovery.description, {
            cause: this.#lastDiscoveryError,
          }),
        );
      }, timeoutMs);
      const waiter: ReadyWaiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#readyWaiters.add(waiter);
    });
  }

  /** The instances discovery currently reports healthy, breakers aside. */
  instances(): readonly Instance[] {
    return this.#instances;
  }

  /** The state of an instance's circuit breaker. */
  breakerState(instanceId: string): BreakerState {
    return this.#breakers?.state(instanceId) ?? 'closed';
  }

  on<E extends keyof ClientEvents>(event: E, listener: (...args: ClientEvents[E]) => void): this {
    this.#events.on(event, listener);
    return this;
  }

  once<E extends keyof ClientEvents>(event: E, listener: (...args: ClientEvents[E]) => void): this {
    this.#events.once(event, listener);
    return this;
  }

  off<E extends keyof ClientEvents>(event: E, listener: (...args: ClientEvents[E]) => void): this {
    this.#events.off(event, listener);
    return this;
  }

  /**
   * Closes the client gracefully: new requests reject with {@link ClientClosedError} at once, and so
   * do requests still waiting for a first instance list; requests already under way finish, retries
   * included, on the instances last known. Then every breaker is shut down and every connection
   * closed, and the promise resolves. To cut in-flight requests short, abort them with their own
   * `signal`.
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closed = true;
    this.#subscription.close();
    const closedError = new ClientClosedError(this.service);
    for (const waiter of this.#readyWaiters) waiter.reject(closedError);
    this.#readyWaiters.clear();
    const drained = this.#inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.#drained = resolve));
    this.#closing = drained.then(() => {
      this.#breakers?.close();
      this.#parts.transport.close();
      this.#events.removeAllListeners();
    });
    return this.#closing;
  }

  // ---- the request path ------------------------------------------------------------------------

  async #send<R, D>(config: AxiosRequestConfig<D>): Promise<R> {
    if (this.#closed) throw new ClientClosedError(this.service);
    this.#inFlight++;
    try {
      return await this.#route<R, D>(config);
    } finally {
      if (--this.#inFlight === 0) this.#drained?.();
    }
  }

  async #route<R, D>(config: AxiosRequestConfig<D>): Promise<R> {
    const url = config.url ?? '';
    if (isAbsoluteUrl(url)) throw new AbsoluteUrlError(url, this.service);
    if (config.baseURL !== undefined && isAbsoluteUrl(config.baseURL)) {
      throw new AbsoluteUrlError(config.baseURL, this.service);
    }
    if (!this.#discovered) await this.ready();

    const { picker, retry, transport, axios, clock } = this.#parts;
    const breakers = this.#breakers;
    const method = (config.method ?? axios.defaults.method ?? 'get').toUpperCase();
    const context = new RequestContext(this.service, method, url, config.headers, axios.defaults.headers);
    context.members = this.#instances;
    let tried: Instance[] | undefined;
    let lastError: unknown;

    for (let attempt = 1; attempt <= retry.attempts; attempt++) {
      context.attempt = attempt;
      const instance = tried === undefined ? picker.pick(this.#routable, context) : this.#pickAnother(context, tried);
      if (instance === undefined) {
        if (lastError !== undefined) throw lastError;
        throw this.#noInstanceError();
      }

      const started = clock.now();
      picker.onRequestStart?.(instance, context);
      const sendAttempt = async (): Promise<AxiosResponse<unknown, D>> => {
        const response = await transport.send<unknown, D>(instance, config);
        // A 5xx the caller's validateStatus accepted still counts against the instance.
        if (response.status >= 500) throw new ServerErrorResponse(response);
        return response;
      };
      try {
        const response = await (breakers === undefined ? sendAttempt() : breakers.run(instance, sendAttempt));
        picker.onRequestEnd?.(instance, { latencyMs: clock.now() - started, outcome: 'success', status: response.status }, context);
        return response as R;
      } catch (error) {
        const kind = classifyFailure(error);
        const status = statusOf(error);
        const blamed = blamesInstance(kind);
        picker.onRequestEnd?.(
          instance,
          { latencyMs: clock.now() - started, outcome: blamed ? 'failure' : 'success', ...(status === undefined ? {} : { status }) },
          context,
        );
        if (attempt < retry.attempts && retry.shouldRetry(kind, method, status)) {
          (tried ??= []).push(instance);
          context.triedInstances = tried;
          lastError = error;
          continue;
        }
        if (error instanceof ServerErrorResponse) return error.response as R;
        throw error;
      }
    }
    // The loop always returns or throws; this satisfies the compiler.
    throw lastError;
  }

  /**
   * Chooses for a retry: never the instance just tried while another exists, and an untried one
   * while any is left. The picker is asked first, so its strategy still decides; only when it keeps
   * returning tried instances is it given the untried ones alone.
   */
  #pickAnother(context: RequestContext, tried: readonly Instance[]): Instance | undefined {
    const { picker } = this.#parts;
    const routable = this.#routable;
    for (let i = 0; i < 2; i++) {
      const choice = picker.pick(routable, context);
      if (choice === undefined) return undefined;
      if (!tried.some((t) => t.id === choice.id)) return choice;
    }
    const untried = routable.filter((instance) => !tried.some((t) => t.id === instance.id));
    if (untried.length > 0) return picker.pick(Object.freeze(untried), context);
    const last = tried[tried.length - 1];
    const others = routable.filter((instance) => instance.id !== last?.id);
    return picker.pick(others.length > 0 ? Object.freeze(others) : routable, context);
  }

  #noInstanceError(): NoHealthyInstancesError {
    const known = this.#instances.length;
    if (known === 0) {
      const why = this.#lastDiscoveryError ? ` (discovery is failing: ${this.#lastDiscoveryError.message.replace(/^proxyless: /, '')})` : '';
      return new NoHealthyInstancesError(
        this.service,
        `${this.#parts.discovery.description} reports no passing instance${why}. Start or register one, or check its health checks.`,
      );
    }
    const routable = this.#routable.length;
    if (routable === 0) {
      return new NoHealthyInstancesError(
        this.service,
        known === 1
          ? 'the breaker of its only instance is open after repeated failures; it lets a trial request through once breaker.resetTimeout has passed.'
          : `the breakers of all ${known} instances are open after repeated failures; each lets a trial request through once breaker.resetTimeout has passed.`,
      );
    }
    const name = this.#parts.picker.name ?? 'custom';
    return new NoHealthyInstancesError(
      this.service,
      `the picker "${name}" chose none of the available instances (${routable}); a filter in it may exclude every one.`,
    );
  }

  // ---- reacting to discovery and breakers --------------------------------------------------------

  #setInstances(instances: readonly Instance[]): void {
    if (this.#closed) return;
    const previous = this.#instances;
    this.#instances = instances;
    this.#breakers?.retain(instances);
    this.#parts.transport.instancesChanged(instances);
    this.#updateRoutable();
    this.#lastDiscoveryError = undefined;
    if (!this.#discovered) {
      this.#discovered = true;
      for (const waiter of this.#readyWaiters) waiter.resolve();
      this.#readyWaiters.clear();
    }
    if (this.#events.listenerCount('instancesChanged') > 0) {
      const before = new Set(previous.map((i) => i.id));
      const after = new Set(instances.map((i) => i.id));
      this.#events.emit('instancesChanged', {
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
    this.#events.emit('discoveryError', { service: this.service, error, instancesKept: this.#instances.length });
  }

  #breakerChanged(instanceId: string, state: BreakerState): void {
    if (this.#closed) return;
    this.#updateRoutable();
    const instance = this.#instances.find((i) => i.id === instanceId);
    if (instance === undefined) return;
    const event = { service: this.service, instance, state };
    if (state === 'open') this.#events.emit('breakerOpened', event);
    else if (state === 'half-open') this.#events.emit('breakerHalfOpened', event);
    else this.#events.emit('breakerClosed', event);
  }

  #updateRoutable(): void {
    const breakers = this.#breakers;
    if (breakers === undefined || !breakers.anyOpen) {
      this.#routable = this.#instances;
      return;
    }
    this.#routable = Object.freeze(this.#instances.filter((instance) => !breakers.isOpen(instance.id)));
  }
}

function formConfig<D>(method: string, url: string, data: D | undefined, config: AxiosRequestConfig<D> | undefined): AxiosRequestConfig<D> {
  // axios's own postForm does the same: the caller's headers, with the form content type on top.
  const headers = new AxiosHeaders(config?.headers as AxiosHeaders | undefined).set('Content-Type', 'multipart/form-data');
  return { ...config, method, url, data, headers };
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof ServerErrorResponse) return (error.response as { status: number }).status;
  const response = (error as { response?: { status?: unknown } } | null)?.response;
  return typeof response?.status === 'number' ? response.status : undefined;
}

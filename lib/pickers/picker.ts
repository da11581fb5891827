import type { Clock, Random } from '../clock.js';
import type { Instance } from '../discovery/instance.js';

/**
 * Chooses the instance for one attempt of a request.
 *
 * A picker answers one question per call — which one? — from the instances that are *available*
 * right now: discovery's members less those the health layer takes out (an open breaker, an
 * ejection, a half-open instance whose trial slots are taken). It must return one of the given
 * instances, or `undefined` when it will not choose any (for example when a filter leaves none).
 *
 * Two signals reach a picker, and they move at different speeds:
 * - *membership* (`context.members`) changes only when discovery reports a new set. Structures a
 *   picker derives to last — a hash ring, a subset, a slow-start clock — belong to membership, so
 *   that breakers opening and closing do not move them.
 * - *availability* (`instances`) changes whenever an instance is taken out or comes back.
 * Both arrays are frozen and handed over as the same object until they change, so derived state can
 * be cached by array identity. A retry or a hedge does not make a new array: `context.tried` says
 * which instances the request has already been sent to, and a picker should choose another while one
 * is available (the client enforces it for pickers that do not).
 *
 * Wrappers pass both signals on: one that hands the picker inside it fewer instances may keep the
 * context as it is (`members` may be wider than the instances, as long as it holds them), and one
 * whose choice of instances depends on membership alone (`subset`, `byTag` in `compose`) narrows
 * `members` to match, so the picker inside derives its state from what it can be given.
 *
 * `pick` runs on every attempt: keep it free of allocation and of work that could be done when a
 * set changes.
 *
 * The optional hooks tell the picker how each request it chose went, so load- and latency-aware
 * pickers can learn. They are called for every attempt, in order: start, then end, exactly once each.
 * A custom picker is a plain object with `pick`; it gets the same hooks as the built-ins.
 */
export interface Picker {
  /** Shown in errors and events; built-ins use their strategy name (`p2c-ewma`). */
  readonly name?: string;
  pick(instances: readonly Instance[], context: PickContext): Instance | undefined;
  onRequestStart?(instance: Instance, context: PickContext): void;
  onRequestEnd?(instance: Instance, result: RequestResult, context: PickContext): void;
  /**
   * What the picker currently believes of `instance`, for `stats()` and the status page: its latency
   * estimate where it keeps one (`p2c-ewma`). `undefined` for an instance it knows nothing of. Called
   * outside the request path, never per pick.
   */
  estimate?(instance: Instance): PickerEstimate | undefined;
}

/** See {@link Picker.estimate}. */
export interface PickerEstimate {
  /** The latency the picker expects of the instance now, in ms. */
  readonly latencyMs?: number;
}

/** What a picker may know of the request it is choosing for. */
export interface PickContext {
  readonly service: string;
  /** Upper-case HTTP method. */
  readonly method: string;
  /** The request's path (relative URL) as the caller gave it. */
  readonly url: string;
  /** 1 for the first attempt, 2 for the first retry, and so on. */
  readonly attempt: number;
  /**
   * Every instance discovery reports, available or not: the same frozen array until membership
   * changes. `instances` given to `pick` is drawn from it.
   */
  readonly members: readonly Instance[];
  /** Whether this request already went to `instance` (an earlier attempt or a hedge). */
  tried(instance: Instance): boolean;
  /** Case-insensitive read of a request header. */
  header(name: string): string | undefined;
}

/** How one attempt on one instance ended. */
export interface RequestResult {
  /** From the start of the attempt to its response headers or its failure. */
  readonly latencyMs: number;
  /**
   * `failure`: the attempt counted against the instance (connection error, timeout, 5xx, or 429: go
   * elsewhere). `cancelled`: the request no longer wanted the answer (the caller aborted, another hedge
   * won): the latency says nothing about the instance.
   */
  readonly outcome: 'success' | 'failure' | 'cancelled';
  /** The HTTP status, when a response arrived. */
  readonly status?: number;
  /**
   * The load the instance reported of itself on this response (ORCA's `endpoint-load-metrics` header, as
   * `proxyless/express` sends it), read from the raw response before any interceptor. Absent when the
   * instance reports nothing or the header could not be read. It was true when the response left the
   * instance: its age is the picker's to keep.
   */
  readonly serverLoad?: ServerLoad;
  /** How long the instance asked callers to stay away (`Retry-After` on a 429 or 503), in ms. */
  readonly retryAfterMs?: number;
}

/** What an instance reported of its own load on one response. Each figure is absent when not reported. */
export interface ServerLoad {
  /** Requests in flight at the instance as it answered (`named_metrics.rif`), this one included. */
  readonly requestsInFlight: number | undefined;
  /** Utilization, 0 to 1 (a Node instance reports its event loop's). */
  readonly cpuUtilization: number | undefined;
  /** Requests the instance served per second, recently. */
  readonly requestsPerSecond: number | undefined;
  /** The instance's other named metrics (`named_metrics.<name>`), if any. */
  readonly named: Readonly<Record<string, number>> | undefined;
}

/** Options every built-in picker takes: where its time and chance come from. */
export interface PickerBaseOptions {
  /** Defaults to `performance.now()`. */
  readonly clock?: Clock;
  /** Defaults to a generator of the picker's own, seeded from `Math.random`. */
  readonly random?: Random;
}

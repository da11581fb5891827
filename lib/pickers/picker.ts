import type { Clock, Random } from '../clock.js';
import type { Instance } from '../discovery/instance.js';

/**
 * Chooses the instance for one request.
 *
 * A picker answers one question per call — which one? — from the instances that may be tried right
 * now (routable in discovery, breaker not open, not just tried by this request). It must return one
 * of the given instances, or `undefined` when it will not choose any (for example when a filter
 * leaves none).
 *
 * The client passes the same frozen array object until the set changes, so a picker may derive
 * structures from it (a ring, a weight table) once and reuse them while `instances` is identical.
 * `pick` runs on every request: keep it free of allocation and of work that could be done when the
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
  /** Case-insensitive read of a request header. */
  header(name: string): string | undefined;
}

/** How one attempt on one instance ended. */
export interface RequestResult {
  /** From the start of the attempt to its response headers or its failure. */
  readonly latencyMs: number;
  /** `failure`: the attempt counted against the instance (connection error, timeout, 5xx). */
  readonly outcome: 'success' | 'failure';
  /** The HTTP status, when a response arrived. */
  readonly status?: number;
}

/** Options every built-in picker takes: where its time and chance come from. */
export interface PickerBaseOptions {
  /** Defaults to `performance.now()`. */
  readonly clock?: Clock;
  /** Defaults to a generator of the picker's own, seeded from `Math.random`. */
  readonly random?: Random;
}

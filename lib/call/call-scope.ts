import type { Instance } from '../discovery/instance.js';
import type { AttemptReport } from './call-report.js';
import type { CallRequest, CallResult } from './call.js';
import type { NotRetriedReason } from './retry-rule.js';

/**
 * Follows one call from its start to its end, for tracing and metrics. A call has a scope only while an
 * instrumentation is installed on its balancer: a call without one allocates nothing for it.
 *
 * Each attempt is started and ended exactly once, in that order. An attempt still under way when the call
 * ends (a hedge that lost, an attempt the deadline cut short) is aborted then, and ends after `ended`.
 */
export interface CallScope {
  /** Headers to add to the request before its first attempt (a trace context), if any. */
  readonly headers?: Readonly<Record<string, string>>;
  /** An attempt was sent to `instance`; `hedge` while an earlier one is still waiting. */
  attemptStarted(instance: Instance, hedge: boolean): void;
  attemptEnded(attempt: AttemptReport): void;
  /** The failed attempt `after` is tried again after `delayMs` (0 for a request that never left). */
  retrying(after: AttemptReport, delayMs: number): void;
  /** The failed attempt `after` is not tried again, though a retry might have repaired it. */
  notRetried(after: AttemptReport, reason: NotRetriedReason): void;
  /** The call ended, exactly once. */
  ended(result: CallResult): void;
}

/** Gives each call that starts a scope, or none: installed with `Balancer.instrument`. */
export interface CallInstrumentation {
  callStarted(request: CallRequest, service: string): CallScope | undefined;
}

/** The scope of a call that several instrumentations follow, or `undefined` when none does. */
export function callScope(instrumentations: readonly CallInstrumentation[], request: CallRequest, service: string): CallScope | undefined {
  if (instrumentations.length === 1) return (instrumentations[0] as CallInstrumentation).callStarted(request, service);
  const scopes: CallScope[] = [];
  for (const instrumentation of instrumentations) {
    const scope = instrumentation.callStarted(request, service);
    if (scope !== undefined) scopes.push(scope);
  }
  return scopes.length <= 1 ? scopes[0] : new ScopeFanOut(scopes);
}

class ScopeFanOut implements CallScope {
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly #scopes: readonly CallScope[];

  constructor(scopes: readonly CallScope[]) {
    this.#scopes = scopes;
    let headers: Record<string, string> | undefined;
    for (const scope of scopes) if (scope.headers !== undefined) headers = { ...headers, ...scope.headers };
    this.headers = headers;
  }

  attemptStarted(instance: Instance, hedge: boolean): void {
    for (const scope of this.#scopes) scope.attemptStarted(instance, hedge);
  }

  attemptEnded(attempt: AttemptReport): void {
    for (const scope of this.#scopes) scope.attemptEnded(attempt);
  }

  retrying(after: AttemptReport, delayMs: number): void {
    for (const scope of this.#scopes) scope.retrying(after, delayMs);
  }

  notRetried(after: AttemptReport, reason: NotRetriedReason): void {
    for (const scope of this.#scopes) scope.notRetried(after, reason);
  }

  ended(result: CallResult): void {
    for (const scope of this.#scopes) scope.ended(result);
  }
}

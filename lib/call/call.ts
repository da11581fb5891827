import type { Clock, Random, Scheduler, Timer } from '../clock.js';
import type { Instance } from '../discovery/instance.js';
import type { FailureInfo } from '../health/breaker-options.js';
import type { Admission } from '../health/instance-breaker.js';
import type { InstanceHealth } from '../health/instance-health.js';
import type { Picker, PickContext, RequestResult, ServerLoad } from '../pickers/picker.js';
import { discardBody, type AttemptFailureKind, type AttemptOutcome, type FailureOutcome, type IncomingResponse } from '../transport/attempt-outcome.js';
import { AttemptSignal } from '../transport/attempt-signal.js';
import type { OutgoingRequest } from '../transport/outgoing-request.js';
import { isReplayable, OneShotBody } from '../transport/request-body.js';
import type { Transport } from '../transport/transport.js';
import { fullJitterBackoff } from './backoff.js';
import type { AttemptReport, CallReport } from './call-report.js';
import type { CallScope } from './call-scope.js';
import type { UnderWay } from './calls-under-way.js';
import { chooseInstance, type NoInstance } from './choose-instance.js';
import type { DeadlineHolder, Deadlines } from './deadlines.js';
import { noInstanceError } from './no-instance-error.js';
import type { ObservedLatency } from './observed-latency.js';
import { retryAfterMs } from './retry-after.js';
import { parseServerLoad } from './server-load-header.js';
import type { RetryBudget } from './retry-budget.js';
import type { ResolvedHedgeOptions, ResolvedRetryOptions } from './retry-options.js';
import { isIdempotent, retryVerdict, type NotRetriedReason, type RetryVerdict } from './retry-rule.js';

/** What every call of one client shares: the route's parts and policies. */
export interface CallEnvironment {
  readonly service: string;
  readonly health: InstanceHealth;
  readonly picker: Picker;
  readonly transport: Transport;
  readonly retry: ResolvedRetryOptions;
  readonly hedge: ResolvedHedgeOptions | false;
  readonly budget: RetryBudget | undefined;
  /** `breaker.timeout`: a limit on one attempt that, like `retry.attemptTimeoutMs`, counts against the instance. */
  readonly breakerTimeoutMs: number | false;
  readonly errorFilter: ((failure: FailureInfo) => boolean) | undefined;
  /** `breaker.capacity`, for the error when every instance is at it. */
  readonly capacity: number;
  /** Timers of the call: attempt limits, backoff, hedges. */
  readonly scheduler: Scheduler;
  /** Calls' deadlines, on the same scheduler. */
  readonly deadlines: Deadlines;
  /** Measures attempt latency for the picker. */
  readonly clock: Clock;
  readonly random: Random;
  /** Latencies of answered attempts, for hedging after the observed p95. */
  readonly latency: ObservedLatency;
  readonly observer: CallObserver;
  /** `undefined` once discovery delivered a first set; else settles when it does (or rejects: timeout, close). */
  waitForDiscovery(): Promise<void> | undefined;
  /** Where instances come from, for messages: `consul at 127.0.0.1:8500, service "users"`. */
  readonly discoverySource: string;
  /** The last discovery failure, if the set in use may be explained by it (an ACL that hides every instance). */
  discoveryProblem(): Error | undefined;
}

/** Told of a call's decisions, for the client's events. */
export interface CallObserver {
  attemptFailed(call: Call, attempt: AttemptReport, error: Error | undefined): void;
  retrying(call: Call, after: AttemptReport, delayMs: number): void;
  notRetried(call: Call, after: AttemptReport, reason: NotRetriedReason): void;
  hedging(call: Call, instance: Instance, afterMs: number): void;
  /** The call has its result: it holds nothing any more. */
  ended(call: Call): void;
}

/** What the caller asked for. */
export interface CallRequest {
  readonly request: OutgoingRequest;
  /** The path as the caller gave it, for pickers. */
  readonly url: string;
  /** The call's deadline, in ms from now; `undefined` for none. */
  readonly deadlineMs: number | undefined;
  readonly signal: AbortSignal | undefined;
}

export type CallResult = CallResponse | CallFailure;

export interface CallResponse {
  readonly kind: 'response';
  readonly response: IncomingResponse;
  readonly instance: Instance;
  /** What happened, attempt by attempt: built when first read, so a call that is not asked pays nothing for it. */
  readonly report: CallReport;
}

export interface CallFailure {
  readonly kind: 'failure';
  /**
   * `attempt`: the last attempt failed and was not tried again (see `report.notRetried`); `deadline`: the
   * call's deadline passed; `cancelled`: the caller's signal aborted it; `unavailable`: no instance could
   * take it, or the client closed (see `error`).
   */
  readonly reason: 'attempt' | 'deadline' | 'cancelled' | 'unavailable';
  readonly outcome?: FailureOutcome;
  readonly instance?: Instance;
  readonly error?: Error;
  readonly report: CallReport;
}

interface Attempt {
  readonly instance: Instance;
  readonly admission: Admission;
  readonly startedAt: number;
  readonly hedge: boolean;
  /** Its own signal when it can be aborted alone (time limit, hedging); else the call's. */
  readonly signal: AttemptSignal;
  /** Set once it ended, for the report. */
  outcome: AttemptFailureKind | 'response' | undefined;
  status: number | undefined;
  /** The response it brought, until the call ends: one not handed to the caller is discarded then. */
  response: IncomingResponse | undefined;
  durationMs: number;
  limitTimer: Timer | undefined;
  timedOut: boolean;
}

/** Never-sent requests go to yet another instance at most this many times (each instance once). */
const maxResends = 10;
/** Without a deadline, a `Retry-After` longer than this ends the call rather than hold it. */
const maxRetryAfterWithoutDeadlineMs = 60_000;

/**
 * One request, from the caller's call to its answer: its deadline and signal, and the attempts it makes,
 * each on one instance. A call owns every decision between attempts — whether a failure may be repaired
 * elsewhere (the retry rule), whether the retry budget allows it, how long to back off, when to hedge —
 * and ends exactly once: with a response, or with a failure that says why.
 *
 * The call is also the picker's {@link PickContext}: the picker sees the request and which instances it
 * has already been sent to.
 */
export class Call implements PickContext, DeadlineHolder, UnderWay<Call> {
  readonly service: string;
  readonly method: string;
  readonly url: string;
  /** Follows the call for tracing and metrics; `undefined` while no instrumentation is installed. */
  readonly scope: CallScope | undefined;
  /** The attempt being chosen or sent: 1 for the first. */
  attempt = 0;
  members: readonly Instance[] = [];
  /** Links in the client's list of calls under way. */
  previousUnderWay: Call | undefined = undefined;
  nextUnderWay: Call | undefined = undefined;
  readonly #env: CallEnvironment;
  readonly #request: OutgoingRequest;
  readonly #idempotent: boolean;
  readonly #deadlineMs: number | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #startedAt: number;
  readonly #attempts: Attempt[] = [];
  #inFlight = 0;
  /** Attempts that count toward `retry.attempts` and `hedge.maxAttempts`: all but resends of never-sent requests. */
  #counted = 0;
  #resends = 0;
  #done = false;
  #deadlineExpired = false;
  #resolve: (result: CallResult) => void = () => undefined;
  #shared: AttemptSignal | undefined;
  #deadlineTimer: Timer | undefined;
  #retryTimer: Timer | undefined;
  #hedgeTimer: Timer | undefined;
  #notRetried: NotRetriedReason | undefined;

  constructor(env: CallEnvironment, call: CallRequest, scope?: CallScope) {
    this.#env = env;
    this.service = env.service;
    this.scope = scope;
    this.#request = call.request;
    this.method = call.request.method;
    this.url = call.url;
    this.#idempotent = isIdempotent(this.method, call.request.headers, env.retry);
    this.#deadlineMs = call.deadlineMs;
    this.#signal = call.signal;
    this.#startedAt = env.scheduler.now();
  }

  // ---- PickContext ------------------------------------------------------------------------------------

  tried(instance: Instance): boolean {
    const attempts = this.#attempts;
    for (let i = 0; i < attempts.length; i++) if ((attempts[i] as Attempt).instance.id === instance.id) return true;
    return false;
  }

  header(name: string): string | undefined {
    const value = this.#request.headers[name.toLowerCase()];
    return typeof value === 'string' || value === undefined ? value : value.join(', ');
  }

  // ---- what ends it from outside ----------------------------------------------------------------------

  /** The caller's signal aborted. The call is its own listener: no closure per call. */
  handleEvent(): void {
    this.#finish({ kind: 'failure', reason: 'cancelled', report: this.report() });
  }

  /** The call's deadline passed. */
  deadlinePassed(): void {
    this.#deadlineTimer = undefined;
    this.#deadlineExpired = true;
    this.#finish({ kind: 'failure', reason: 'deadline', report: this.report() });
  }

  // ---- running ----------------------------------------------------------------------------------------

  /** Runs the call; the promise never rejects. */
  run(): Promise<CallResult> {
    return new Promise<CallResult>((resolve) => {
      this.#resolve = resolve;
      const signal = this.#signal;
      if (signal !== undefined) {
        if (signal.aborted) {
          this.handleEvent();
          return;
        }
        signal.addEventListener('abort', this);
      }
      if (this.#deadlineMs !== undefined) this.#deadlineTimer = this.#env.deadlines.start(this, this.#deadlineMs);
      this.#env.budget?.deposit();
      const waiting = this.#env.waitForDiscovery();
      if (waiting === undefined) this.#first();
      else
        waiting.then(
          () => this.#first(),
          (error: Error) => this.#finish({ kind: 'failure', reason: 'unavailable', error, report: this.report() }),
        );
    });
  }

  /** Ends the call at once (the client is closing): its attempts are aborted. */
  cancel(error: Error): void {
    this.#finish({ kind: 'failure', reason: 'unavailable', error, report: this.report() });
  }

  #first(): void {
    if (this.#done) return;
    const none = this.#send(false, false);
    if (none !== undefined) {
      const env = this.#env;
      const error = noInstanceError(none, this.service, env.health, env.capacity, { source: env.discoverySource, problem: env.discoveryProblem() });
      this.#finish({ kind: 'failure', reason: 'unavailable', error, report: this.report() });
      return;
    }
    this.#scheduleHedge();
  }

  /** Sends the next attempt; returns why not when no instance could take it. */
  #send(hedge: boolean, resend: boolean): NoInstance | undefined {
    const env = this.#env;
    this.attempt++;
    this.members = env.health.members;
    const last = this.#attempts[this.#attempts.length - 1]?.instance;
    const chosen = chooseInstance(env.picker, env.health, this, env.random, resend, last);
    if (typeof chosen === 'string') {
      this.attempt--;
      return chosen;
    }
    if (resend) this.#resends++;
    else this.#counted++;
    const { instance, admission } = chosen;
    const limitMs = attemptLimit(env);
    const ownSignal = limitMs !== undefined || this.#hedging;
    const attempt: Attempt = {
      instance,
      admission,
      startedAt: env.clock.now(),
      hedge,
      signal: ownSignal ? new AttemptSignal() : (this.#shared ??= new AttemptSignal()),
      outcome: undefined,
      status: undefined,
      response: undefined,
      durationMs: 0,
      limitTimer: undefined,
      timedOut: false,
    };
    if (limitMs !== undefined) {
      attempt.limitTimer = env.scheduler.delay(() => {
        attempt.limitTimer = undefined;
        attempt.timedOut = true;
        attempt.signal.abort();
      }, limitMs);
    }
    this.#attempts.push(attempt);
    this.#inFlight++;
    this.scope?.attemptStarted(instance, hedge);
    env.picker.onRequestStart?.(instance, this);
    env.transport.send(instance, this.#request, attempt.signal).then((outcome) => this.#ended(attempt, outcome));
    return undefined;
  }

  get #hedging(): boolean {
    return this.#env.hedge !== false && this.#idempotent && !(this.#request.body instanceof OneShotBody);
  }

  #ended(attempt: Attempt, outcome: AttemptOutcome): void {
    const env = this.#env;
    this.#inFlight--;
    attempt.limitTimer?.cancel();
    attempt.durationMs = env.clock.now() - attempt.startedAt;
    let kind = outcome.kind;
    // The call's own limits end attempts by aborting them: they timed out, as far as the instance goes.
    if (kind === 'cancelled' && (attempt.timedOut || this.#deadlineExpired)) kind = 'timed-out';
    const response = outcome.kind === 'response' ? outcome.response : outcome.response;
    const status = response?.status;
    attempt.outcome = kind;
    attempt.status = status;

    const failed = this.#counts(kind, status, outcome.kind === 'response' ? undefined : outcome.error);
    env.health.settle(attempt.instance, attempt.admission, failed);
    const onRequestEnd = env.picker.onRequestEnd;
    if (onRequestEnd !== undefined) {
      const latencyMs = attempt.durationMs;
      // An overloaded instance (429) answered, but the picker should go elsewhere; a cancelled attempt
      // says nothing about the instance.
      const feedback = failed === true || status === 429 ? 'failure' : kind === 'cancelled' ? 'cancelled' : 'success';
      onRequestEnd.call(env.picker, attempt.instance, pickerFeedback(latencyMs, feedback, response), this);
    }
    this.scope?.attemptEnded(attemptReport(attempt));
    if (this.#done) {
      if (outcome.kind === 'response') discardBody(outcome.response);
      return;
    }

    if (outcome.kind === 'response') {
      attempt.response = outcome.response;
      const verdict = retryVerdict('response', outcome.response, this.#idempotent, env.retry);
      if (verdict === 'final') {
        if (outcome.response.status < 500) env.latency.observe(attempt.durationMs);
        this.#commit(attempt, outcome.response);
        return;
      }
      this.#decide(attempt, verdict, { kind: 'response', response: outcome.response });
      return;
    }
    const failure: FailureOutcome =
      kind === outcome.kind
        ? outcome
        : { kind: 'timed-out', error: timeoutError(attempt, outcome.error), ...(response === undefined ? {} : { response }) };
    env.observer.attemptFailed(this, attemptReport(attempt), failure.error);
    this.#decide(attempt, kind === 'cancelled' ? 'final' : retryVerdict(kind, undefined, this.#idempotent, env.retry), failure);
  }

  /** Whether an attempt counts against its instance: `true` failed, `false` succeeded, `undefined` neither. */
  #counts(kind: AttemptFailureKind | 'response', status: number | undefined, error: Error | undefined): boolean | undefined {
    if (kind === 'cancelled' || kind === 'failed') return undefined;
    if (kind === 'response' && (status === undefined || status < 500)) return status === 429 ? undefined : false;
    const filter = this.#env.errorFilter;
    if (filter !== undefined && filter({ kind, ...(status === undefined ? {} : { status }), ...(error === undefined ? {} : { error }) })) return undefined;
    return true;
  }

  /** After a failed attempt (or a response in `retry.statuses`): try again, wait for a hedge, or end. */
  #decide(attempt: Attempt, verdict: RetryVerdict, last: FailureOutcome | { kind: 'response'; response: IncomingResponse }): void {
    const env = this.#env;
    if (verdict === 'final') return this.#end(attempt, last, undefined);
    if (verdict === 'not-idempotent') return this.#end(attempt, last, 'not-idempotent');
    if (!isReplayable(this.#request.body)) return this.#end(attempt, last, 'body-not-replayable');

    if (verdict === 'resend') {
      if (this.#resends >= maxResends) return this.#end(attempt, last, 'attempts');
      const none = this.#send(false, true);
      if (none !== undefined) return this.#end(attempt, last, 'no-other-instance');
      env.observer.retrying(this, attemptReport(attempt), 0);
      return;
    }

    if (this.#counted >= env.retry.attempts) return this.#end(attempt, last, 'attempts');
    let delayMs = env.retry.backoff === false ? 0 : fullJitterBackoff(this.#counted, env.retry.backoff, env.random);
    const askedMs = last.kind === 'response' ? retryAfterMs(last.response.headers['retry-after']) : undefined;
    if (askedMs !== undefined) delayMs = Math.max(delayMs, askedMs);
    const remainingMs = this.#deadlineMs === undefined ? maxRetryAfterWithoutDeadlineMs : this.#deadlineMs - (env.scheduler.now() - this.#startedAt);
    if (delayMs >= remainingMs) return this.#end(attempt, last, 'deadline');
    if (env.budget !== undefined && !env.budget.tryWithdraw()) return this.#end(attempt, last, 'budget');
    env.observer.retrying(this, attemptReport(attempt), delayMs);
    if (delayMs <= 0) this.#retryNow(attempt, last);
    else this.#retryTimer = env.scheduler.delay(() => this.#retryNow(attempt, last), delayMs);
  }

  #retryNow(after: Attempt, last: FailureOutcome | { kind: 'response'; response: IncomingResponse }): void {
    this.#retryTimer = undefined;
    if (this.#done) return;
    if (this.#send(false, false) !== undefined) this.#end(after, last, 'no-other-instance');
  }

  /** No retry follows this attempt: the call ends with it, unless a hedge is still on its way. */
  #end(attempt: Attempt, last: FailureOutcome | { kind: 'response'; response: IncomingResponse }, reason: NotRetriedReason | undefined): void {
    if (reason !== undefined) {
      this.#notRetried = reason;
      this.#env.observer.notRetried(this, attemptReport(attempt), reason);
    }
    if (this.#inFlight > 0) return;
    if (last.kind === 'response') {
      this.#commit(attempt, last.response);
      return;
    }
    // An attempt timed out and no time is left for another: to the caller, the deadline is what ran out.
    const ending = last.kind === 'timed-out' && this.#notRetried === 'deadline' ? 'deadline' : 'attempt';
    this.#finish({ kind: 'failure', reason: ending, outcome: last, instance: attempt.instance, report: this.report() });
  }

  #commit(attempt: Attempt, response: IncomingResponse): void {
    this.#finish(new CommittedResponse(response, attempt.instance, this));
  }

  #scheduleHedge(): void {
    const hedge = this.#env.hedge;
    if (hedge === false || !this.#hedging || this.#counted >= hedge.maxAttempts || this.#done) return;
    const observed = this.#env.latency;
    // Hedging after the observed p95 needs something observed first.
    const delayMs = hedge.delayMs === 'p95' ? (observed.weight >= 20 ? observed.valueMs : undefined) : hedge.delayMs;
    if (delayMs === undefined) return;
    this.#hedgeTimer = this.#env.scheduler.delay(() => {
      this.#hedgeTimer = undefined;
      if (this.#done || this.#inFlight === 0) return;
      if (this.#env.budget !== undefined && !this.#env.budget.tryWithdraw()) return;
      if (this.#send(true, false) !== undefined) return;
      const sent = this.#attempts[this.#attempts.length - 1] as Attempt;
      this.#env.observer.hedging(this, sent.instance, delayMs);
      this.#scheduleHedge();
    }, delayMs);
  }

  #finish(result: CallResult): void {
    if (this.#done) return;
    this.#done = true;
    this.#deadlineTimer?.cancel();
    this.#retryTimer?.cancel();
    this.#hedgeTimer?.cancel();
    this.#signal?.removeEventListener('abort', this);
    const kept = result.kind === 'response' ? result.response : undefined;
    const attempts = this.#attempts;
    for (let i = 0; i < attempts.length; i++) {
      const attempt = attempts[i] as Attempt;
      // Attempts still under way lost a hedge, or the call ended without them: stop them.
      if (attempt.outcome === undefined) attempt.signal.abort();
      else if (attempt.response !== undefined && attempt.response !== kept) discardBody(attempt.response);
    }
    this.scope?.ended(result);
    this.#env.observer.ended(this);
    this.#resolve(result);
  }

  /** What happened, attempt by attempt, as the call's result reports it. */
  report(): CallReport {
    const attempts: AttemptReport[] = [];
    const now = this.#env.clock.now();
    for (const attempt of this.#attempts) {
      if (attempt.outcome !== undefined) {
        attempts.push(attemptReport(attempt));
        continue;
      }
      // Still under way as the call ends: the deadline took it, or the call was cancelled around it.
      attempts.push({
        instance: attempt.instance,
        outcome: this.#deadlineExpired ? 'timed-out' : 'cancelled',
        durationMs: now - attempt.startedAt,
        hedge: attempt.hedge,
      });
    }
    return this.#notRetried === undefined
      ? { service: this.service, attempts }
      : { service: this.service, attempts, notRetried: this.#notRetried };
  }
}

/** A call's response; its report is built when first read, so a call nobody asks about pays nothing for it. */
class CommittedResponse implements CallResponse {
  readonly kind = 'response';
  readonly response: IncomingResponse;
  readonly instance: Instance;
  readonly #call: Call;
  #report: CallReport | undefined;

  constructor(response: IncomingResponse, instance: Instance, call: Call) {
    this.response = response;
    this.instance = instance;
    this.#call = call;
  }

  get report(): CallReport {
    return (this.#report ??= this.#call.report());
  }
}

function attemptReport(attempt: Attempt): AttemptReport {
  return {
    instance: attempt.instance,
    outcome: attempt.outcome ?? 'cancelled',
    ...(attempt.status === undefined ? {} : { status: attempt.status }),
    durationMs: attempt.durationMs,
    hedge: attempt.hedge,
  };
}

/** The tighter of `retry.attemptTimeoutMs` and `breaker.timeout`, or `undefined` for none. */
function attemptLimit(env: CallEnvironment): number | undefined {
  const a = env.retry.attemptTimeoutMs;
  const b = env.breakerTimeoutMs;
  if (a === false) return b === false ? undefined : b;
  return b === false ? a : Math.min(a, b);
}

/** The error of an attempt the call timed out, in place of the transport's "aborted". */
function timeoutError(attempt: Attempt, cause: Error): Error {
  if (!attempt.timedOut) return cause;
  return Object.assign(new Error(`attempt on ${attempt.instance.origin} timed out after ${Math.round(attempt.durationMs)} ms`, { cause }), {
    code: 'ETIMEDOUT',
  });
}

/**
 * What the picker learns of an attempt: its latency and outcome, and from a response its status, the load
 * the instance reported and any `Retry-After` — read from the raw response, before the caller's interceptors.
 */
function pickerFeedback(latencyMs: number, outcome: RequestResult['outcome'], response: IncomingResponse | undefined): RequestResult {
  return response === undefined ? { latencyMs, outcome } : new ResponseFeedback(latencyMs, outcome, response);
}

/**
 * A response's feedback, its headers read only when a picker asks: most pickers never look at the load
 * report, and a response from `proxyless/express` carries one every time.
 */
class ResponseFeedback implements RequestResult {
  readonly status: number;
  readonly #headers: IncomingResponse['headers'];
  #serverLoad: ServerLoad | undefined | null = null;

  constructor(
    readonly latencyMs: number,
    readonly outcome: RequestResult['outcome'],
    response: IncomingResponse,
  ) {
    this.status = response.status;
    this.#headers = response.headers;
  }

  get serverLoad(): ServerLoad | undefined {
    if (this.#serverLoad === null) this.#serverLoad = parseServerLoad(this.#headers['endpoint-load-metrics']);
    return this.#serverLoad;
  }

  get retryAfterMs(): number | undefined {
    return this.status === 429 || this.status === 503 ? retryAfterMs(this.#headers['retry-after']) : undefined;
  }
}

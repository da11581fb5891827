import type { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import type { Scheduler, Timer } from '../clock.js';
import { maxTimerMs } from '../options/option-checks.js';
import type { ResolvedBreakerOptions } from './breaker-options.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** How an admitted attempt counts: an ordinary one, or one of a half-open breaker's trials. */
export type Admission = 'attempt' | 'trial';

/** What a breaker needs from the layer that owns it. */
export interface BreakerHost {
  readonly scheduler: Scheduler;
  /** Drives every breaker's rolling window from one timer instead of one interval per breaker. */
  readonly windowRotation: EventEmitter;
  /** Whether taking this instance out now stays within the ejection cap. */
  mayOpen(breaker: InstanceBreaker): boolean;
  stateChanged(breaker: InstanceBreaker): void;
}

type Engine = CircuitBreaker<[boolean], void>;

const failedAttempt = Object.freeze(new Error('attempt failed'));
const recordOutcome = (failed: boolean): Promise<void> => (failed ? Promise.reject(failedAttempt) : Promise.resolve());
const ignore = (): void => undefined;

/**
 * The circuit breaker of one instance.
 *
 * opossum is the engine: while the breaker is closed, every attempt's outcome is fed to an opossum
 * `CircuitBreaker` whose rolling window and thresholds decide when to trip. What happens after that —
 * how long the instance stays out, exactly how many trial attempts it takes when half-open, the cap on
 * how many instances may be out — is proxyless's, on the injectable scheduler, because opossum lets
 * every request through when half-open (nodeshift/opossum#819), fixes the open time, and runs on real
 * timers the simulator cannot drive. A recovered instance starts with a fresh window: failures from
 * before it opened must not reopen it at the first new one.
 */
export class InstanceBreaker {
  readonly id: string;
  #state: BreakerState = 'closed';
  readonly #options: ResolvedBreakerOptions;
  readonly #host: BreakerHost;
  /** Statistics of the closed state; created with the first outcome, dropped when the breaker trips. */
  #engine: Engine | undefined;
  #consecutiveFailures = 0;
  /** Times opened since the last successful trial: the open time grows with it. */
  #openings = 0;
  #timer: Timer | undefined;
  #trialsInFlight = 0;
  #disposed = false;

  constructor(id: string, options: ResolvedBreakerOptions, host: BreakerHost) {
    this.id = id;
    this.#options = options;
    this.#host = host;
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** Whether the instance may be offered to the picker: closed, or half-open with a trial slot free. */
  get routable(): boolean {
    return this.#state === 'closed' || (this.#state === 'half-open' && this.#trialsInFlight < this.#options.halfOpenRequests);
  }

  /** How long the breaker stays open the next time it opens. */
  get nextOpenMs(): number {
    return Math.min(this.#options.resetTimeout * (this.#openings + 1), this.#options.maxResetTimeout);
  }

  /** Lets an attempt through, taking a trial slot when half-open; `undefined` when it may not go. */
  admit(): Admission | undefined {
    if (this.#state === 'closed') return 'attempt';
    if (this.#state === 'open' || this.#trialsInFlight >= this.#options.halfOpenRequests) return undefined;
    this.#trialsInFlight++;
    if (this.#trialsInFlight === this.#options.halfOpenRequests) this.#host.stateChanged(this);
    return 'trial';
  }

  /**
   * How an admitted attempt ended: `true` failed (counts against the instance), `false` succeeded,
   * `undefined` neither (cancelled, or excused). Outcomes of attempts admitted before the breaker opened
   * are not counted while it is open: the trials alone decide.
   */
  record(admission: Admission, failed: boolean | undefined): void {
    if (this.#disposed) return;
    if (admission === 'trial') {
      if (this.#state !== 'half-open') return;
      this.#trialsInFlight--;
      if (failed === true) this.#open();
      else if (failed === false) this.#close();
      else this.#host.stateChanged(this);
      return;
    }
    if (this.#state !== 'closed' || failed === undefined) return;
    this.#engineFor().fire(failed).catch(ignore);
    if (!failed) {
      this.#consecutiveFailures = 0;
      return;
    }
    const limit = this.#options.consecutiveFailures;
    if (limit !== false && ++this.#consecutiveFailures >= limit) this.#trip();
  }

  /** Stops the breaker's timer and engine; it records nothing afterwards. */
  dispose(): void {
    this.#disposed = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#dropEngine();
  }

  /** The engine, or the consecutive rule, says the instance should go out: it does if the cap allows. */
  #trip(): void {
    if (this.#state !== 'closed') return;
    if (!this.#host.mayOpen(this)) {
      // Out of the cap: the instance stays in. Its engine must close again to keep counting.
      this.#engine?.close();
      this.#consecutiveFailures = 0;
      return;
    }
    this.#open();
  }

  #open(): void {
    const openMs = this.nextOpenMs;
    this.#openings++;
    this.#state = 'open';
    this.#consecutiveFailures = 0;
    this.#trialsInFlight = 0;
    this.#dropEngine();
    this.#timer?.cancel();
    this.#timer = this.#host.scheduler.delay(() => this.#halfOpen(), openMs);
    this.#host.stateChanged(this);
  }

  #halfOpen(): void {
    this.#timer = undefined;
    if (this.#disposed || this.#state !== 'open') return;
    this.#state = 'half-open';
    this.#trialsInFlight = 0;
    this.#host.stateChanged(this);
  }

  #close(): void {
    this.#state = 'closed';
    this.#openings = 0;
    this.#consecutiveFailures = 0;
    this.#trialsInFlight = 0;
    this.#host.stateChanged(this);
  }

  #engineFor(): Engine {
    if (this.#engine !== undefined) return this.#engine;
    const options = this.#options;
    const engine: Engine = new CircuitBreaker(recordOutcome, {
      errorThresholdPercentage: options.errorThresholdPercentage,
      volumeThreshold: options.volumeThreshold,
      rollingCountTimeout: options.rollingCountTimeout,
      rollingCountBuckets: options.rollingCountBuckets,
      rotateBucketController: this.#host.windowRotation,
      // proxyless decides when to try again; opossum's own timer must never fire.
      resetTimeout: maxTimerMs,
      // opossum's timeout could only stop waiting, not stop the attempt: proxyless aborts attempts itself.
      timeout: false as unknown as number,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
    });
    engine.on('open', () => this.#trip());
    this.#engine = engine;
    return engine;
  }

  #dropEngine(): void {
    const engine = this.#engine;
    if (engine === undefined) return;
    this.#engine = undefined;
    engine.shutdown();
  }
}

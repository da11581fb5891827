import CircuitBreaker from 'opossum';
import type { Instance } from '../discovery/instance.js';
import { blamesInstance, classifyFailure } from '../retry/attempt-failure.js';
import type { ResolvedBreakerOptions } from './breaker-options.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

type Attempt = () => Promise<unknown>;

/** Called when an instance's breaker changes state. */
export type BreakerStateListener = (instanceId: string, state: BreakerState) => void;

/**
 * One opossum circuit breaker per instance, keyed by instance id.
 *
 * Breakers are created on an instance's first attempt and shut down when it leaves the set, so
 * their rolling-window timers live exactly as long as their instance (opossum's timers otherwise
 * outlive a dropped breaker). A breaker opens when the share of failures in its rolling window
 * crosses the threshold (opossum's rule) or after `consecutiveFailures` failures in a row. While it
 * is open, its instance is left out of picking; when it half-opens, opossum lets one trial attempt
 * through and turns the rest away.
 */
export class BreakerRegistry {
  readonly #options: ResolvedBreakerOptions;
  readonly #onStateChange: BreakerStateListener;
  readonly #breakers = new Map<string, CircuitBreaker<[Attempt], unknown>>();
  /** Ids whose breaker is open: the only state the picking path has to look at. */
  readonly #open = new Set<string>();

  constructor(options: ResolvedBreakerOptions, onStateChange: BreakerStateListener) {
    this.#options = options;
    this.#onStateChange = onStateChange;
  }

  /** Runs one attempt on `instance` through its breaker; rejects at once if the breaker is open. */
  run<T>(instance: Instance, attempt: () => Promise<T>): Promise<T> {
    return this.#breakerFor(instance.id).fire(attempt) as Promise<T>;
  }

  isOpen(instanceId: string): boolean {
    return this.#open.has(instanceId);
  }

  /** Whether any breaker is open at all: lets the picking path skip filtering in the common case. */
  get anyOpen(): boolean {
    return this.#open.size > 0;
  }

  state(instanceId: string): BreakerState {
    const breaker = this.#breakers.get(instanceId);
    if (breaker === undefined || breaker.closed) return 'closed';
    return breaker.halfOpen ? 'half-open' : 'open';
  }

  /** Shuts down the breakers of instances no longer in the set. */
  retain(instances: readonly Instance[]): void {
    if (this.#breakers.size === 0) return;
    const live = new Set<string>();
    for (const instance of instances) live.add(instance.id);
    for (const [id, breaker] of this.#breakers) {
      if (live.has(id)) continue;
      this.#drop(id, breaker);
    }
  }

  close(): void {
    for (const [id, breaker] of this.#breakers) this.#drop(id, breaker);
  }

  get size(): number {
    return this.#breakers.size;
  }

  #drop(id: string, breaker: CircuitBreaker<[Attempt], unknown>): void {
    breaker.removeAllListeners();
    breaker.shutdown();
    this.#breakers.delete(id);
    this.#open.delete(id);
  }

  #breakerFor(id: string): CircuitBreaker<[Attempt], unknown> {
    let breaker = this.#breakers.get(id);
    if (breaker !== undefined) return breaker;
    const options = this.#options;
    const userFilter = options.errorFilter;
    breaker = new CircuitBreaker<[Attempt], unknown>((attempt) => attempt(), {
      name: id,
      errorThresholdPercentage: options.errorThresholdPercentage,
      volumeThreshold: options.volumeThreshold,
      resetTimeout: options.resetTimeout,
      rollingCountTimeout: options.rollingCountTimeout,
      rollingCountBuckets: options.rollingCountBuckets,
      // opossum reads `false` as "no timeout".
      timeout: options.timeout === false ? (false as unknown as number) : options.timeout,
      ...(options.capacity === undefined ? {} : { capacity: options.capacity }),
      // We keep our own latency figures; opossum's percentiles and snapshots would only cost memory.
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      errorFilter: (error: Error) => !blamesInstance(classifyFailure(error)) || (userFilter?.(error) ?? false),
    });
    const consecutiveLimit = options.consecutiveFailures;
    if (consecutiveLimit !== false) {
      let consecutive = 0;
      // opossum emits 'success' also for errors its errorFilter excused (a 4xx): not the instance's fault.
      breaker.on('success', () => {
        consecutive = 0;
      });
      breaker.on('failure', () => {
        consecutive += 1;
        if (consecutive >= consecutiveLimit && !breaker.opened) breaker.open();
      });
      breaker.on('open', () => {
        consecutive = 0;
      });
    }
    breaker.on('open', () => {
      this.#open.add(id);
      this.#onStateChange(id, 'open');
    });
    breaker.on('halfOpen', () => {
      this.#open.delete(id);
      this.#onStateChange(id, 'half-open');
    });
    breaker.on('close', () => {
      this.#open.delete(id);
      this.#onStateChange(id, 'closed');
    });
    this.#breakers.set(id, breaker);
    return breaker;
  }
}

import type { Clock } from '../clock.js';

/**
 * A token bucket: up to `capacity` actions at once, then one every `intervalMs`. It spaces the calls of a
 * watch loop so that a service whose index keeps moving (instances that the query filters out churning,
 * checks flapping) cannot make the loop hammer Consul, while a quiet loop answers a change at once.
 * A blocking query may return at once, again and again (hashicorp/consul#1244): a return is not a change.
 */
export class TokenBucket {
  readonly #capacity: number;
  readonly #intervalMs: number;
  readonly #clock: Clock;
  #tokens: number;
  #updatedAt: number;

  constructor(capacity: number, intervalMs: number, clock: Clock) {
    this.#capacity = capacity;
    this.#intervalMs = intervalMs;
    this.#clock = clock;
    this.#tokens = capacity;
    this.#updatedAt = clock.now();
  }

  /** Takes a token and returns 0 when one is there; else takes none and returns the ms until one is. */
  take(): number {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#updatedAt) / this.#intervalMs);
    this.#updatedAt = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.#tokens) * this.#intervalMs);
  }
}

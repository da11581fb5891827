import type { Clock } from '../clock.js';

export interface RetryBudgetOptions {
  /** Retries allowed per request, over the window: 0.2 lets retries add at most 20 % to the load. Default 0.2. */
  readonly ratio?: number;
  /** Retries allowed per second whatever the traffic, so a quiet client can still retry. Default 10. */
  readonly minPerSecond?: number;
  /** How long a request's deposit counts. Default 10,000 ms. */
  readonly windowMs?: number;
}

const buckets = 10;

/**
 * Finagle's retry budget: every request deposits `ratio` of a retry, every retry withdraws one, deposits
 * expire after `windowMs`, and `minPerSecond × window` retries are always allowed on top. Retries can then
 * never add more than `ratio` to the load a failing fleet sees — where a fixed number of attempts per
 * request would triple it — while a single failure on a quiet client is still retried.
 *
 * The window is ten buckets advanced from clock readings, with no timer and no allocation per request.
 */
export class RetryBudget {
  readonly #ratio: number;
  readonly #reserve: number;
  readonly #bucketMs: number;
  readonly #clock: Clock;
  readonly #deposits = new Float64Array(buckets);
  readonly #withdrawals = new Float64Array(buckets);
  #bucket = 0;
  #depositTotal = 0;
  #withdrawalTotal = 0;

  constructor(options: Required<RetryBudgetOptions>, clock: Clock) {
    this.#ratio = options.ratio;
    this.#reserve = options.minPerSecond * (options.windowMs / 1000);
    this.#bucketMs = options.windowMs / buckets;
    this.#clock = clock;
    this.#bucket = Math.floor(clock.now() / this.#bucketMs);
  }

  /** One request was made. */
  deposit(): void {
    this.#advance();
    const slot = this.#bucket % buckets;
    this.#deposits[slot] = (this.#deposits[slot] as number) + 1;
    this.#depositTotal += 1;
  }

  /** Takes one retry from the budget if it holds one. */
  tryWithdraw(): boolean {
    this.#advance();
    if (this.balance < 1) return false;
    const slot = this.#bucket % buckets;
    this.#withdrawals[slot] = (this.#withdrawals[slot] as number) + 1;
    this.#withdrawalTotal += 1;
    return true;
  }

  /** Retries the budget would allow now. */
  get balance(): number {
    this.#advance();
    return this.#reserve + this.#ratio * this.#depositTotal - this.#withdrawalTotal;
  }

  #advance(): void {
    const bucket = Math.floor(this.#clock.now() / this.#bucketMs);
    if (bucket <= this.#bucket) return;
    const steps = Math.min(bucket - this.#bucket, buckets);
    for (let i = 1; i <= steps; i++) {
      const slot = (this.#bucket + i) % buckets;
      this.#depositTotal -= this.#deposits[slot] as number;
      this.#withdrawalTotal -= this.#withdrawals[slot] as number;
      this.#deposits[slot] = 0;
      this.#withdrawals[slot] = 0;
    }
    this.#bucket = bucket;
  }
}

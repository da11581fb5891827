/**
 * A running high quantile of call latencies, for hedging "after the observed p95": a log-bucketed
 * histogram (buckets 10 % apart from 0.1 ms to about 10 min) whose counts halve every `halfLife`
 * observations, so the figure follows the service as it changes. Observing allocates nothing; the
 * quantile is recomputed every 64 observations, not on every read.
 */
export class ObservedLatency {
  static readonly #growth = Math.log(1.1);
  static readonly #minMs = 0.1;
  static readonly #bucketCount = 165;
  readonly #counts = new Float64Array(ObservedLatency.#bucketCount);
  readonly #quantile: number;
  readonly #halfLife: number;
  #total = 0;
  #sinceDecay = 0;
  #sinceCompute = 0;
  #cached: number | undefined;

  constructor(quantile = 0.95, halfLife = 1000) {
    this.#quantile = quantile;
    this.#halfLife = halfLife;
  }

  /** Latencies observed (decayed). */
  get weight(): number {
    return this.#total;
  }

  observe(latencyMs: number): void {
    const index = latencyMs <= ObservedLatency.#minMs
      ? 0
      : Math.min(ObservedLatency.#bucketCount - 1, Math.floor(Math.log(latencyMs / ObservedLatency.#minMs) / ObservedLatency.#growth));
    this.#counts[index] = (this.#counts[index] as number) + 1;
    this.#total += 1;
    if (++this.#sinceDecay >= this.#halfLife) this.#decay();
    if (++this.#sinceCompute >= 64 || this.#cached === undefined) this.#compute();
  }

  /** The quantile in ms (the upper edge of its bucket), or `undefined` before anything was observed. */
  get valueMs(): number | undefined {
    return this.#cached;
  }

  #decay(): void {
    this.#sinceDecay = 0;
    this.#total /= 2;
    for (let i = 0; i < this.#counts.length; i++) this.#counts[i] = (this.#counts[i] as number) / 2;
  }

  #compute(): void {
    this.#sinceCompute = 0;
    const target = this.#quantile * this.#total;
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i] as number;
      if (seen >= target) {
        this.#cached = ObservedLatency.#minMs * Math.exp((i + 1) * ObservedLatency.#growth);
        return;
      }
    }
  }
}

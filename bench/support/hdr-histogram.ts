/**
 * A high-dynamic-range histogram (after Gil Tene's HdrHistogram): values are kept in buckets whose width
 * doubles with each power of two, each cut into `2^precisionBits` equal sub-buckets, so every recorded value
 * is known to within 1 / 2^precisionBits of itself (0.05 % at the default 11 bits, three significant digits)
 * from a microsecond to an hour, in a fixed array — memory does not grow with the samples, and a
 * percentile is one pass over the counts.
 *
 * Values are recorded in microseconds as whole numbers; `percentile` answers in the same unit.
 */
export class HdrHistogram {
  readonly #subBits: number;
  readonly #subCount: number;
  readonly #counts: Float64Array;
  #total = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = 0;
  #sum = 0;

  /** @param highestMicros the largest value kept exactly; larger ones are clamped to it (default one hour) */
  constructor(precisionBits = 11, highestMicros = 3_600_000_000) {
    this.#subBits = precisionBits;
    this.#subCount = 2 ** precisionBits;
    const magnitudes = Math.max(1, Math.ceil(Math.log2(highestMicros + 1)) - precisionBits + 1);
    this.#counts = new Float64Array((magnitudes + 1) * this.#subCount);
  }

  get count(): number {
    return this.#total;
  }

  get min(): number {
    return this.#total === 0 ? Number.NaN : this.#min;
  }

  get max(): number {
    return this.#total === 0 ? Number.NaN : this.#max;
  }

  get mean(): number {
    return this.#total === 0 ? Number.NaN : this.#sum / this.#total;
  }

  /** Records `value` microseconds (rounded to a whole number, at least 0) `times` times. */
  record(value: number, times = 1): void {
    const micros = Math.max(0, Math.round(value));
    const index = Math.min(this.#indexOf(micros), this.#counts.length - 1);
    this.#counts[index] = (this.#counts[index] as number) + times;
    this.#total += times;
    this.#sum += micros * times;
    if (micros < this.#min) this.#min = micros;
    if (micros > this.#max) this.#max = micros;
  }

  /** Adds every count of `other`, which must have the same precision. */
  merge(other: HdrHistogram): void {
    if (other.#subBits !== this.#subBits || other.#counts.length !== this.#counts.length) throw new Error('histograms of different shapes cannot be merged');
    for (let i = 0; i < other.#counts.length; i++) this.#counts[i] = (this.#counts[i] as number) + (other.#counts[i] as number);
    this.#total += other.#total;
    this.#sum += other.#sum;
    this.#min = Math.min(this.#min, other.#min);
    this.#max = Math.max(this.#max, other.#max);
  }

  /**
   * The value below which `p` (0 to 1) of the recorded values fall, nearest rank: the largest value of the
   * sub-bucket that holds the rank-th smallest (never above the largest value recorded).
   */
  percentile(p: number): number {
    if (this.#total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(p * this.#total));
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i] as number;
      if (seen >= rank) return Math.min(this.#highestIn(i), this.#max);
    }
    return this.#max;
  }

  /** Bucket 0 holds 0 … subCount-1 one by one; bucket m ≥ 1 holds [subCount·2^(m-1), subCount·2^m) in steps of 2^(m-1). */
  #indexOf(micros: number): number {
    if (micros < this.#subCount) return micros;
    const magnitude = Math.floor(Math.log2(micros)) - this.#subBits + 1;
    const step = 2 ** (magnitude - 1);
    const offset = Math.floor((micros - this.#subCount * step) / step);
    return magnitude * this.#subCount + Math.min(offset, this.#subCount - 1);
  }

  #highestIn(index: number): number {
    const magnitude = Math.floor(index / this.#subCount);
    const offset = index % this.#subCount;
    if (magnitude === 0) return offset;
    const step = 2 ** (magnitude - 1);
    return this.#subCount * step + (offset + 1) * step - 1;
  }
}

import type { Random } from '../clock.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';

/**
 * When requests arrive: a Poisson process whose rate may change over time. Arrivals are open-loop
 * — they do not wait for earlier requests to finish — so a slow instance cannot slow the load
 * down and hide its own tail ("coordinated omission", Gil Tene).
 */
export interface ArrivalProcess {
  /** The highest rate the process ever reaches, in requests per second. */
  readonly peakRatePerSecond: number;
  /** The rate at simulated time `ms`, in requests per second, never above the peak. */
  rateAt(ms: number): number;
}

/** A steady Poisson stream: exponential gaps averaging 1000 / rate milliseconds. */
export function poissonArrivals(ratePerSecond: number): ArrivalProcess {
  requirePositive('poissonArrivals(ratePerSecond)', ratePerSecond);
  return { peakRatePerSecond: ratePerSecond, rateAt: () => ratePerSecond };
}

export interface BurstyArrivalsOptions {
  /** The rate between bursts, in requests per second. */
  readonly baseRatePerSecond: number;
  /** The rate during a burst. */
  readonly burstRatePerSecond: number;
  /** A burst starts every `everyMs` (the first at `everyMs`)… */
  readonly everyMs: number;
  /** …and lasts this long. */
  readonly lengthMs: number;
}

/** A Poisson stream that jumps to a higher rate for `lengthMs` every `everyMs`. */
export function burstyArrivals(options: BurstyArrivalsOptions): ArrivalProcess {
  const { baseRatePerSecond, burstRatePerSecond, everyMs, lengthMs } = options;
  requirePositive('burstyArrivals(baseRatePerSecond)', baseRatePerSecond);
  requirePositive('burstyArrivals(burstRatePerSecond)', burstRatePerSecond);
  requirePositive('burstyArrivals(everyMs)', everyMs);
  if (!(lengthMs > 0 && lengthMs < everyMs)) {
    throw new InvalidOptionError('burstyArrivals(lengthMs)', `must be above 0 and below everyMs (${everyMs}), got ${lengthMs}`);
  }
  return {
    peakRatePerSecond: Math.max(baseRatePerSecond, burstRatePerSecond),
    rateAt: (ms) => (ms >= everyMs && ms % everyMs < lengthMs ? burstRatePerSecond : baseRatePerSecond),
  };
}

/**
 * The time of the next arrival after `fromMs`, by thinning (Lewis & Shedler, 1979): candidates
 * come at the peak rate and each is kept with probability rate(t) / peak, which yields exactly a
 * Poisson process of rate rate(t). A steady stream keeps every candidate.
 */
export function nextArrival(arrivals: ArrivalProcess, fromMs: number, random: Random): number {
  const peakPerMs = arrivals.peakRatePerSecond / 1000;
  let t = fromMs;
  while (true) {
    // 1 - random() lies in (0, 1], so the logarithm stays finite.
    t += -Math.log(1 - random()) / peakPerMs;
    const rate = arrivals.rateAt(t);
    if (rate >= arrivals.peakRatePerSecond || random() * arrivals.peakRatePerSecond < rate) return t;
  }
}

/**
 * A fixed number of callers, each waiting for its answer before it sends again: a closed loop, as load
 * testers such as slow_cooker and wrk run. Each worker sends at most `ratePerSecond`, on a steady tick
 * of its own (started at a random point of the first tick, so that workers do not fire in step). A tick
 * that falls while the worker waits is kept, and the next request goes as soon as the answer comes; any
 * further missed tick is dropped, as a Go ticker drops them. A slow fleet therefore receives fewer
 * requests: throughput is a result, not an input.
 */
export interface ClosedLoopLoad {
  readonly workers: number;
  /** Each worker's highest rate, in requests per second. */
  readonly ratePerSecond: number;
}

/** `workers` callers, each sending up to `ratePerSecond` and never more than one request at a time. */
export function closedLoop(options: ClosedLoopLoad): ClosedLoopLoad {
  requireCount('closedLoop(workers)', options.workers);
  requirePositive('closedLoop(ratePerSecond)', options.ratePerSecond);
  return { workers: options.workers, ratePerSecond: options.ratePerSecond };
}

/** What drives a simulation: open-loop arrivals, or closed-loop workers. */
export type Load = ArrivalProcess | ClosedLoopLoad;

export function isClosedLoop(load: Load): load is ClosedLoopLoad {
  return typeof (load as Partial<ClosedLoopLoad>).workers === 'number';
}

/**
 * Which key a request carries (a user id, a cart id), sent as a header so that consistent-hash
 * pickers can be simulated. Draws from the simulation's seeded random source.
 */
export type KeyDistribution = (random: Random) => string;

/** Keys `key-0` … `key-{count-1}`, all equally likely. */
export function uniformKeys(count: number): KeyDistribution {
  requireCount('uniformKeys(count)', count);
  return (random) => `key-${Math.floor(random() * count)}`;
}

/**
 * Keys `key-0` … `key-{count-1}` where key k is drawn with probability proportional to
 * 1 / (k + 1)^exponent: a few hot keys and a long tail, as real traffic has (Zipf's law).
 */
export function zipfKeys(count: number, exponent = 1): KeyDistribution {
  requireCount('zipfKeys(count)', count);
  requirePositive('zipfKeys(exponent)', exponent);
  const cumulative = new Float64Array(count);
  let total = 0;
  for (let k = 0; k < count; k++) {
    total += 1 / Math.pow(k + 1, exponent);
    cumulative[k] = total;
  }
  return (random) => {
    const target = random() * total;
    let low = 0;
    let high = count - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((cumulative[middle] ?? total) <= target) low = middle + 1;
      else high = middle;
    }
    return `key-${low}`;
  };
}

function requirePositive(option: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new InvalidOptionError(option, `must be a finite number above 0, got ${value}`);
  }
}

function requireCount(option: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidOptionError(option, `must be a whole number of at least 1, got ${value}`);
  }
}

import type { Random } from '../clock.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';

/**
 * How long an instance takes to serve one request, in milliseconds: a sampler that draws one
 * value from the simulation's seeded random source. Any function of this shape is a custom model
 * (a trace replayed from production, a bimodal mix); the helpers below cover the usual shapes.
 */
export type LatencyDistribution = (random: Random) => number;

/** Always the same latency: the easiest model to reason about in a test. */
export function fixedLatency(ms: number): LatencyDistribution {
  requireNonNegative('fixedLatency(ms)', ms);
  return () => ms;
}

/** Every latency in [minMs, maxMs) equally likely. */
export function uniformLatency(minMs: number, maxMs: number): LatencyDistribution {
  requireNonNegative('uniformLatency(minMs)', minMs);
  if (!(maxMs >= minMs)) {
    throw new InvalidOptionError('uniformLatency(maxMs)', `must be at least minMs (${minMs}), got ${maxMs}`);
  }
  const span = maxMs - minMs;
  return (random) => minMs + span * random();
}

/**
 * A bell curve around `meanMs`; draws below zero are clamped to zero, since no request completes
 * before it starts. Prefer `lognormalLatency` for real services: their tails are long, not symmetric.
 */
export function normalLatency(meanMs: number, stdDevMs: number): LatencyDistribution {
  requireNonNegative('normalLatency(meanMs)', meanMs);
  requireNonNegative('normalLatency(stdDevMs)', stdDevMs);
  return (random) => Math.max(0, meanMs + stdDevMs * standardNormal(random));
}

/**
 * The usual shape of service latency: most requests near the median, a long right tail. `sigma`
 * is the standard deviation of the latency's logarithm: 0.25 is a tight service, 1 a ragged one
 * (its p99 is about 10× its median).
 */
export function lognormalLatency(medianMs: number, sigma: number): LatencyDistribution {
  if (!(medianMs > 0)) {
    throw new InvalidOptionError('lognormalLatency(medianMs)', `must be a positive number of milliseconds, got ${medianMs}`);
  }
  requireNonNegative('lognormalLatency(sigma)', sigma);
  const mu = Math.log(medianMs);
  return (random) => Math.exp(mu + sigma * standardNormal(random));
}

/** The same shape, every draw multiplied by `factor`: how an instance degrades in a phase. */
export function scaledLatency(latency: LatencyDistribution, factor: number): LatencyDistribution {
  requireNonNegative('scaledLatency(factor)', factor);
  return (random) => latency(random) * factor;
}

/**
 * One draw from N(0, 1) by the Box–Muller transform (Box & Muller, 1958). The second variate it
 * yields is dropped so that each draw consumes exactly two random numbers, which keeps the
 * sequence of a seeded run independent of how draws interleave across instances.
 */
function standardNormal(random: Random): number {
  // 1 - random() lies in (0, 1], so the logarithm stays finite.
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function requireNonNegative(option: string, value: number): void {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new InvalidOptionError(option, `must be a finite number of at least 0, got ${value}`);
  }
}

import type { Random } from '../clock.js';

/**
 * "Full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015): after the n-th failure in a
 * row, wait a uniformly random time in [0, min(cap, base × 2^(n−1))). Instances that lost the same agent at
 * the same moment spread their retries out instead of arriving together when it comes back.
 */
export function fullJitterDelayMs(failures: number, baseMs: number, capMs: number, random: Random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(failures, 1) - 1, 30));
  return random() * ceiling;
}

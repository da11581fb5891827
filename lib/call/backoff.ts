import type { Random } from '../clock.js';

export interface BackoffOptions {
  /** The first retry waits up to this long. Default 25 ms (Envoy's retry back-off base). */
  readonly baseMs?: number;
  /** No wait is longer. Default 250 ms (Envoy's: ten times the base). */
  readonly maxMs?: number;
}

/**
 * "Full jitter" exponential backoff (AWS Architecture Blog, "Exponential Backoff and Jitter", 2015):
 * retry n waits a uniform random time in [0, min(max, base × 2^(n-1))). Randomising the whole interval
 * spreads a fleet's retries out, so an instance that blipped is not met by every client at once.
 *
 * @param retry 1 for the first retry
 */
export function fullJitterBackoff(retry: number, options: Required<BackoffOptions>, random: Random): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(retry - 1, 30));
  return random() * ceiling;
}

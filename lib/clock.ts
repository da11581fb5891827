/**
 * Sources of time and chance, injectable wherever behaviour depends on them (latency decay, jitter,
 * random choices) so that tests and the simulator are exact and reproducible.
 */

/** A monotonic clock in milliseconds. Only differences between readings are meaningful. */
export interface Clock {
  now(): number;
}

/** Returns a number in [0, 1), like `Math.random`. */
export type Random = () => number;

export const systemClock: Clock = { now: () => performance.now() };

export const systemRandom: Random = Math.random;

/**
 * A small, fast, seedable generator (mulberry32): good enough spread for load balancing and
 * simulation, and the same sequence for the same seed on every machine.
 *
 * The state lives in a typed array: a 32-bit number kept in a closure variable is boxed as a heap
 * number on every store, and a draw on the picking path must allocate nothing.
 */
export function seededRandom(seed: number): Random {
  const state = new Uint32Array([seed >>> 0]);
  return () => {
    const next = ((state[0] as number) + 0x6d2b79f5) >>> 0;
    state[0] = next;
    let t = Math.imul(next ^ (next >>> 15), next | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A clock that moves only when told to: for tests and the simulator. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += ms;
  }

  set(ms: number): void {
    this.#now = ms;
  }
}

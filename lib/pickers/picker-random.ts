import type { Random } from '../clock.js';

/**
 * The built-in pickers' default source of chance: mulberry32 (the generator of `seededRandom`),
 * seeded from `Math.random`, one per picker.
 *
 * Not `Math.random` itself because a pick should allocate nothing: V8's `Math.random` allocates
 * when it refills its internal cache (bench/pick.bench.ts measured 2–16 bytes per call, amortised),
 * and a 32-bit state kept in a closure variable is boxed as a heap number on every store. Here the
 * state lives in a typed array, and the draw is small enough to be inlined into the pick.
 */
export function pickerRandom(): Random {
  const state = new Uint32Array([Math.floor(Math.random() * 4294967296)]);
  return () => {
    const next = ((state[0] as number) + 0x6d2b79f5) >>> 0;
    state[0] = next;
    let t = Math.imul(next ^ (next >>> 15), next | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

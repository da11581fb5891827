import { seededRandom, type Random } from '../clock.js';

/**
 * The built-in pickers' default source of chance: `seededRandom`, seeded from `Math.random`, one
 * per picker.
 *
 * Not `Math.random` itself because a pick should allocate nothing: V8's `Math.random` allocates
 * when it refills its internal cache (bench/pick.bench.ts measured 2–16 bytes per call, amortised).
 */
export function pickerRandom(): Random {
  return seededRandom(Math.floor(Math.random() * 4294967296));
}

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

/**
 * A clock that can also run something later: every timer of the request path (deadlines, attempt
 * timeouts, backoff, hedges, breaker timers) goes through one, so the simulator can run the real call
 * model and health layer on simulated time.
 */
export interface Scheduler extends Clock {
  /** Runs `callback` once, `ms` from now. */
  delay(callback: () => void, ms: number): Timer;
}

export interface Timer {
  cancel(): void;
}

/**
 * Node's timers. `background` timers (breaker windows, ejection checks) do not keep the process alive;
 * the others (a call's deadline, a pending backoff) do, as the request they serve would.
 */
export function systemScheduler(options: { background?: boolean } = {}): Scheduler {
  const background = options.background === true;
  return {
    now: () => performance.now(),
    delay(callback, ms) {
      const handle = setTimeout(callback, ms);
      if (background) handle.unref();
      return { cancel: () => clearTimeout(handle) };
    },
  };
}

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

/**
 * A clock that moves only when told to, running the timers that fall due as it moves: for tests and the
 * simulator. Timers due at the same time run in the order they were set.
 */
export class ManualClock implements Scheduler {
  #now: number;
  #sequence = 0;
  readonly #timers: ManualTimer[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  delay(callback: () => void, ms: number): Timer {
    const timer: ManualTimer = { at: this.#now + Math.max(0, ms), sequence: this.#sequence++, callback, cancelled: false };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
        const index = this.#timers.indexOf(timer);
        if (index !== -1) this.#timers.splice(index, 1);
      },
    };
  }

  /** Timers set and not yet run or cancelled. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  advance(ms: number): void {
    this.set(this.#now + ms);
  }

  /** Moves to `ms`, running every timer due by then (and any they set that is due by then too). */
  set(ms: number): void {
    for (let due = this.#nextDue(ms); due !== undefined; due = this.#nextDue(ms)) {
      this.#timers.splice(this.#timers.indexOf(due), 1);
      this.#now = Math.max(this.#now, due.at);
      due.callback();
    }
    this.#now = Math.max(this.#now, ms);
  }

  #nextDue(by: number): ManualTimer | undefined {
    let next: ManualTimer | undefined;
    for (const timer of this.#timers) {
      if (timer.cancelled || timer.at > by) continue;
      if (next === undefined || timer.at < next.at || (timer.at === next.at && timer.sequence < next.sequence)) next = timer;
    }
    return next;
  }
}

interface ManualTimer {
  readonly at: number;
  readonly sequence: number;
  readonly callback: () => void;
  cancelled: boolean;
}

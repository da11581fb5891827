import type { Scheduler, Timer } from '../clock.js';
import { EventQueue } from './event-queue.js';

/**
 * What the simulation does at one instant. It returns whether it may have settled a promise: the
 * client's call model answers through promise chains, and those must run to the end before the next
 * event, as they would on a real event loop between two timers.
 */
type Action = () => boolean;

class SimulatedEvent implements Timer {
  /** Run or cancelled: either way, never again. */
  done = false;

  constructor(
    public action: Action,
    readonly background: boolean,
    private readonly owner: SimulatedTime,
  ) {}

  cancel(): void {
    if (this.done) return;
    this.done = true;
    // A cancelled deadline stays in the heap until its time comes; it must not keep its call alive.
    this.action = doNothing;
    this.owner.cancelled(this);
  }
}

const doNothing: Action = () => false;

/** The whole run happens inside turns of the event loop; every so many events it lets other work in. */
const yieldEvery = 5_000;

/**
 * The simulation's clock and timers: a `Scheduler` whose time moves from one event to the next, so a run
 * of simulated minutes takes seconds or less.
 *
 * Events wait in a binary heap ordered by (time, order of scheduling), so the same run always replays in
 * the same order and a run of hundreds of thousands of events stays fast (`ManualClock` scans a list).
 * A cancelled timer stays in the heap, marked, and is dropped when it comes up: the client cancels most
 * of its deadlines, and removing each from the middle of the heap would cost more than skipping it.
 *
 * After an event that may have settled a promise, the loop lets every promise reaction it set going run
 * to the end — the call's retry decision, the breaker's verdict, the caller's result — before time moves
 * on, as a real event loop would between two timers. Reactions run in the order they were queued, so the
 * order is the same on every run.
 *
 * Two kinds of timers: foreground ones (calls' deadlines and backoffs, instances answering, arrivals)
 * keep the run going; background ones (breakers' windows and open times) do not, as `unref`'d timers
 * do not keep a process alive. The run ends when no foreground event is left.
 */
export class SimulatedTime implements Scheduler {
  /** The same clock, for the timers that must not keep the run going. */
  readonly background: Scheduler;
  /**
   * Called each time the promises an event set going have come to rest, before time moves on; returning
   * `true` says it settled more promises, which must come to rest in turn.
   */
  afterSettle: (() => boolean) | undefined;
  readonly #queue = new EventQueue<SimulatedEvent>();
  #now = 0;
  #foreground = 0;

  constructor() {
    this.background = {
      now: () => this.#now,
      delay: (callback, ms) => this.#schedule(this.#now + clampDelay(ms), settling(callback), true),
    };
  }

  now(): number {
    return this.#now;
  }

  delay(callback: () => void, ms: number): Timer {
    return this.#schedule(this.#now + clampDelay(ms), settling(callback), false);
  }

  /**
   * Runs `action` at simulated time `at` (never before now); it returns whether it may have settled a
   * promise. For the simulation's own events: arrivals, instances answering.
   */
  at(at: number, action: Action): Timer {
    return this.#schedule(Math.max(at, this.#now), action, false);
  }

  /** Foreground events not yet run or cancelled. */
  get pending(): number {
    return this.#foreground;
  }

  /** Runs events in order until no foreground event is left; background ones still pending stay unrun. */
  run(): Promise<void> {
    return this.#runWhile(() => this.#foreground > 0, Infinity);
  }

  /** Runs every event due by now, background ones included (closing the clients needs their timers). */
  runDue(): Promise<void> {
    return this.#runWhile(() => true, this.#now);
  }

  /**
   * The event loop of the simulation. After an event that may have settled a promise, the next step
   * waits until every promise reaction queued so far has run, and those they queue in turn: it queues a
   * microtask that queues a `process.nextTick`, and Node runs a tick queued from a microtask only once
   * V8's microtask queue is empty. Nothing on the request path defers work with `nextTick` itself, so
   * when the step runs, the call model has come to rest.
   */
  #runWhile(more: () => boolean, until: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let sinceYield = 0;
      let settling = false;
      const step = (): void => {
        try {
          // What came to rest may call for more: an attempt whose caller gave up is ended now.
          if (settling && this.afterSettle?.() === true) {
            queueMicrotask(afterPromises);
            return;
          }
          settling = false;
          while (more()) {
            const event = this.#next(until);
            if (event === undefined) break;
            const settles = event.action();
            if (++sinceYield === yieldEvery) {
              sinceYield = 0;
              // Promises settle before an immediate runs: no microtask is needed on this path.
              settling = settles;
              setImmediate(step);
              return;
            }
            if (settles) {
              settling = true;
              queueMicrotask(afterPromises);
              return;
            }
          }
          resolve();
        } catch (error) {
          reject(error);
        }
      };
      const afterPromises = (): void => process.nextTick(step);
      // Started from a turn of its own, so that the first step runs outside whatever called run().
      setImmediate(step);
    });
  }

  /** Called by an event as it is cancelled. */
  cancelled(event: SimulatedEvent): void {
    if (!event.background) this.#foreground--;
  }

  #schedule(at: number, action: Action, background: boolean): SimulatedEvent {
    const event = new SimulatedEvent(action, background, this);
    if (!background) this.#foreground++;
    this.#queue.push(at, event);
    return event;
  }

  /** Takes the next event that was not cancelled, if it is due by `until`, and moves the clock to it. */
  #next(until: number): SimulatedEvent | undefined {
    while (true) {
      const at = this.#queue.peekTime();
      if (at > until) return undefined;
      const event = this.#queue.pop();
      if (event === undefined) return undefined;
      if (event.done) continue;
      // So that a late cancel() (a timer cancelled after it ran) does not count it twice.
      event.done = true;
      if (!event.background) this.#foreground--;
      this.#now = at;
      return event;
    }
  }
}

/** A timer's callback as an action: it may settle anything, so the loop lets promises run after it. */
function settling(callback: () => void): Action {
  return () => {
    callback();
    return true;
  };
}

function clampDelay(ms: number): number {
  return ms > 0 ? ms : 0;
}

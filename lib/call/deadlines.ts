import type { Scheduler, Timer } from '../clock.js';

/** What a deadline ends when it passes. */
export interface DeadlineHolder {
  deadlinePassed(): void;
}

/**
 * The deadlines of a client's calls, on one timer per distinct duration rather than one per call.
 *
 * Calls given the same duration expire in the order they started, so they form a queue: a call joins at
 * the tail and, in the common case, leaves from anywhere when it ends first. One scheduler timer is set
 * for the head's expiry; when it fires it ends every call whose time has come and is set again for the
 * next head. A call's deadline is then a few field writes where a timer of its own would be an object
 * of Node's, its list entry and a closure. A queue that empties lets go of its timer, so a client with
 * nothing in flight holds none: the saving is under concurrency, where calls overlap.
 */
export class Deadlines {
  readonly #scheduler: Scheduler;
  readonly #queues = new Map<number, DeadlineQueue>();

  constructor(scheduler: Scheduler) {
    this.#scheduler = scheduler;
  }

  /** Ends `holder` `ms` from now unless the returned timer is cancelled first. */
  start(holder: DeadlineHolder, ms: number): Timer {
    let queue = this.#queues.get(ms);
    if (queue === undefined) {
      queue = new DeadlineQueue(this.#scheduler, this.#queues, ms);
      this.#queues.set(ms, queue);
    }
    return queue.add(holder);
  }
}

/** Queues kept while empty: the durations a client commonly uses. */
const keptDurations = 16;

class Deadline implements Timer {
  previous: Deadline | undefined = undefined;
  next: Deadline | undefined = undefined;
  queued = true;

  constructor(
    readonly queue: DeadlineQueue,
    readonly holder: DeadlineHolder,
    readonly expiresAt: number,
  ) {}

  cancel(): void {
    if (this.queued) this.queue.remove(this);
  }
}

class DeadlineQueue {
  readonly #scheduler: Scheduler;
  readonly #owner: Map<number, DeadlineQueue>;
  readonly #durationMs: number;
  #head: Deadline | undefined;
  #tail: Deadline | undefined;
  #timer: Timer | undefined;
  readonly #fire = (): void => {
    this.#timer = undefined;
    const now = this.#scheduler.now();
    for (let head = this.#head; head !== undefined && head.expiresAt <= now; head = this.#head) {
      this.remove(head);
      head.holder.deadlinePassed();
    }
    const head = this.#head;
    if (head !== undefined && this.#timer === undefined) this.#timer = this.#scheduler.delay(this.#fire, head.expiresAt - now);
  };

  constructor(scheduler: Scheduler, owner: Map<number, DeadlineQueue>, durationMs: number) {
    this.#scheduler = scheduler;
    this.#owner = owner;
    this.#durationMs = durationMs;
  }

  add(holder: DeadlineHolder): Deadline {
    const deadline = new Deadline(this, holder, this.#scheduler.now() + this.#durationMs);
    const tail = this.#tail;
    if (tail === undefined) this.#head = deadline;
    else {
      tail.next = deadline;
      deadline.previous = tail;
    }
    this.#tail = deadline;
    if (this.#timer === undefined) this.#timer = this.#scheduler.delay(this.#fire, this.#durationMs);
    return deadline;
  }

  remove(deadline: Deadline): void {
    deadline.queued = false;
    const { previous, next } = deadline;
    if (previous === undefined) this.#head = next;
    else previous.next = next;
    if (next === undefined) this.#tail = previous;
    else next.previous = previous;
    deadline.previous = deadline.next = undefined;
    if (this.#head !== undefined) return;
    // Empty: no timer is left behind to hold the process. The queue of a usual duration stays for the
    // next call; past a few durations (timeouts computed per request) an empty one leaves the map.
    this.#timer?.cancel();
    this.#timer = undefined;
    if (this.#owner.size > keptDurations) this.#owner.delete(this.#durationMs);
  }
}

/**
 * The simulation's pending events, earliest first: a binary min-heap on (time, insertion order).
 * Ties in time go to the event scheduled first, so a seeded run replays identically.
 */
export class EventQueue<T> {
  readonly #heap: ScheduledEvent<T>[] = [];
  #scheduled = 0;

  get size(): number {
    return this.#heap.length;
  }

  /** The time of the earliest event, or `Infinity` when none is pending. */
  peekTime(): number {
    return this.#heap[0]?.time ?? Infinity;
  }

  push(time: number, item: T): void {
    this.#heap.push({ time, order: this.#scheduled++, item });
    this.#siftUp(this.#heap.length - 1);
  }

  /** Removes and returns the earliest event; `undefined` when none is pending. */
  pop(): T | undefined {
    const earliest = this.#heap[0];
    const last = this.#heap.pop();
    if (earliest === undefined || last === undefined) return undefined;
    if (this.#heap.length > 0) {
      this.#heap[0] = last;
      this.#siftDown(0);
    }
    return earliest.item;
  }

  #siftUp(index: number): void {
    const heap = this.#heap;
    let child = index;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!before(heap[child], heap[parent])) return;
      swap(heap, child, parent);
      child = parent;
    }
  }

  #siftDown(index: number): void {
    const heap = this.#heap;
    let parent = index;
    while (true) {
      const left = 2 * parent + 1;
      const right = left + 1;
      let earliest = parent;
      if (before(heap[left], heap[earliest])) earliest = left;
      if (before(heap[right], heap[earliest])) earliest = right;
      if (earliest === parent) return;
      swap(heap, parent, earliest);
      parent = earliest;
    }
  }
}

interface ScheduledEvent<T> {
  readonly time: number;
  readonly order: number;
  readonly item: T;
}

/** Whether `a` comes before `b`; a missing event (past the end of the heap) never does. */
function before<T>(a: ScheduledEvent<T> | undefined, b: ScheduledEvent<T> | undefined): boolean {
  if (a === undefined) return false;
  if (b === undefined) return true;
  return a.time < b.time || (a.time === b.time && a.order < b.order);
}

function swap<T>(heap: ScheduledEvent<T>[], a: number, b: number): void {
  const held = heap[a];
  const other = heap[b];
  if (held === undefined || other === undefined) return;
  heap[a] = other;
  heap[b] = held;
}

/**
 * The simulation's pending events, earliest first: a binary min-heap on (time, insertion order).
 * Ties in time go to the event scheduled first, so a seeded run replays identically. Times and orders
 * live in parallel arrays of plain numbers, so scheduling an event allocates nothing of its own.
 */
export class EventQueue<T> {
  readonly #times: number[] = [];
  readonly #orders: number[] = [];
  readonly #items: T[] = [];
  #scheduled = 0;

  get size(): number {
    return this.#items.length;
  }

  /** The time of the earliest event, or `Infinity` when none is pending. */
  peekTime(): number {
    return this.#items.length === 0 ? Infinity : (this.#times[0] as number);
  }

  push(time: number, item: T): void {
    this.#times.push(time);
    this.#orders.push(this.#scheduled++);
    this.#items.push(item);
    this.#siftUp(this.#items.length - 1);
  }

  /** Removes and returns the earliest event; `undefined` when none is pending. */
  pop(): T | undefined {
    const items = this.#items;
    if (items.length === 0) return undefined;
    const earliest = items[0] as T;
    const last = items.length - 1;
    this.#move(last, 0);
    this.#times.pop();
    this.#orders.pop();
    items.pop();
    if (items.length > 1) this.#siftDown(0);
    return earliest;
  }

  #siftUp(index: number): void {
    let child = index;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.#before(child, parent)) return;
      this.#swap(child, parent);
      child = parent;
    }
  }

  #siftDown(index: number): void {
    const size = this.#items.length;
    let parent = index;
    while (true) {
      const left = 2 * parent + 1;
      const right = left + 1;
      let earliest = parent;
      if (left < size && this.#before(left, earliest)) earliest = left;
      if (right < size && this.#before(right, earliest)) earliest = right;
      if (earliest === parent) return;
      this.#swap(parent, earliest);
      parent = earliest;
    }
  }

  /** Whether the event at `a` comes before the one at `b`. */
  #before(a: number, b: number): boolean {
    const timeA = this.#times[a] as number;
    const timeB = this.#times[b] as number;
    return timeA < timeB || (timeA === timeB && (this.#orders[a] as number) < (this.#orders[b] as number));
  }

  #swap(a: number, b: number): void {
    const times = this.#times;
    const orders = this.#orders;
    const items = this.#items;
    const time = times[a] as number;
    const order = orders[a] as number;
    const item = items[a] as T;
    times[a] = times[b] as number;
    orders[a] = orders[b] as number;
    items[a] = items[b] as T;
    times[b] = time;
    orders[b] = order;
    items[b] = item;
  }

  #move(from: number, to: number): void {
    this.#times[to] = this.#times[from] as number;
    this.#orders[to] = this.#orders[from] as number;
    this.#items[to] = this.#items[from] as T;
  }
}

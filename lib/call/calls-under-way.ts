/** What {@link CallsUnderWay} links: each member carries its own two links. */
export interface UnderWay<T> {
  previousUnderWay: T | undefined;
  nextUnderWay: T | undefined;
}

/**
 * The calls a client has under way, for `close()`: how many are left, and which to cancel when they
 * outlast its timeout. A doubly linked list threaded through the calls themselves rather than a `Set`:
 * a set of calls that come and go thousands of times a second grows and rehashes its table as they do,
 * an allocation per call that this list, a few field writes, does without.
 */
export class CallsUnderWay<T extends UnderWay<T>> {
  #head: T | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(member: T): void {
    const head = this.#head;
    member.previousUnderWay = undefined;
    member.nextUnderWay = head;
    if (head !== undefined) head.previousUnderWay = member;
    this.#head = member;
    this.#size++;
  }

  /** Takes `member` out; `false` when it was not in (removed already). */
  delete(member: T): boolean {
    const { previousUnderWay: previous, nextUnderWay: next } = member;
    if (previous === undefined && this.#head !== member) return false;
    if (previous === undefined) this.#head = next;
    else previous.nextUnderWay = next;
    if (next !== undefined) next.previousUnderWay = previous;
    member.previousUnderWay = member.nextUnderWay = undefined;
    this.#size--;
    return true;
  }

  /** The members now, as an array: safe to act on while they leave the list. */
  toArray(): T[] {
    const members: T[] = [];
    for (let member = this.#head; member !== undefined; member = member.nextUnderWay) members.push(member);
    return members;
  }
}

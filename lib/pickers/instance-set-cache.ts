import type { Instance } from '../discovery/instance.js';

/**
 * Derived state (a weight table, a filtered subset, a hash ring) kept per instances array.
 *
 * The client hands a picker the same frozen array until the set changes (membership for
 * `context.members`, availability for the instances to pick from), so state derived from an array
 * can be computed once and looked up by the array's identity. A few arrays may alternate — a canary
 * split hands the picker behind it two sides, a composed filter derives from both the members and
 * the available instances — so the two most recent arrays are checked first and older ones are kept
 * in a WeakMap, which lets them go once nobody holds the array any more.
 */
export class InstanceSetCache<T> {
  #lastInstances: readonly Instance[] | undefined;
  #lastValue: T | undefined;
  #previousInstances: readonly Instance[] | undefined;
  #previousValue: T | undefined;
  #older = new WeakMap<readonly Instance[], T>();
  readonly #derive: (instances: readonly Instance[]) => T;

  constructor(derive: (instances: readonly Instance[]) => T) {
    this.#derive = derive;
  }

  get(instances: readonly Instance[]): T {
    if (instances === this.#lastInstances) return this.#lastValue as T;
    let value: T | undefined;
    if (instances === this.#previousInstances) {
      value = this.#previousValue as T;
    } else {
      value = this.#older.get(instances);
      if (value === undefined) {
        value = this.#derive(instances);
        this.#older.set(instances, value);
      }
    }
    this.#previousInstances = this.#lastInstances;
    this.#previousValue = this.#lastValue;
    this.#lastInstances = instances;
    this.#lastValue = value;
    return value;
  }

  /** Forgets every derived value, e.g. when the state they point into was pruned. */
  clear(): void {
    this.#lastInstances = undefined;
    this.#lastValue = undefined;
    this.#previousInstances = undefined;
    this.#previousValue = undefined;
    this.#older = new WeakMap();
  }
}

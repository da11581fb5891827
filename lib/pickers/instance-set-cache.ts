import type { Instance } from '../discovery/instance.js';

/**
 * Derived state (a weight table, a filtered subset, per-instance slots) kept per instances array.
 *
 * The client hands a picker the same frozen array until membership changes, so state derived from
 * an array can be computed once and looked up by the array's identity. One array is usually live,
 * but a few may alternate — a canary split hands the picker behind it two subsets, a retry hands it
 * the set without the instance just tried — so the last array is checked first and older ones are
 * kept in a WeakMap, which lets them go once nobody holds the array any more.
 */
export class InstanceSetCache<T> {
  #lastInstances: readonly Instance[] | undefined;
  #lastValue: T | undefined;
  #older = new WeakMap<readonly Instance[], T>();
  readonly #derive: (instances: readonly Instance[]) => T;

  constructor(derive: (instances: readonly Instance[]) => T) {
    this.#derive = derive;
  }

  get(instances: readonly Instance[]): T {
    if (instances === this.#lastInstances && this.#lastValue !== undefined) return this.#lastValue;
    let value = this.#older.get(instances);
    if (value === undefined) {
      value = this.#derive(instances);
      this.#older.set(instances, value);
    }
    this.#lastInstances = instances;
    this.#lastValue = value;
    return value;
  }

  /** Forgets every derived value, e.g. when the state they point into was pruned. */
  clear(): void {
    this.#lastInstances = undefined;
    this.#lastValue = undefined;
    this.#older = new WeakMap();
  }
}

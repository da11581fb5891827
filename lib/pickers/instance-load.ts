import type { Instance } from '../discovery/instance.js';
import { InstanceSetCache } from './instance-set-cache.js';

/** What a load-aware picker knows of one instance: requests in flight and, for p2c-ewma, latency. */
export class InstanceLoad {
  inFlight = 0;

  constructor(
    /** The latency estimate in ms as it stood at `stampMs`. */
    public latencyMs: number,
    /** Clock reading of the last update to `latencyMs`. */
    public stampMs: number,
  ) {}
}

/** The loads of one instances array, index-aligned with it, and what pick needs of its weights. */
export interface InstanceLoadView<L extends InstanceLoad = InstanceLoad> {
  readonly loads: readonly L[];
  readonly weights: Float64Array;
  /** True when every instance has the same weight, so weights can be left out of the comparison. */
  readonly uniformWeights: boolean;
}

/**
 * The per-instance load of every instance a picker has seen, keyed by `id` so that it survives the
 * instance being replaced by a new snapshot (new tags, new weight) or the set changing around it.
 *
 * `pick` reads index-aligned views (one array access per candidate, no Map lookup); the hooks, which
 * receive an Instance, look its load up by id. Loads of instances that left the set are kept for a
 * while — an instance that flaps, or that a retry left out of the set for one call, keeps its
 * history — and pruned once the table holds more than twice the largest set seen since the last
 * pruning. A load with requests still in flight is never pruned, so their ends are still counted.
 */
export class InstanceLoadTable<L extends InstanceLoad = InstanceLoad> {
  readonly #byId = new Map<string, L>();
  readonly #newLoad: () => L;
  readonly #views = new InstanceSetCache<InstanceLoadView<L>>((instances) => this.#align(instances));
  #largestSet = 0;

  constructor(newLoad: () => L) {
    this.#newLoad = newLoad;
  }

  view(instances: readonly Instance[]): InstanceLoadView<L> {
    return this.#views.get(instances);
  }

  get(id: string): L | undefined {
    return this.#byId.get(id);
  }

  #align(instances: readonly Instance[]): InstanceLoadView<L> {
    this.#largestSet = Math.max(this.#largestSet, instances.length);
    if (this.#byId.size > 2 * this.#largestSet + 64) this.#prune(instances);
    const loads: L[] = new Array<L>(instances.length);
    const weights = new Float64Array(instances.length);
    let uniformWeights = true;
    for (let i = 0; i < instances.length; i++) {
      const instance = instances[i] as Instance;
      let load = this.#byId.get(instance.id);
      if (load === undefined) {
        load = this.#newLoad();
        this.#byId.set(instance.id, load);
      }
      loads[i] = load;
      weights[i] = instance.weight;
      if (instance.weight !== weights[0]) uniformWeights = false;
    }
    return { loads, weights, uniformWeights };
  }

  #prune(current: readonly Instance[]): void {
    const keep = new Set<string>();
    for (const instance of current) keep.add(instance.id);
    for (const [id, load] of this.#byId) {
      if (!keep.has(id) && load.inFlight === 0) this.#byId.delete(id);
    }
    // Views of other arrays may point at loads just dropped; they are rebuilt from the table on use.
    this.#views.clear();
    this.#largestSet = current.length;
  }
}

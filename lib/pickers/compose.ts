import type { Instance } from '../discovery/instance.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import type { InstanceFilter } from './filters.js';
import { NarrowedContext } from './narrowed-context.js';
import type { Picker, PickContext, RequestResult } from './picker.js';

/**
 * A picker that runs `filters` in order, then `picker` on what is left:
 * `compose(byTag('v2'), createPicker('p2c-ewma'))`. The hooks go to `picker`.
 *
 * When a filter leaves no instance the composed picker returns `undefined` — the client then fails
 * the request as having no instance to try — rather than quietly using the unfiltered set: a
 * request meant for `v2` must not reach `v1`. To keep traffic flowing to a subset only while it
 * exists, use `canary`, which never narrows to nothing while instances remain.
 *
 * Filters that judge each instance alone (`perInstance`: `byTag`, `byMeta`, `byInstance`) narrow the
 * membership too, so the picker behind derives its ring or subset from the instances it can be given.
 */
export function compose(...parts: [...filters: InstanceFilter[], picker: Picker]): Picker {
  const picker = parts[parts.length - 1] as Picker | undefined;
  if (picker === undefined || typeof picker.pick !== 'function') {
    throw new InvalidOptionError(
      'picker',
      "compose(...) takes instance filters and then a picker, e.g. compose(byTag('v2'), createPicker('p2c-ewma'))",
    );
  }
  const filters = parts.slice(0, -1) as InstanceFilter[];
  for (const filter of filters) {
    if (filter === null || typeof filter !== 'object' || typeof filter.select !== 'function') {
      throw new InvalidOptionError(
        'picker',
        `compose(...) takes instance filters (byTag, byMeta, byInstance, canary) before the picker; got ${String(filter)}`,
      );
    }
  }
  return new ComposedPicker(filters, picker);
}

class ComposedPicker implements Picker {
  readonly name: string;
  readonly #filters: readonly InstanceFilter[];
  readonly #picker: Picker;
  readonly #narrowed = new NarrowedContext();

  constructor(filters: readonly InstanceFilter[], picker: Picker) {
    this.#filters = filters;
    this.#picker = picker;
    this.name = [...filters.map((filter) => filter.name), picker.name ?? 'custom'].join(' | ');
  }

  pick(instances: readonly Instance[], context: PickContext): Instance | undefined {
    let remaining = instances;
    let members = context.members;
    for (let i = 0; i < this.#filters.length; i++) {
      const filter = this.#filters[i] as InstanceFilter;
      remaining = filter.select(remaining, context);
      if (remaining.length === 0) return undefined;
      if (filter.perInstance === true) members = filter.select(members, context);
    }
    return this.#picker.pick(remaining, members === context.members ? context : this.#narrowed.narrow(context, members));
  }

  onRequestStart(instance: Instance, context: PickContext): void {
    this.#picker.onRequestStart?.(instance, context);
  }

  onRequestEnd(instance: Instance, result: RequestResult, context: PickContext): void {
    this.#picker.onRequestEnd?.(instance, result, context);
  }
}

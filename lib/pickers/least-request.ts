import type { Instance } from '../discovery/instance.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { InstanceLoad, InstanceLoadTable } from './instance-load.js';
import type { PickContext, Picker, PickerBaseOptions } from './picker.js';
import { pickerRandom } from './picker-random.js';
import { TwoChoices } from './two-choices.js';
import { checkPickerOptions } from './picker-options.js';

export interface LeastRequestOptions extends PickerBaseOptions {
  /**
   * How strongly requests in flight count against an instance's weight when weights differ:
   * effective weight = weight / (in flight + 1) ^ bias. 0 ignores load (weights alone decide), 1
   * (the default, as in Envoy) makes in-flight requests settle in proportion to the weights.
   */
  readonly activeRequestBias?: number;
}

/**
 * Envoy's least_request: two instances drawn at random, the one with fewer requests in flight wins
 * ("the power of two choices", Mitzenmacher 2001: nearly as good as asking every instance, at the
 * cost of two). When weights differ, the one with the larger weight / (in flight + 1) ^ bias wins.
 * Ties go to the first drawn, which is itself random. A retry draws both among the instances it has
 * not tried.
 *
 * Requests are counted through `onRequestStart`/`onRequestEnd`, so this picker learns only from
 * the requests of the client it belongs to.
 */
export function leastRequest(options: LeastRequestOptions = {}): Picker {
  checkPickerOptions('least-request', options, ['activeRequestBias'], '{ activeRequestBias: 1 }');
  const bias = options.activeRequestBias ?? 1;
  if (typeof bias !== 'number' || !Number.isFinite(bias) || bias < 0) {
    throw new InvalidOptionError(
      'picker.activeRequestBias',
      `must be a finite number of at least 0 (got ${String(bias)}); Envoy's default, 1, balances requests in flight in proportion to weight`,
    );
  }
  const random = options.random ?? pickerRandom();
  const table = new InstanceLoadTable(() => new InstanceLoad(0, 0));
  const choices = new TwoChoices();

  return {
    name: 'least-request',
    pick(instances: readonly Instance[], context: PickContext): Instance | undefined {
      if (instances.length <= 1) return instances[0];
      const view = table.view(instances);
      if (!choices.draw(instances, random, context)) return instances[choices.first];
      const a = choices.first;
      const b = choices.second;
      const activeA = (view.loads[a] as InstanceLoad).inFlight;
      const activeB = (view.loads[b] as InstanceLoad).inFlight;
      let bWins: boolean;
      if (view.uniformWeights) {
        bWins = activeB < activeA;
      } else if (bias === 1) {
        // weightB / (activeB + 1) > weightA / (activeA + 1), without dividing.
        bWins = (view.weights[b] as number) * (activeA + 1) > (view.weights[a] as number) * (activeB + 1);
      } else {
        bWins =
          (view.weights[b] as number) / Math.pow(activeB + 1, bias) >
          (view.weights[a] as number) / Math.pow(activeA + 1, bias);
      }
      return instances[bWins ? b : a];
    },
    onRequestStart(instance: Instance): void {
      const load = table.get(instance.id);
      if (load !== undefined) load.inFlight++;
    },
    onRequestEnd(instance: Instance): void {
      const load = table.get(instance.id);
      if (load !== undefined && load.inFlight > 0) load.inFlight--;
    },
  };
}

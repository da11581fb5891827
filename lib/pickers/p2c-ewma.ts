import { systemClock } from '../clock.js';
import type { Instance } from '../discovery/instance.js';
import { InstanceLoad, InstanceLoadTable } from './instance-load.js';
import { decayedLatency, peakEwmaSettings, recordLatency } from './peak-ewma.js';
import type { PickContext, Picker, PickerBaseOptions, PickerEstimate, RequestResult } from './picker.js';
import { pickerRandom } from './picker-random.js';
import { TwoChoices } from './two-choices.js';
import { checkPickerOptions } from './picker-options.js';

export interface P2cEwmaOptions extends PickerBaseOptions {
  /** Time constant τ of the latency average in ms: older observations weigh exp(-age/τ). Default 10,000. */
  readonly decayMs?: number;
  /** The latency assumed for an instance not yet measured, in ms. Default 30 (linkerd2-proxy's default RTT). */
  readonly defaultLatencyMs?: number;
  /**
   * A failed attempt is recorded as a latency of `failurePenalty ×` the instance's current estimate
   * (at least `defaultLatencyMs`; at most one minute), or as its own latency if that is larger.
   * Default 2; 1 records a failure as no faster than the instance's current estimate.
   */
  readonly failurePenalty?: number;
}

/**
 * Power of two choices over peak-EWMA cost, as Finagle's `PeakEwma` balancer and Linkerd do: two
 * instances drawn at random, the cheaper wins, where cost = latency estimate × (in flight + 1).
 *
 * The estimate is a "peak" EWMA: an observation above it replaces it at once, so a slowing instance
 * is avoided after a single slow response; one below it is blended in with weight 1 - exp(-Δt/τ),
 * so it takes a while to be trusted again. Between observations the estimate decays toward zero with
 * the same τ (Finagle and tower read it through `observe(0)`): an instance that was avoided for
 * being slow is eventually tried again, and if it is fast now, it wins its traffic back.
 *
 * A new instance starts at `defaultLatencyMs`, not at zero, so it is not flooded before its first
 * response. A failure often comes back faster than any success (connection refused in a
 * millisecond), which would make a broken instance look like the best one; so a failure is recorded
 * as twice (`failurePenalty`) the current estimate or its own latency, whichever is larger; through the
 * peak rule that takes effect at once and doubles with every consecutive failure (up to a minute),
 * steering traffic away while the breaker decides whether to take the instance out. A retry draws
 * both candidates among the instances it has not tried.
 */
export function p2cEwma(options: P2cEwmaOptions = {}): Picker {
  checkPickerOptions('p2c-ewma', options, ['decayMs', 'defaultLatencyMs', 'failurePenalty'], '{ decayMs: 10_000 }');
  const settings = peakEwmaSettings(options);
  const { decayMs, defaultLatencyMs } = settings;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? pickerRandom();
  const table = new InstanceLoadTable(() => new InstanceLoad(defaultLatencyMs, clock.now()));
  const choices = new TwoChoices();

  return {
    name: 'p2c-ewma',
    pick(instances: readonly Instance[], context: PickContext): Instance | undefined {
      if (instances.length <= 1) return instances[0];
      const loads = table.view(instances).loads;
      if (!choices.draw(instances, random, context)) return instances[choices.first];
      const a = choices.first;
      const b = choices.second;
      const loadA = loads[a] as InstanceLoad;
      const loadB = loads[b] as InstanceLoad;
      // Decay multiplies each estimate by exp(-(now - stamp)/τ), so the ratio of two costs depends
      // on their stamps, not on now: the comparison needs no clock reading. The older estimate is
      // decayed to the younger one's stamp (a factor ≤ 1, so it cannot overflow).
      let costA = loadA.latencyMs * (loadA.inFlight + 1);
      let costB = loadB.latencyMs * (loadB.inFlight + 1);
      const gap = loadA.stampMs - loadB.stampMs;
      if (gap < 0) costA *= Math.exp(gap / decayMs);
      else if (gap > 0) costB *= Math.exp(-gap / decayMs);
      return instances[costB < costA ? b : a];
    },
    onRequestStart(instance: Instance): void {
      const load = table.get(instance.id);
      if (load !== undefined) load.inFlight++;
    },
    onRequestEnd(instance: Instance, result: RequestResult): void {
      const load = table.get(instance.id);
      if (load === undefined) return;
      if (load.inFlight > 0) load.inFlight--;
      recordLatency(load, result, clock.now(), settings);
    },
    estimate(instance: Instance): PickerEstimate | undefined {
      const load = table.get(instance.id);
      return load === undefined ? undefined : { latencyMs: decayedLatency(load, clock.now(), decayMs) };
    },
  };
}

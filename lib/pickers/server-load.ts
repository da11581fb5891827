import { systemClock } from '../clock.js';
import type { Instance } from '../discovery/instance.js';
import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { milliseconds } from '../options/option-checks.js';
import { InstanceLoad, InstanceLoadTable } from './instance-load.js';
import { decayedLatency, peakEwmaSettings, recordLatency } from './peak-ewma.js';
import type { PickContext, Picker, PickerBaseOptions, PickerEstimate, RequestResult } from './picker.js';
import { checkPickerOptions } from './picker-options.js';
import { pickerRandom } from './picker-random.js';

export interface ServerLoadOptions extends PickerBaseOptions {
  /** Instances drawn at random for each pick, 2 to 8. Default 2: more candidates herd many clients onto the same instance. */
  readonly candidates?: number;
  /**
   * An instance is *cold* while its requests in flight are at or below this quantile of the fleet's, and
   * *hot* above it. Default 0.75. Among cold candidates the fastest wins; when all are hot, the least busy.
   */
  readonly coldQuantile?: number;
  /** A report older than this is not used: the instance is treated as one that reports nothing. Default 5 000 ms. */
  readonly maxReportAgeMs?: number;
  /** How long a failure (a 5xx, a lost connection, a 429) keeps an instance hot, when no `Retry-After` says longer. Default 1 000 ms. */
  readonly failurePenaltyMs?: number;
  /** The fallback's peak-EWMA settings, as `p2c-ewma`'s. */
  readonly decayMs?: number;
  readonly defaultLatencyMs?: number;
  readonly failurePenalty?: number;
}

/** What this picker knows of one instance: p2c-ewma's latency and in-flight count, and the last report. */
class ReportedLoad extends InstanceLoad {
  /** Requests in flight the instance reported, less the one that carried the report; NaN before any report. */
  reportedInFlight = Number.NaN;
  /** Clock reading when the last report arrived. */
  reportedAt = Number.NEGATIVE_INFINITY;
  /** This client's requests in flight to it when that report arrived: the server counted those already. */
  inFlightAtReport = 0;
  /** Until this clock reading the instance counts as hot whatever it reports (a failure, a `Retry-After`). */
  penaltyUntil = Number.NEGATIVE_INFINITY;
}

/** The fleet's cold threshold is worked out again at most this often: it moves with load, not per request. */
const thresholdRefreshMs = 100;
const maxCandidates = 8;

/**
 * Balances on the load each instance reports of itself (`endpoint-load-metrics`, which `proxyless/express`
 * sends on every response): the requests in flight *at the server*, from every client, not only this one.
 *
 * The rule is Prequal's "hot-cold" choice (Wydrowski et al., NSDI 2024), which on YouTube cut tail latency
 * about 2× against weighted round-robin: draw a few candidates; those whose requests in flight (RIF) are at
 * or below a quantile of the fleet's are *cold*, and among them the one with the lowest latency wins (weighed by
 * this client's requests in flight to it, as p2c-ewma weighs it); if all
 * are hot, the one with the fewest requests in flight wins. RIF leads because it is what queues — latency
 * alone lags, and a client's own in-flight count misses the other clients' load, which is why least-request
 * gains little with many callers. A report's RIF is brought forward by the requests this client has sent
 * there since, so a burst between two reports is not all sent to the same instance.
 *
 * gRPC's weighted round-robin (gRFC A58) weighs by qps / utilization instead; it needs reports over seconds
 * to settle (a 10 s blackout) and reacts to a noisy neighbour only as fast as its weights are recomputed,
 * where RIF moves with every response.
 *
 * Fast failures must not look attractive (linkerd2-proxy #4537): a failed attempt makes its instance hot
 * for `failurePenaltyMs`, or as long as its `Retry-After` asks, and raises its latency estimate as
 * p2c-ewma does. Instances that report nothing, or whose last report is older than `maxReportAgeMs` —
 * servers that are not proxyless's, a version without the report — are compared by p2c-ewma's rule
 * (latency × (in flight + 1)), so the picker is safe against any server.
 */
export function serverLoad(options: ServerLoadOptions = {}): Picker {
  checkPickerOptions(
    'server-load',
    options,
    ['candidates', 'coldQuantile', 'maxReportAgeMs', 'failurePenaltyMs', 'decayMs', 'defaultLatencyMs', 'failurePenalty'],
    '{ coldQuantile: 0.75 }',
  );
  const settings = peakEwmaSettings(options);
  const candidateCount = options.candidates ?? 2;
  if (!Number.isInteger(candidateCount) || candidateCount < 2 || candidateCount > maxCandidates) {
    throw new InvalidOptionError('picker.candidates', `must be a whole number from 2 to ${maxCandidates} (got ${String(candidateCount)}); the default is 2`);
  }
  const coldQuantile = options.coldQuantile ?? 0.75;
  if (typeof coldQuantile !== 'number' || !(coldQuantile > 0 && coldQuantile <= 1)) {
    throw new InvalidOptionError('picker.coldQuantile', `must be a number above 0 and at most 1 (got ${String(coldQuantile)}); the default is 0.75`);
  }
  const maxReportAgeMs = options.maxReportAgeMs === undefined ? 5_000 : milliseconds('picker.maxReportAgeMs', options.maxReportAgeMs, { min: 1 });
  const failurePenaltyMs = options.failurePenaltyMs === undefined ? 1_000 : milliseconds('picker.failurePenaltyMs', options.failurePenaltyMs);
  const clock = options.clock ?? systemClock;
  const random = options.random ?? pickerRandom();
  const table = new InstanceLoadTable(() => new ReportedLoad(settings.defaultLatencyMs, clock.now()));

  // Kept across picks, so a pick allocates nothing.
  const chosen = new Int32Array(maxCandidates);
  let scratch = new Float64Array(16);
  let threshold = Number.POSITIVE_INFINITY;
  let thresholdAt = Number.NEGATIVE_INFINITY;
  let thresholdLoads: readonly ReportedLoad[] | undefined;

  function serverInFlight(load: ReportedLoad): number {
    return Math.max(0, load.reportedInFlight + load.inFlight - load.inFlightAtReport);
  }

  function fresh(load: ReportedLoad, now: number): boolean {
    return now - load.reportedAt <= maxReportAgeMs && !Number.isNaN(load.reportedInFlight);
  }

  /** The cold threshold: the `coldQuantile` of the fresh reports' in-flight counts, over the whole set. */
  function refreshThreshold(loads: readonly ReportedLoad[], now: number): void {
    thresholdAt = now;
    thresholdLoads = loads;
    if (scratch.length < loads.length) scratch = new Float64Array(loads.length * 2);
    let count = 0;
    for (const load of loads) if (fresh(load, now)) scratch[count++] = serverInFlight(load);
    threshold = count === 0 ? Number.POSITIVE_INFINITY : quantile(scratch, count, coldQuantile);
  }

  /** Draws up to `candidateCount` distinct untried positions into `chosen`; returns how many. */
  function draw(instances: readonly Instance[], context: PickContext): number {
    const count = instances.length;
    const wanted = Math.min(candidateCount, count);
    let drawn = 0;
    for (let tries = 0; tries < wanted * 4 && drawn < wanted; tries++) {
      const at = Math.floor(random() * count);
      if (context.tried(instances[at] as Instance) || seen(at, drawn)) continue;
      chosen[drawn++] = at;
    }
    // Few untried left: take them in order from a random place.
    if (drawn < wanted) {
      const start = Math.floor(random() * count);
      for (let step = 0; step < count && drawn < wanted; step++) {
        const at = (start + step) % count;
        if (!context.tried(instances[at] as Instance) && !seen(at, drawn)) chosen[drawn++] = at;
      }
    }
    return drawn;
  }

  function seen(at: number, drawn: number): boolean {
    for (let i = 0; i < drawn; i++) if (chosen[i] === at) return true;
    return false;
  }

  return {
    name: 'server-load',
    pick(instances: readonly Instance[], context: PickContext): Instance | undefined {
      if (instances.length <= 1) return instances[0];
      const loads = table.view(instances).loads;
      const drawn = draw(instances, context);
      // Every instance was tried: any will do, as on a first attempt.
      if (drawn === 0) return instances[Math.floor(random() * instances.length)];
      if (drawn === 1) return instances[chosen[0] as number];
      const now = clock.now();
      if (loads !== thresholdLoads || now - thresholdAt > thresholdRefreshMs) refreshThreshold(loads, now);

      let reporting = true;
      for (let i = 0; i < drawn; i++) if (!fresh(loads[chosen[i] as number] as ReportedLoad, now)) reporting = false;

      let best = -1;
      if (reporting) {
        // Hot-cold: the fastest cold candidate; failing that, the least busy.
        let bestLatency = Number.POSITIVE_INFINITY;
        for (let i = 0; i < drawn; i++) {
          const load = loads[chosen[i] as number] as ReportedLoad;
          if (load.penaltyUntil > now || serverInFlight(load) > threshold) continue;
          // Weighed by this client's own requests in flight, as p2c-ewma weighs it: Prequal's latency is the
          // server's estimate at its current load, which a client cannot see; latency alone sends burst after
          // burst to whichever cold instance measured fastest.
          const latency = decayedLatency(load, now, settings.decayMs) * (load.inFlight + 1);
          if (latency < bestLatency) {
            bestLatency = latency;
            best = i;
          }
        }
        if (best < 0) {
          let bestInFlight = Number.POSITIVE_INFINITY;
          for (let i = 0; i < drawn; i++) {
            const load = loads[chosen[i] as number] as ReportedLoad;
            const inFlight = serverInFlight(load) + (load.penaltyUntil > now ? 1e9 : 0);
            if (inFlight < bestInFlight) {
              bestInFlight = inFlight;
              best = i;
            }
          }
        }
      } else {
        // p2c-ewma's rule, for instances that report nothing: latency × (in flight + 1).
        let bestCost = Number.POSITIVE_INFINITY;
        for (let i = 0; i < drawn; i++) {
          const load = loads[chosen[i] as number] as ReportedLoad;
          const cost = decayedLatency(load, now, settings.decayMs) * (load.inFlight + 1) * (load.penaltyUntil > now ? 1e9 : 1);
          if (cost < bestCost) {
            bestCost = cost;
            best = i;
          }
        }
      }
      return instances[chosen[best] as number];
    },
    onRequestStart(instance: Instance): void {
      const load = table.get(instance.id);
      if (load !== undefined) load.inFlight++;
    },
    onRequestEnd(instance: Instance, result: RequestResult): void {
      const load = table.get(instance.id);
      if (load === undefined) return;
      if (load.inFlight > 0) load.inFlight--;
      const now = clock.now();
      recordLatency(load, result, now, settings);
      const reported = result.serverLoad?.requestsInFlight;
      if (reported !== undefined) {
        // The report counted the request that carried it, which has ended.
        load.reportedInFlight = Math.max(0, reported - 1);
        load.reportedAt = now;
        load.inFlightAtReport = load.inFlight;
        // The first reports: the threshold worked out without any is no threshold at all.
        if (threshold === Number.POSITIVE_INFINITY) thresholdAt = Number.NEGATIVE_INFINITY;
      }
      if (result.outcome === 'failure') {
        const penaltyMs = result.retryAfterMs ?? failurePenaltyMs;
        load.penaltyUntil = Math.max(load.penaltyUntil, now + penaltyMs);
      }
    },
    estimate(instance: Instance): PickerEstimate | undefined {
      const load = table.get(instance.id);
      return load === undefined ? undefined : { latencyMs: decayedLatency(load, clock.now(), settings.decayMs) };
    },
  };
}

/** The `q` quantile of the first `count` values (reordered in place): Hoare's selection, no allocation. */
function quantile(values: Float64Array, count: number, q: number): number {
  // The lower of the two values around q (no interpolation): in a fleet of two, the busier is hot.
  const k = Math.min(count - 1, Math.floor(q * (count - 1)));
  let left = 0;
  let right = count - 1;
  while (left < right) {
    const pivot = values[(left + right) >> 1] as number;
    let i = left;
    let j = right;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const swap = values[i] as number;
        values[i] = values[j] as number;
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k] as number;
}

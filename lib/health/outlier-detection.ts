import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { milliseconds, numberInRange, rejectUnknownKeys, requireOptionsObject, wholeNumber } from '../options/option-checks.js';

/**
 * Outlier ejection: every `intervalMs`, instances are compared with each other over what they answered
 * in that interval, and one that fails far more than its peers is taken out for a while — Envoy's outlier
 * detection and gRPC's (gRFC A50), whose defaults these are. A breaker judges an instance on its own
 * record; this judges it against the fleet, so an instance failing 10 % of requests while the others fail
 * none goes out, though no breaker threshold is crossed. Ejections share the breakers' cap
 * (`breaker.maxEjectionPercent`) and grow like them: `baseEjectionMs` × times ejected, up to `maxEjectionMs`.
 */
export interface OutlierDetectionOptions {
  /** How often instances are compared, and ejected ones returned. Default 10,000 ms. */
  readonly intervalMs?: number;
  /** The first ejection's length. Default 30,000 ms. */
  readonly baseEjectionMs?: number;
  /** The longest ejection. Default 300,000 ms. */
  readonly maxEjectionMs?: number;
  /**
   * Eject an instance whose success rate is below the mean by more than `stdevFactor` standard
   * deviations, among at least `minimumHosts` instances with `requestVolume` requests each in the
   * interval; or `false`. Default `{ stdevFactor: 1.9, minimumHosts: 5, requestVolume: 100 }` (on, as Envoy).
   */
  readonly successRate?: SuccessRateOptions | false;
  /**
   * Eject an instance that failed more than `threshold` percent of at least `requestVolume` requests in
   * the interval, when `minimumHosts` instances have that many; or `false`. Default `false` (as Envoy):
   * each instance's breaker already opens on its own failure share. `{}` turns it on with 85 %, 5, 50.
   */
  readonly failurePercentage?: FailurePercentageOptions | false;
}

export interface SuccessRateOptions {
  readonly stdevFactor?: number;
  readonly minimumHosts?: number;
  readonly requestVolume?: number;
}

export interface FailurePercentageOptions {
  readonly threshold?: number;
  readonly minimumHosts?: number;
  readonly requestVolume?: number;
}

export interface ResolvedOutlierDetection {
  readonly intervalMs: number;
  readonly baseEjectionMs: number;
  readonly maxEjectionMs: number;
  readonly successRate: Required<SuccessRateOptions> | false;
  readonly failurePercentage: Required<FailurePercentageOptions> | false;
}

export function resolveOutlierDetection(options: OutlierDetectionOptions | false | undefined): ResolvedOutlierDetection | false {
  if (options === false) return false;
  const given: OutlierDetectionOptions = options ?? {};
  const path = 'breaker.outlierDetection';
  requireOptionsObject(path, given, '{ intervalMs: 10_000 }, or false');
  rejectUnknownKeys(path, given, ['intervalMs', 'baseEjectionMs', 'maxEjectionMs', 'successRate', 'failurePercentage']);
  const baseEjectionMs = milliseconds(`${path}.baseEjectionMs`, given.baseEjectionMs ?? 30_000);
  const maxEjectionMs = milliseconds(`${path}.maxEjectionMs`, given.maxEjectionMs ?? Math.max(300_000, baseEjectionMs));
  if (maxEjectionMs < baseEjectionMs) {
    throw new InvalidOptionError(`${path}.maxEjectionMs`, `must be at least ${path}.baseEjectionMs (${baseEjectionMs} ms); got ${maxEjectionMs}`);
  }
  return {
    intervalMs: milliseconds(`${path}.intervalMs`, given.intervalMs ?? 10_000, { min: 10 }),
    baseEjectionMs,
    maxEjectionMs,
    successRate: resolveSuccessRate(`${path}.successRate`, given.successRate),
    failurePercentage: resolveFailurePercentage(`${path}.failurePercentage`, given.failurePercentage),
  };
}

function resolveSuccessRate(path: string, options: SuccessRateOptions | false | undefined): Required<SuccessRateOptions> | false {
  if (options === false) return false;
  const given: SuccessRateOptions = options ?? {};
  requireOptionsObject(path, given, '{ stdevFactor: 1.9 }, or false');
  rejectUnknownKeys(path, given, ['stdevFactor', 'minimumHosts', 'requestVolume']);
  return {
    stdevFactor: numberInRange(`${path}.stdevFactor`, given.stdevFactor ?? 1.9, 0, 100, 'a number of standard deviations'),
    minimumHosts: wholeNumber(`${path}.minimumHosts`, given.minimumHosts ?? 5, 1),
    requestVolume: wholeNumber(`${path}.requestVolume`, given.requestVolume ?? 100, 1),
  };
}

function resolveFailurePercentage(path: string, options: FailurePercentageOptions | false | undefined): Required<FailurePercentageOptions> | false {
  if (options === undefined || options === false) return false;
  requireOptionsObject(path, options, '{ threshold: 85 }, or false');
  rejectUnknownKeys(path, options, ['threshold', 'minimumHosts', 'requestVolume']);
  return {
    threshold: numberInRange(`${path}.threshold`, options.threshold ?? 85, 0, 100, 'a percentage'),
    minimumHosts: wholeNumber(`${path}.minimumHosts`, options.minimumHosts ?? 5, 1),
    requestVolume: wholeNumber(`${path}.requestVolume`, options.requestVolume ?? 50, 1),
  };
}

/** What one instance answered in the interval. */
export interface IntervalRecord {
  readonly successes: number;
  readonly failures: number;
}

/**
 * The instances to eject after an interval, most failing first (so the cap, applied by the caller, takes
 * the worst): the success-rate rule, then the failure-percentage rule, as gRFC A50 runs them.
 */
export function outliers<R extends IntervalRecord>(records: readonly R[], options: ResolvedOutlierDetection): R[] {
  const found = new Set<R>();
  const successRate = options.successRate;
  if (successRate !== false) {
    const volume = records.filter((record) => record.successes + record.failures >= successRate.requestVolume);
    if (volume.length >= successRate.minimumHosts) {
      const rates = volume.map((record) => record.successes / (record.successes + record.failures));
      const mean = rates.reduce((sum, rate) => sum + rate, 0) / rates.length;
      const stdev = Math.sqrt(rates.reduce((sum, rate) => sum + (rate - mean) ** 2, 0) / rates.length);
      const floor = mean - successRate.stdevFactor * stdev;
      volume.forEach((record, i) => {
        if ((rates[i] as number) < floor) found.add(record);
      });
    }
  }
  const failurePercentage = options.failurePercentage;
  if (failurePercentage !== false) {
    const volume = records.filter((record) => record.successes + record.failures >= failurePercentage.requestVolume);
    if (volume.length >= failurePercentage.minimumHosts) {
      for (const record of volume) {
        if ((100 * record.failures) / (record.successes + record.failures) > failurePercentage.threshold) found.add(record);
      }
    }
  }
  const failing = (record: R): number => record.failures / Math.max(1, record.successes + record.failures);
  return [...found].sort((a, b) => failing(b) - failing(a));
}

import { InvalidOptionError } from '../errors/invalid-option-error.js';
import { describeValue, maxTimerMs } from '../options/option-checks.js';

/**
 * A duration as Consul writes one — `'5s'`, `'500ms'`, `'1m'`, `'1.5h'` — or a number of milliseconds.
 * Check intervals and TTLs read naturally in Consul's own notation, so both are accepted.
 */
export type Duration = number | string;

const unitMs: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

export interface DurationRule {
  /** Smallest value allowed, in milliseconds. */
  readonly min: number;
  /** Why the minimum exists, said after it (e.g. "Consul runs a check at most once a second"). */
  readonly why?: string;
}

/** Milliseconds of a {@link Duration} option named `path`, at least `rule.min` and at most what a Node timer holds. */
export function durationMs(path: string, value: unknown, rule: DurationRule): number {
  let ms: number | undefined;
  if (typeof value === 'number' && Number.isFinite(value)) ms = value;
  if (typeof value === 'string') {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
    if (match) ms = Number(match[1]) * (unitMs[match[2] ?? ''] ?? Number.NaN);
  }
  if (ms === undefined || Number.isNaN(ms)) {
    throw new InvalidOptionError(path, `must be a duration such as '5s', '500ms' or '1m', or a number of milliseconds; got ${describeValue(value)}`);
  }
  ms = Math.round(ms);
  if (ms < rule.min) {
    const why = rule.why === undefined ? '' : ` (${rule.why})`;
    throw new InvalidOptionError(path, `must be at least ${formatMs(rule.min)}${why}; got ${describeValue(value)}`);
  }
  if (ms > maxTimerMs) {
    throw new InvalidOptionError(path, `must be at most ${maxTimerMs} ms (about 24.8 days, the longest a Node timer holds); got ${describeValue(value)}`);
  }
  return ms;
}

/** Go's duration syntax, which Consul reads. */
export function consulDuration(ms: number): string {
  return `${ms}ms`;
}

function formatMs(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

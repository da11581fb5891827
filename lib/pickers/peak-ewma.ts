import { InvalidOptionError } from '../errors/invalid-option-error.js';
import type { InstanceLoad } from './instance-load.js';
import type { RequestResult } from './picker.js';

/** The settings of a peak-EWMA latency estimate (Finagle's `PeakEwma`, Linkerd's default). */
export interface PeakEwmaSettings {
  /** Time constant τ in ms: older observations weigh exp(-age/τ). */
  readonly decayMs: number;
  /** The latency assumed for an instance not yet measured, in ms. */
  readonly defaultLatencyMs: number;
  /** A failure is recorded as this multiple of the current estimate (at least `defaultLatencyMs`). */
  readonly failurePenalty: number;
}

/** Consecutive failures stop raising the estimate here, so that a fixed instance is retried within minutes. */
const failureCeilingMs = 60_000;
const minLatencyMs = 0.001;

/** Checks and defaults the peak-EWMA options of a picker (`p2c-ewma`, and `server-load`'s fallback). */
export function peakEwmaSettings(options: { readonly decayMs?: number; readonly defaultLatencyMs?: number; readonly failurePenalty?: number }): PeakEwmaSettings {
  const decayMs = options.decayMs ?? 10_000;
  const defaultLatencyMs = options.defaultLatencyMs ?? 30;
  const failurePenalty = options.failurePenalty ?? 2;
  if (typeof decayMs !== 'number' || !Number.isFinite(decayMs) || decayMs <= 0) {
    throw new InvalidOptionError(
      'picker.decayMs',
      `must be a finite number of milliseconds above 0 (got ${String(decayMs)}); the default, 10000, is Finagle's and Linkerd's`,
    );
  }
  if (typeof defaultLatencyMs !== 'number' || !Number.isFinite(defaultLatencyMs) || defaultLatencyMs <= 0) {
    throw new InvalidOptionError(
      'picker.defaultLatencyMs',
      `must be a finite number of milliseconds above 0 (got ${String(defaultLatencyMs)}); the default is 30`,
    );
  }
  if (typeof failurePenalty !== 'number' || !Number.isFinite(failurePenalty) || failurePenalty < 1) {
    throw new InvalidOptionError(
      'picker.failurePenalty',
      `must be a finite number of at least 1 (got ${String(failurePenalty)}); the default is 2`,
    );
  }
  return { decayMs, defaultLatencyMs, failurePenalty };
}

/** The estimate of `load` at `now`: decayed toward zero since its last update. */
export function decayedLatency(load: InstanceLoad, now: number, decayMs: number): number {
  const elapsed = now - load.stampMs;
  return elapsed > 0 ? load.latencyMs * Math.exp(-elapsed / decayMs) : load.latencyMs;
}

/**
 * Records one attempt's latency into `load`'s peak EWMA: an observation above the estimate replaces it at
 * once; one below is blended in with weight 1 - exp(-Δt/τ). A failure counts as `failurePenalty ×` the
 * current estimate (or its own latency, if larger), so a fast failure never makes an instance look good;
 * a cancelled attempt is a lower bound that may raise the estimate, never lower it.
 */
export function recordLatency(load: InstanceLoad, result: RequestResult, now: number, settings: PeakEwmaSettings): void {
  const current = decayedLatency(load, now, settings.decayMs);
  // A zero estimate would make the cost zero whatever is in flight (clients timing with Date.now() see
  // 0 ms often), so latencies are counted as at least a microsecond.
  const latency = Number.isFinite(result.latencyMs) && result.latencyMs > minLatencyMs ? result.latencyMs : minLatencyMs;
  if (result.outcome === 'cancelled' && latency <= current) return;
  const observed =
    result.outcome === 'failure'
      ? Math.max(latency, Math.min(settings.failurePenalty * Math.max(current, settings.defaultLatencyMs), failureCeilingMs))
      : latency;
  if (observed > current) {
    load.latencyMs = observed;
  } else {
    const decay = Math.exp(-Math.max(0, now - load.stampMs) / settings.decayMs);
    load.latencyMs = current + observed * (1 - decay);
  }
  load.stampMs = now;
}

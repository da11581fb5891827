import type { Comparison } from '../simulation.js';
import { axes, document, formatMs, gridLine, polyline, singleFrame as frame, text } from './svg.js';

/**
 * Latency percentiles per candidate — the distribution of what callers waited, as a cumulative curve:
 * latency on a logarithmic x axis, percentile on a "nines" y axis (50 %, 90 %, 99 %, 99.9 % equally
 * spaced), so the tail, where candidates differ, gets the room. Requests never answered are off the
 * chart to the right: the curve stops short of 100 % by their share.
 */
export function latencyPercentileChart(comparison: Comparison): string {
  const reports = comparison.reports;
  const allPoints = reports.flatMap((report) => report.latencyQuantiles).filter((point) => Number.isFinite(point.ms));
  const positive = allPoints.map((point) => point.ms).filter((ms) => ms > 0);
  const low = niceLogFloor(positive.length === 0 ? 1 : Math.min(...positive));
  const high = niceLogCeil(positive.length === 0 ? 10 : Math.max(...positive, low * 10));
  // Up to 99.99 %: beyond it a run of ten thousand requests has one or two samples.
  const maxNines = Math.min(4, Math.max(1, Math.ceil(Math.max(0, ...allPoints.map((point) => nines(point.quantile))) - 0.1)));
  const x = (ms: number): number =>
    frame.left + (frame.width * (Math.log10(Math.max(ms, low)) - Math.log10(low))) / (Math.log10(high) - Math.log10(low));
  const y = (n: number): number => frame.top + frame.height * (1 - Math.min(n, maxNines) / maxNines);

  const parts: string[] = [];
  for (const tick of logTicks(low, high)) {
    const left = x(tick);
    parts.push(gridLine(left, frame.top, left, frame.top + frame.height));
    parts.push(text(left, frame.top + frame.height + 20, formatMs(tick), 'middle'));
  }
  const yTicks = [0, Math.log10(2), ...Array.from({ length: Math.floor(maxNines) }, (_, index) => index + 1)];
  for (const tick of yTicks) {
    const top = y(tick);
    parts.push(gridLine(frame.left, top, frame.left + frame.width, top));
    parts.push(text(frame.left - 8, top + 4, `${round3((1 - Math.pow(10, -tick)) * 100)} %`, 'end'));
  }
  reports.forEach((report, index) => {
    const points = report.latencyQuantiles.filter((point) => Number.isFinite(point.ms)).map((point) => [x(point.ms), y(nines(point.quantile))] as const);
    parts.push(polyline(points, index));
  });
  parts.push(...axes(frame, 'latency (ms, log scale)', 'percentile'));
  return document(
    `Latency percentiles — ${comparison.scenario} (seed ${comparison.seed})`,
    460,
    parts,
    reports.map((report, index) => ({ name: report.candidate, mark: 'line', index })),
  );
}

/** How many nines a quantile has: 0.9 → 1, 0.99 → 2. */
function nines(quantile: number): number {
  return quantile >= 1 ? Infinity : -Math.log10(1 - quantile);
}

/** Ticks at 1, 2 and 5 times each power of ten between `low` and `high`. */
function logTicks(low: number, high: number): number[] {
  const ticks: number[] = [];
  for (let decade = Math.floor(Math.log10(low)); Math.pow(10, decade) <= high; decade++) {
    for (const mantissa of [1, 2, 5]) {
      const tick = mantissa * Math.pow(10, decade);
      if (tick >= low * 0.999 && tick <= high * 1.001) ticks.push(tick);
    }
  }
  return ticks;
}

/** The largest of 1, 2, 5 × 10^k at or below `value`. */
function niceLogFloor(value: number): number {
  const decade = Math.pow(10, Math.floor(Math.log10(value)));
  const mantissa = value / decade;
  return (mantissa >= 5 ? 5 : mantissa >= 2 ? 2 : 1) * decade;
}

/** The smallest of 1, 2, 5 × 10^k at or above `value`. */
function niceLogCeil(value: number): number {
  const decade = Math.pow(10, Math.floor(Math.log10(value)));
  const mantissa = value / decade;
  return (mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10) * decade;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

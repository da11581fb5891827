import type { TimelineWindow } from '../report.js';
import type { Comparison } from '../simulation.js';
import type { Frame } from './svg.js';
import { axes, document, escape, gridLine, MARGIN, niceStep, polyline, round, singleFrame, text, WIDTH } from './svg.js';

// Paul Tol's "muted" scheme, readable with the common colour-vision deficiencies, and two of Okabe and
// Ito's after it: twelve instances stacked in one panel; more reuse them.
const INSTANCE_PALETTE = ['#332288', '#88CCEE', '#44AA99', '#117733', '#999933', '#DDCC77', '#CC6677', '#882255', '#AA4499', '#BBBBBB', '#E69F00', '#000000'];

/**
 * The share of the requests sent in each window that succeeded, one line per candidate: when an
 * instance goes bad and how fast each candidate recovers. The y axis starts at the worst window.
 */
export function successTimelineChart(comparison: Comparison): string {
  const reports = comparison.reports;
  const rates = reports.flatMap((report) => report.timeline.windows.filter((window) => window.requests > 0).map((window) => window.successRate));
  const span = Math.max(0.01, 1 - Math.min(1, ...rates));
  const step = niceStep(span, 5);
  const bottom = Math.max(0, 1 - Math.ceil(span / step - 1e-9) * step);
  const frame = singleFrame;
  const x = timeScale(comparison, frame);
  const y = (rate: number): number => frame.top + frame.height * ((1 - rate) / (1 - bottom));

  const parts: string[] = [...timeTicks(comparison, frame, x)];
  for (let tick = bottom; tick <= 1 + step / 2; tick += step) {
    parts.push(gridLine(frame.left, y(tick), frame.left + frame.width, y(tick)));
    parts.push(text(frame.left - 8, y(tick) + 4, `${round(tick * 100)} %`, 'end'));
  }
  reports.forEach((report, index) => {
    const { windowMs, windows } = report.timeline;
    const points = windows.filter((window) => window.requests > 0).map((window) => [x(window.fromMs + windowMs / 2), y(window.successRate)] as const);
    parts.push(polyline(points, index));
  });
  parts.push(...axes(frame, 'time (s), by when requests were sent', 'requests that succeeded'));
  return document(
    `Success over time — ${comparison.scenario} (seed ${comparison.seed})`,
    460,
    parts,
    reports.map((report, index) => ({ name: report.candidate, mark: 'line', index })),
  );
}

const panelHeight = 150;
const panelGap = 70;

/**
 * Each instance's share of the attempts sent in each window, stacked, one panel per candidate: how a
 * candidate steers away from a bad instance, and back once it recovers.
 */
export function shareTimelineChart(comparison: Comparison): string {
  const reports = comparison.reports;
  const ids = reports[0]?.instances.map((instance) => instance.id) ?? [];
  const height = MARGIN.top + reports.length * (panelHeight + panelGap) + 10;
  const parts: string[] = [];
  reports.forEach((report, panel) => {
    const frame: Frame = { left: MARGIN.left, top: MARGIN.top + 24 + panel * (panelHeight + panelGap), width: WIDTH - MARGIN.left - MARGIN.right, height: panelHeight };
    const x = timeScale(comparison, frame);
    const y = (share: number): number => frame.top + frame.height * (1 - share);
    parts.push(text(frame.left, frame.top - 8, report.candidate, 'start', '#111'));
    parts.push(...timeTicks(comparison, frame, x));
    for (const tick of [0, 0.5, 1]) parts.push(text(frame.left - 8, y(tick) + 4, `${tick * 100} %`, 'end'));
    const points = shareSeries(report.timeline.windowMs, report.timeline.windows, ids.length);
    // Each band is drawn from the bottom of the panel up to its top edge, the upper bands first: the
    // lower ones paint over them, so each boundary is written once.
    for (let instance = ids.length - 1; instance >= 0; instance--) {
      const edge = points.map(({ atMs, cumulative }) => `${tenth(x(atMs))},${tenth(y(cumulative[instance] ?? 0))}`);
      const first = points[0];
      const last = points[points.length - 1];
      if (first === undefined || last === undefined) continue;
      const base = [`${tenth(x(last.atMs))},${tenth(y(0))}`, `${tenth(x(first.atMs))},${tenth(y(0))}`];
      parts.push(`<polygon fill="${instanceColor(instance)}" stroke="none" points="${[...edge, ...base].join(' ')}"><title>${escape(ids[instance] ?? '')}</title></polygon>`);
    }
    parts.push(`<rect x="${frame.left}" y="${frame.top}" width="${round(frame.width)}" height="${frame.height}" fill="none" stroke="#444"/>`);
  });
  parts.push(text(MARGIN.left + (WIDTH - MARGIN.left - MARGIN.right) / 2, height - 16, 'time (s); each band is one instance\'s share of the attempts sent in that window', 'middle', '#111'));
  const legend = ids.map((id, instance) => `<rect x="${WIDTH - MARGIN.right + 20}" y="${MARGIN.top + 30 + instance * 22}" width="14" height="14" fill="${instanceColor(instance)}"/>${text(WIDTH - MARGIN.right + 42, MARGIN.top + 42 + instance * 22, id, 'start')}`);
  return document(`Share of attempts over time — ${comparison.scenario} (seed ${comparison.seed})`, height, [...parts, ...legend], [], 'instance');
}

/** At most this many points per band: a longer timeline is merged, window by window, into fewer. */
const maxPoints = 50;

/**
 * The stacked shares, as points from the start of the run to its end: the cumulative share of
 * instances 0…i at each (merged) window's middle.
 */
function shareSeries(windowMs: number, windows: readonly TimelineWindow[], instances: number): { atMs: number; cumulative: number[] }[] {
  const merge = Math.max(1, Math.ceil(windows.length / maxPoints));
  const points: { atMs: number; cumulative: number[] }[] = [];
  for (let start = 0; start < windows.length; start += merge) {
    const group = windows.slice(start, start + merge);
    const attempts = group.reduce((sum, window) => sum + window.attempts, 0);
    const cumulative: number[] = [];
    let total = 0;
    for (let instance = 0; instance < instances; instance++) {
      const count = group.reduce((sum, window) => sum + (window.shares[instance] ?? 0) * window.attempts, 0);
      total += attempts === 0 ? 0 : count / attempts;
      cumulative.push(total);
    }
    points.push({ atMs: (start + group.length / 2) * windowMs, cumulative });
  }
  if (points.length > 0) {
    // The bands reach the panel's edges.
    points.unshift({ atMs: 0, cumulative: points[0]?.cumulative ?? [] });
    points.push({ atMs: windows.length * windowMs, cumulative: points[points.length - 1]?.cumulative ?? [] });
  }
  return points;
}

/** A tenth of a pixel is finer than any screen shows, and keeps the stacked bands' files small. */
function tenth(value: number): number {
  return Math.round(value * 10) / 10;
}

function instanceColor(index: number): string {
  return INSTANCE_PALETTE[index % INSTANCE_PALETTE.length] ?? '#000000';
}

/** The run's length, from the timeline: windows × window length. */
function runMs(comparison: Comparison): number {
  const timeline = comparison.reports[0]?.timeline;
  return timeline === undefined ? 1 : Math.max(1, timeline.windows.length * timeline.windowMs);
}

function timeScale(comparison: Comparison, frame: Frame): (ms: number) => number {
  const total = runMs(comparison);
  return (ms) => frame.left + (frame.width * Math.min(ms, total)) / total;
}

function timeTicks(comparison: Comparison, frame: Frame, x: (ms: number) => number): string[] {
  const total = runMs(comparison);
  const step = niceStep(total, 6);
  const ticks: string[] = [];
  for (let tick = 0; tick <= total + 1e-9; tick += step) {
    ticks.push(gridLine(x(tick), frame.top, x(tick), frame.top + frame.height));
    ticks.push(text(x(tick), frame.top + frame.height + 18, `${round(tick / 1000)}`, 'middle'));
  }
  return ticks;
}

import type { Comparison } from './simulation.js';

/**
 * Charts of a comparison as standalone SVG documents, written by hand so the simulator needs no
 * plotting dependency. They have a white background, so they read the same on dark pages.
 */

// The Okabe–Ito palette (Okabe & Ito, 2008): distinguishable with the common colour-vision
// deficiencies. Its yellow is left out: too faint on white.
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
// Pickers that behave alike draw the same curve; alternating dashes keep the lower one visible.
const DASHES = ['', '7 4', '2 3', '', '7 4', '2 3', ''];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

const WIDTH = 820;
const HEIGHT = 460;
const MARGIN = { top: 56, right: 190, bottom: 64, left: 78 };
const PLOT_WIDTH = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_HEIGHT = HEIGHT - MARGIN.top - MARGIN.bottom;

/**
 * Latency percentiles per picker: latency on a logarithmic x axis, percentile on a "nines" y axis
 * (50 %, 90 %, 99 %, 99.9 % equally spaced), so the tail, where pickers differ, gets the room.
 */
export function latencyPercentileChart(comparison: Comparison): string {
  const reports = comparison.reports;
  const allPoints = reports.flatMap((report) => report.latencyQuantiles);
  const positive = allPoints.map((point) => point.ms).filter((ms) => ms > 0);
  const low = niceLogFloor(positive.length === 0 ? 1 : Math.min(...positive));
  const high = niceLogCeil(positive.length === 0 ? 10 : Math.max(...positive));
  // Up to 99.99 %: beyond it a run of ten thousand requests has one or two samples.
  const maxNines = Math.min(4, Math.max(1, Math.ceil(Math.max(...allPoints.map((point) => nines(point.quantile))) - 0.1)));
  const x = (ms: number): number =>
    MARGIN.left + (PLOT_WIDTH * (Math.log10(Math.max(ms, low)) - Math.log10(low))) / (Math.log10(high) - Math.log10(low));
  const y = (n: number): number => MARGIN.top + PLOT_HEIGHT * (1 - Math.min(n, maxNines) / maxNines);

  const parts: string[] = [];
  for (const tick of logTicks(low, high)) {
    const left = x(tick);
    parts.push(gridLine(left, MARGIN.top, left, MARGIN.top + PLOT_HEIGHT));
    parts.push(text(left, MARGIN.top + PLOT_HEIGHT + 20, formatMs(tick), 'middle'));
  }
  const yTicks = [0, Math.log10(2), ...Array.from({ length: Math.floor(maxNines) }, (_, index) => index + 1)];
  for (const tick of yTicks) {
    const top = y(tick);
    parts.push(gridLine(MARGIN.left, top, MARGIN.left + PLOT_WIDTH, top));
    parts.push(text(MARGIN.left - 8, top + 4, formatPercentile(1 - Math.pow(10, -tick)), 'end'));
  }
  reports.forEach((report, index) => {
    const points = report.latencyQuantiles.map((point) => `${round(x(point.ms))},${round(y(nines(point.quantile)))}`);
    parts.push(
      `<polyline fill="none" stroke="${color(index)}" stroke-width="2" stroke-linejoin="round"${dash(index)} points="${points.join(' ')}"/>`,
    );
  });
  return document(
    `Latency percentiles — ${comparison.scenario} (seed ${comparison.seed})`,
    'latency (ms, log scale)',
    'percentile',
    parts,
    reports.map((report): LegendEntry => ({ name: report.picker, mark: 'line' })),
  );
}

/** Each instance's share of attempts, one bar per picker, with the even share marked. */
export function instanceShareChart(comparison: Comparison): string {
  const reports = comparison.reports;
  const ids = reports[0]?.instances.map((instance) => instance.id) ?? [];
  const maxShare = Math.max(...reports.flatMap((report) => report.instances.map((instance) => instance.share)), 1 / Math.max(1, ids.length));
  const step = niceStep(maxShare, 5);
  const top = Math.ceil(maxShare / step - 1e-9) * step;
  const y = (share: number): number => MARGIN.top + PLOT_HEIGHT * (1 - share / top);
  const groupWidth = PLOT_WIDTH / Math.max(1, ids.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, reports.length);

  const parts: string[] = [];
  for (let tick = 0; tick <= top + step / 2; tick += step) {
    parts.push(gridLine(MARGIN.left, y(tick), MARGIN.left + PLOT_WIDTH, y(tick)));
    parts.push(text(MARGIN.left - 8, y(tick) + 4, `${round(tick * 100)} %`, 'end'));
  }
  ids.forEach((id, group) => {
    const groupLeft = MARGIN.left + group * groupWidth;
    parts.push(text(groupLeft + groupWidth / 2, MARGIN.top + PLOT_HEIGHT + 20, shortId(id), 'middle'));
    reports.forEach((report, index) => {
      const share = report.instances[group]?.share ?? 0;
      const left = groupLeft + groupWidth * 0.1 + index * barWidth;
      parts.push(
        `<rect x="${round(left)}" y="${round(y(share))}" width="${round(Math.max(1, barWidth - 1))}" height="${round(y(0) - y(share))}" fill="${color(index)}"><title>${escape(`${report.picker} on ${id}: ${round(share * 100)} %`)}</title></rect>`,
      );
    });
  });
  if (ids.length > 0) {
    const even = y(1 / ids.length);
    parts.push(
      `<line x1="${MARGIN.left}" y1="${round(even)}" x2="${MARGIN.left + PLOT_WIDTH}" y2="${round(even)}" stroke="#333" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    );
  }
  return document(
    `Share of attempts per instance — ${comparison.scenario} (seed ${comparison.seed})`,
    'instance',
    'share of attempts',
    parts,
    [
      ...reports.map((report): LegendEntry => ({ name: report.picker, mark: 'box' })),
      { name: 'even share', mark: 'even' },
    ],
  );
}

interface LegendEntry {
  readonly name: string;
  readonly mark: 'line' | 'box' | 'even';
}

function document(title: string, xLabel: string, yLabel: string, body: readonly string[], legend: readonly LegendEntry[]): string {
  const right = MARGIN.left + PLOT_WIDTH;
  const bottom = MARGIN.top + PLOT_HEIGHT;
  const legendItems = legend.map(({ name, mark }, index) => {
    const top = MARGIN.top + 8 + index * 22;
    const symbol =
      mark === 'box'
        ? `<rect x="${right + 20}" y="${top}" width="14" height="14" fill="${color(index)}"/>`
        : mark === 'line'
          ? `<line x1="${right + 14}" y1="${top + 7}" x2="${right + 36}" y2="${top + 7}" stroke="${color(index)}" stroke-width="2"${dash(index)}/>`
          : `<line x1="${right + 14}" y1="${top + 7}" x2="${right + 36}" y2="${top + 7}" stroke="#333" stroke-width="1.5" stroke-dasharray="6 4"/>`;
    return `${symbol}${text(right + 42, top + 12, name, 'start')}`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" ${FONT} font-size="13">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="28" text-anchor="middle" font-size="16" font-weight="600" fill="#111">${escape(title)}</text>`,
    ...body,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${PLOT_WIDTH}" height="${PLOT_HEIGHT}" fill="none" stroke="#444"/>`,
    text(MARGIN.left + PLOT_WIDTH / 2, bottom + 46, xLabel, 'middle', '#111'),
    `<text transform="translate(20 ${MARGIN.top + PLOT_HEIGHT / 2}) rotate(-90)" text-anchor="middle" fill="#111">${escape(yLabel)}</text>`,
    ...legendItems,
    '</svg>',
    '',
  ].join('\n');
}

function text(x: number, y: number, content: string, anchor: 'start' | 'middle' | 'end', fill = '#333'): string {
  return `<text x="${round(x)}" y="${round(y)}" text-anchor="${anchor}" fill="${fill}">${escape(content)}</text>`;
}

function gridLine(x1: number, y1: number, x2: number, y2: number): string {
  return `<line x1="${round(x1)}" y1="${round(y1)}" x2="${round(x2)}" y2="${round(y2)}" stroke="#dddddd" stroke-width="1"/>`;
}

function dash(index: number): string {
  const pattern = DASHES[index % DASHES.length] ?? '';
  return pattern === '' ? '' : ` stroke-dasharray="${pattern}"`;
}

function color(index: number): string {
  return PALETTE[index % PALETTE.length] ?? '#000000';
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

/** A step of 1, 2 or 5 × 10^k that cuts [0, max] into about `count` intervals. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const decade = Math.pow(10, Math.floor(Math.log10(raw)));
  const mantissa = raw / decade;
  return (mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10) * decade;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${round(ms / 1000)} s` : `${round(ms)}`;
}

function formatPercentile(quantile: number): string {
  return `${round(quantile * 100)} %`;
}

/** `instance-3` → `3` under the bars, where ten labels must fit; other ids are kept. */
function shortId(id: string): string {
  return id.replace(/^instance-/, '');
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function escape(content: string): string {
  return content.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

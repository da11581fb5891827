/**
 * What every chart of the simulator shares: a standalone SVG document written by hand, so the simulator
 * needs no plotting dependency, with a white background, so it reads the same on dark pages.
 */

// The Okabe–Ito palette (Okabe & Ito, 2008): distinguishable with the common colour-vision
// deficiencies. Its yellow is left out: too faint on white.
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
// Series that behave alike draw the same curve; alternating dashes keep the lower one visible.
const DASHES = ['', '7 4', '2 3', '', '7 4', '2 3', ''];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

export const WIDTH = 900;
export const MARGIN = { top: 56, right: 290, bottom: 64, left: 78 };

/** A rectangle of the document to draw a plot in. */
export interface Frame {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export interface LegendEntry {
  readonly name: string;
  /** `line` and `box` take the colour of their index; `even` is the dashed reference line. */
  readonly mark: 'line' | 'box' | 'even';
  readonly index: number;
}

/** The plot frame of a one-plot chart of the usual size. */
export const singleFrame: Frame = { left: MARGIN.left, top: MARGIN.top, width: WIDTH - MARGIN.left - MARGIN.right, height: 460 - MARGIN.top - MARGIN.bottom };

export function document(title: string, height: number, body: readonly string[], legend: readonly LegendEntry[], legendTitle?: string): string {
  const legendLeft = WIDTH - MARGIN.right + 20;
  const legendItems: string[] = [];
  let top = MARGIN.top + 8;
  if (legendTitle !== undefined) {
    legendItems.push(text(legendLeft - 6, top + 12, legendTitle, 'start', '#111'));
    top += 22;
  }
  for (const { name, mark, index } of legend) {
    const symbol =
      mark === 'box'
        ? `<rect x="${legendLeft}" y="${top}" width="14" height="14" fill="${color(index)}"/>`
        : mark === 'line'
          ? `<line x1="${legendLeft - 6}" y1="${top + 7}" x2="${legendLeft + 16}" y2="${top + 7}" stroke="${color(index)}" stroke-width="2"${dash(index)}/>`
          : `<line x1="${legendLeft - 6}" y1="${top + 7}" x2="${legendLeft + 16}" y2="${top + 7}" stroke="#333" stroke-width="1.5" stroke-dasharray="6 4"/>`;
    legendItems.push(`${symbol}${text(legendLeft + 22, top + 12, name, 'start')}`);
    top += 22;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT} font-size="13">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="28" text-anchor="middle" font-size="16" font-weight="600" fill="#111">${escape(title)}</text>`,
    ...body,
    ...legendItems,
    '</svg>',
    '',
  ].join('\n');
}

/** The frame's border and its axis titles. */
export function axes(frame: Frame, xLabel: string, yLabel: string): string[] {
  return [
    `<rect x="${round(frame.left)}" y="${round(frame.top)}" width="${round(frame.width)}" height="${round(frame.height)}" fill="none" stroke="#444"/>`,
    text(frame.left + frame.width / 2, frame.top + frame.height + 46, xLabel, 'middle', '#111'),
    `<text transform="translate(${round(frame.left - 58)} ${round(frame.top + frame.height / 2)}) rotate(-90)" text-anchor="middle" fill="#111">${escape(yLabel)}</text>`,
  ];
}

export function text(x: number, y: number, content: string, anchor: 'start' | 'middle' | 'end', fill = '#333'): string {
  return `<text x="${round(x)}" y="${round(y)}" text-anchor="${anchor}" fill="${fill}">${escape(content)}</text>`;
}

export function gridLine(x1: number, y1: number, x2: number, y2: number): string {
  return `<line x1="${round(x1)}" y1="${round(y1)}" x2="${round(x2)}" y2="${round(y2)}" stroke="#dddddd" stroke-width="1"/>`;
}

/** A line through `points`, in the colour and dashes of series `index`. */
export function polyline(points: readonly (readonly [number, number])[], index: number): string {
  const coordinates = points.map(([x, y]) => `${round(x)},${round(y)}`).join(' ');
  return `<polyline fill="none" stroke="${color(index)}" stroke-width="2" stroke-linejoin="round"${dash(index)} points="${coordinates}"/>`;
}

export function dash(index: number): string {
  const pattern = DASHES[index % DASHES.length] ?? '';
  return pattern === '' ? '' : ` stroke-dasharray="${pattern}"`;
}

export function color(index: number): string {
  return PALETTE[index % PALETTE.length] ?? '#000000';
}

/** A step of 1, 2 or 5 × 10^k that cuts [0, max] into about `count` intervals. */
export function niceStep(max: number, count: number): number {
  const raw = max / count;
  const decade = Math.pow(10, Math.floor(Math.log10(raw)));
  const mantissa = raw / decade;
  return (mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10) * decade;
}

/** `1500` → `1.5 s`, `120` → `120`. */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${round(ms / 1000)} s` : `${round(ms)}`;
}

export function round(value: number): number {
  return Math.round(value * 100) / 100;
}

export function escape(content: string): string {
  return content.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

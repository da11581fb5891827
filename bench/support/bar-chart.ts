import { axes, color, document, gridLine, niceStep, round, text, WIDTH } from '../../lib/simulator/charts/svg.js';

export interface Bar {
  readonly label: string;
  readonly value: number;
}

/**
 * A horizontal bar chart as a standalone SVG (the simulator's drawing helpers, so benchmarks and simulations
 * look alike): one bar per contender, its value written at its end, `highlight` bars in the first colour and
 * the rest in the second, so proxyless stands out from the alternatives.
 */
export function barChart(title: string, unit: string, bars: readonly Bar[], highlight: (label: string) => boolean): string {
  const rowHeight = 30;
  const labelWidth = 230;
  const frame = { left: labelWidth, top: 56, width: WIDTH - labelWidth - 110, height: bars.length * rowHeight + 10 };
  const height = frame.top + frame.height + 70;
  const max = Math.max(...bars.map((bar) => bar.value), 1e-9);
  const step = niceStep(max, 5);
  const top = Math.ceil(max / step) * step;
  const body: string[] = [];
  for (let tick = 0; tick <= top + step / 2; tick += step) {
    const x = frame.left + (tick / top) * frame.width;
    body.push(gridLine(x, frame.top, x, frame.top + frame.height), text(x, frame.top + frame.height + 18, formatValue(tick), 'middle'));
  }
  bars.forEach((bar, index) => {
    const y = frame.top + 8 + index * rowHeight;
    const width = (bar.value / top) * frame.width;
    body.push(
      text(frame.left - 10, y + 15, bar.label, 'end', '#111'),
      `<rect x="${frame.left}" y="${round(y)}" width="${round(Math.max(width, 1))}" height="20" fill="${color(highlight(bar.label) ? 0 : 1)}"/>`,
      text(frame.left + width + 6, y + 15, formatValue(bar.value), 'start', '#111'),
    );
  });
  body.push(...axes(frame, unit, ''));
  return document(title, height, body, []);
}

function formatValue(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString('en');
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

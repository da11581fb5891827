import type { Comparison } from '../simulation.js';
import { axes, color, document, escape, gridLine, niceStep, round, singleFrame as frame, text } from './svg.js';

/** Each instance's share of attempts over the whole run, one bar per candidate, with the even share marked. */
export function instanceShareChart(comparison: Comparison): string {
  const reports = comparison.reports;
  const ids = reports[0]?.instances.map((instance) => instance.id) ?? [];
  const maxShare = Math.max(...reports.flatMap((report) => report.instances.map((instance) => instance.share)), 1 / Math.max(1, ids.length));
  const step = niceStep(maxShare, 5);
  const top = Math.ceil(maxShare / step - 1e-9) * step;
  const y = (share: number): number => frame.top + frame.height * (1 - share / top);
  const groupWidth = frame.width / Math.max(1, ids.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, reports.length);

  const parts: string[] = [];
  for (let tick = 0; tick <= top + step / 2; tick += step) {
    parts.push(gridLine(frame.left, y(tick), frame.left + frame.width, y(tick)));
    parts.push(text(frame.left - 8, y(tick) + 4, `${round(tick * 100)} %`, 'end'));
  }
  ids.forEach((id, group) => {
    const groupLeft = frame.left + group * groupWidth;
    parts.push(text(groupLeft + groupWidth / 2, frame.top + frame.height + 20, shortId(id), 'middle'));
    reports.forEach((report, index) => {
      const share = report.instances[group]?.share ?? 0;
      const left = groupLeft + groupWidth * 0.1 + index * barWidth;
      parts.push(
        `<rect x="${round(left)}" y="${round(y(share))}" width="${round(Math.max(1, barWidth - 1))}" height="${round(y(0) - y(share))}" fill="${color(index)}"><title>${escape(`${report.candidate} on ${id}: ${round(share * 100)} %`)}</title></rect>`,
      );
    });
  });
  if (ids.length > 0) {
    const even = y(1 / ids.length);
    parts.push(
      `<line x1="${frame.left}" y1="${round(even)}" x2="${frame.left + frame.width}" y2="${round(even)}" stroke="#333" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    );
  }
  parts.push(...axes(frame, 'instance', 'share of attempts'));
  return document(`Share of attempts per instance — ${comparison.scenario} (seed ${comparison.seed})`, 460, parts, [
    ...reports.map((report, index) => ({ name: report.candidate, mark: 'box' as const, index })),
    { name: 'even share', mark: 'even', index: 0 },
  ]);
}

/** `instance-3` → `3`, `server-10` → `10` under the bars, where a dozen labels must fit; other ids are kept. */
function shortId(id: string): string {
  return id.replace(/^[a-z]+-(?=\d+$)/, '');
}

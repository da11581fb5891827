import type { Comparison } from './simulation.js';

/**
 * A comparison as a table, one row per picker: plain text aligned for a terminal, or Markdown
 * for documentation. Latencies in milliseconds.
 */
export function comparisonTable(comparison: Comparison, format: 'text' | 'markdown' = 'text'): string {
  const header = ['picker', 'p50 ms', 'p99 ms', 'p99.9 ms', 'success', 'max share / mean', 'share CV'];
  const rows = comparison.reports.map((report) => [
    report.picker,
    formatMs(report.latency.p50),
    formatMs(report.latency.p99),
    formatMs(report.latency.p999),
    `${(report.successRate * 100).toFixed(2)} %`,
    report.imbalance.maxOverMean.toFixed(2),
    report.imbalance.coefficientOfVariation.toFixed(2),
  ]);
  if (format === 'markdown') {
    return [
      `| ${header.join(' | ')} |`,
      `|${header.map((_, index) => (index === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
      ...rows.map((row) => `| ${row.join(' | ')} |`),
    ].join('\n');
  }
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

function formatMs(ms: number): string {
  if (Number.isNaN(ms)) return '-';
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

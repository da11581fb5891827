/**
 * A table as plain text aligned for a terminal, or as Markdown for documentation. The first column is
 * left-aligned (names), the others right-aligned (figures).
 */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], format: 'text' | 'markdown'): string {
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
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

/** Milliseconds as tables print them: `-` for none, `never` for a request still waiting at the end. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return '-';
  if (!Number.isFinite(ms)) return 'never';
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}

export function formatRate(rate: number | undefined): string {
  return rate === undefined ? '-' : `${(rate * 100).toFixed(2)} %`;
}

import type { ReportedInstance, ServiceReport } from './service-report.js';

/** The report as a table for a terminal. */
export function renderReport(report: ServiceReport): string {
  const { service, consul, instances, routed } = report;
  const heading = `${service} — ${instances.length} instance${instances.length === 1 ? '' : 's'} in Consul at ${consul}; a client would route to ${routed}`;
  if (instances.length === 0) return `${heading}\n`;
  const header = ['ID', 'ADDRESS', 'NODE', 'CHECKS', 'TAGS', 'WEIGHTS', 'CLIENT'];
  const rows: string[][] = [
    header,
    ...instances.map((instance) => [
      instance.id,
      `${instance.address.includes(':') ? `[${instance.address}]` : instance.address}:${instance.port}`,
      instance.node,
      checks(instance),
      instance.tags.length === 0 ? '-' : instance.tags.join(','),
      `${instance.weights.passing}/${instance.weights.warning}`,
      instance.routed ? 'routes' : `skips: ${instance.reason ?? ''}`,
    ]),
  ];
  const widths = header.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  return `${heading}\n\n${lines.join('\n')}\n`;
}

function checks(instance: ReportedInstance): string {
  const total = instance.checks.length;
  const passing = instance.checks.filter((check) => check.status === 'passing').length;
  if (passing === total) return `passing ${passing}/${total}`;
  const worst = instance.checks.find((check) => check.status === instance.health) ?? instance.checks.find((check) => check.status !== 'passing');
  return `${instance.health} ${passing}/${total}${worst === undefined ? '' : ` (${worst.name})`}`;
}

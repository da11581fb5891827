import { cpus, loadavg, totalmem } from 'node:os';

/** One line that says what the figures were measured on: benchmarks on shared machines need it beside them. */
export function describeMachine(): string {
  const cores = cpus();
  const model = cores[0]?.model.trim() ?? 'unknown CPU';
  const gib = Math.round(totalmem() / 2 ** 30);
  const load = loadavg().map((value) => value.toFixed(2)).join(' ');
  return `${cores.length} × ${model}, ${gib} GiB, Node ${process.version} on ${process.platform}; load average ${load}`;
}

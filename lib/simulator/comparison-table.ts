import type { Comparison } from './simulation.js';
import { formatMs, formatRate, renderTable } from './text-table.js';

/**
 * A comparison as a table, one row per candidate: latency as callers saw it (ms), success, attempts per
 * request (retry and hedge amplification) and how unevenly the instances were loaded.
 */
export function comparisonTable(comparison: Comparison, format: 'text' | 'markdown' = 'text'): string {
  const header = ['candidate', 'p50 ms', 'p99 ms', 'p99.9 ms', 'success', 'attempts / request', 'max share / mean'];
  const rows = comparison.reports.map((report) => [
    report.candidate,
    formatMs(report.latency.p50),
    formatMs(report.latency.p99),
    formatMs(report.latency.p999),
    formatRate(report.successRate),
    report.attemptsPerRequest.toFixed(3),
    report.imbalance.maxOverMean.toFixed(2),
  ]);
  return renderTable(header, rows, format);
}

/**
 * For a scenario that reproduces a published experiment: each figure the source published beside the
 * one proxyless measured, for the candidates that stand for the published settings.
 */
export function publishedTable(comparison: Comparison, format: 'text' | 'markdown' = 'text'): string | undefined {
  const reference = comparison.reference;
  if (reference === undefined) return undefined;
  const header = ['candidate', 'figure', 'published', 'proxyless'];
  const rows: string[][] = [];
  for (const [candidate, figures] of Object.entries(reference.figures)) {
    const report = comparison.reports.find((each) => each.candidate === candidate);
    if (report === undefined) continue;
    const add = (figure: string, published: string, measured: string): void => {
      rows.push([rows.some((row) => row[0] === candidate) ? '' : candidate, figure, published, measured]);
    };
    // Published figures as published: "about 95 %" is not 95.00 %.
    if (figures.successRate !== undefined) add('success', `${Number((figures.successRate * 100).toFixed(2))} %`, formatRate(report.successRate));
    if (figures.p50 !== undefined) add('p50 ms', String(figures.p50), formatMs(report.latency.p50));
    if (figures.p95 !== undefined) add('p95 ms', String(figures.p95), formatMs(report.latency.p95));
    if (figures.p99 !== undefined) add('p99 ms', String(figures.p99), formatMs(report.latency.p99));
    if (figures.requestsPerSecond !== undefined) add('requests / s', figures.requestsPerSecond.toFixed(0), report.requestsPerSecond.toFixed(0));
  }
  return renderTable(header, rows, format);
}


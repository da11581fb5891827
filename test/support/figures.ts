// Figures a test measured, for people rather than assertions: printed as a diagnostic line, and appended
// as a JSON line to the file named by PROXYLESS_FIGURES when it is set (scripts/faults-report.ts reads
// them back and prints medians over runs).
import { appendFileSync } from 'node:fs';

export interface Figure {
  readonly scenario: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The whole the value is a part of (`3` requests of `337`), when there is one. */
  readonly of?: number;
}

export function reportFigure(scenario: string, name: string, value: number, unit: string, of?: number): void {
  const rounded = Math.round(value * 100) / 100;
  console.log(`${scenario} · ${name}: ${rounded} ${unit}${of === undefined ? '' : ` of ${of}`}`);
  const file = process.env.PROXYLESS_FIGURES;
  if (file !== undefined && file !== '') {
    const figure: Figure = { scenario, name, value: rounded, unit, ...(of === undefined ? {} : { of }) };
    appendFileSync(file, `${JSON.stringify(figure)}\n`);
  }
}

/** The `q` quantile (0–1) of `values`, nearest rank; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

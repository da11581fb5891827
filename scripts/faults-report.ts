// Runs the fault-injection suite (test/faults) several times and prints the median of every figure its
// tests report, as a Markdown table: the measured results of docs/reliability.md.
// Usage: npm run faults -- [--runs 3]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Figure } from '../test/support/figures.js';
import { consulBinary } from './consul-binary.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs must be a whole number of at least 1; got ${values.runs}`);
  process.exit(1);
}

const files = readdirSync(join('test', 'faults'))
  .filter((name) => name.endsWith('.test.ts'))
  .map((name) => join('test', 'faults', name));
process.env.CONSUL_BIN = await consulBinary();
const scratch = mkdtempSync(join(tmpdir(), 'proxyless-faults-'));
const figures: Figure[][] = [];
let failedRuns = 0;
try {
  for (let run = 1; run <= runs; run++) {
    const file = join(scratch, `run-${run}.jsonl`);
    const started = performance.now();
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
      env: { ...process.env, PROXYLESS_FIGURES: file },
      encoding: 'utf8',
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    if (result.status !== 0) {
      failedRuns++;
      console.error(`run ${run}/${runs}: a test failed (${seconds} s); its figures are kept. Output:\n${result.stdout}${result.stderr}`);
    } else {
      console.error(`run ${run}/${runs}: passed in ${seconds} s`);
    }
    figures.push(read(file));
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

console.log(table(figures));
console.log(`\n${runs} run${runs === 1 ? '' : 's'} of ${files.join(', ')}; medians, with the range over runs.`);
console.log(`Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load average ${loadavg()[0]!.toFixed(1)} at the end, Node ${process.version}.`);
if (failedRuns > 0) {
  console.error(`${failedRuns} of ${runs} runs had a failing test`);
  process.exit(1);
}

function read(file: string): Figure[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Figure);
  } catch {
    return [];
  }
}

/** One row per figure, in the order the tests report them: the median over runs and the range. */
function table(runs: readonly Figure[][]): string {
  const rows = new Map<string, Figure[]>();
  for (const run of runs) {
    for (const figure of run) {
      const key = `${figure.scenario}\u0000${figure.name}`;
      const list = rows.get(key);
      if (list === undefined) rows.set(key, [figure]);
      else list.push(figure);
    }
  }
  const lines = ['| scenario | figure | median | range |', '| --- | --- | --- | --- |'];
  let last = '';
  for (const list of rows.values()) {
    const first = list[0]!;
    const values = list.map((figure) => figure.value);
    const wholes = list.flatMap((figure) => (figure.of === undefined ? [] : [figure.of]));
    const of = wholes.length === 0 ? '' : ` of ${format(median(wholes))}`;
    const range = values.length === 1 ? '' : `${format(Math.min(...values))} – ${format(Math.max(...values))}`;
    lines.push(`| ${first.scenario === last ? '' : first.scenario} | ${first.name} | ${format(median(values))} ${first.unit}${of} | ${range} |`);
    last = first.scenario;
  }
  return lines.join('\n');
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function format(value: number): string {
  if (Number.isNaN(value)) return 'n/a';
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}

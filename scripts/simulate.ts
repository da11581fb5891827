// Runs simulator scenarios — the shipped ones, or one described in a JSON file — with their candidates,
// prints a table per scenario (and the published figures beside proxyless's, for the reproductions),
// checks each shipped scenario's claims, and writes four charts per scenario.
// Usage: npm run simulate -- [--scenario one-slow|path/to/fleet.json] [--seed 7] [--candidates a,b]
//                            [--markdown] [--out docs/img] [--no-charts]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ProxylessError } from '../lib/errors/proxyless-error.js';
import {
  checkClaims,
  compare,
  comparisonTable,
  instanceShareChart,
  latencyPercentileChart,
  publishedTable,
  readScenarioFile,
  scenarios,
  shareTimelineChart,
  successTimelineChart,
} from '../lib/simulator/index.js';
import type { Scenario } from '../lib/simulator/index.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    seed: { type: 'string' },
    candidates: { type: 'string' },
    markdown: { type: 'boolean', default: false },
    out: { type: 'string' },
    'no-charts': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

const shipped = Object.keys(scenarios);
if (values.help) {
  console.log(`usage: npm run simulate -- [--scenario ${['all', ...shipped].join('|')}|FILE.json] [--seed N]
       [--candidates NAME,NAME] [--markdown] [--out DIR] [--no-charts]
Charts go to docs/img for the shipped scenarios; for a file, only with --out.`);
  process.exit(0);
}

const fromFile = values.scenario.endsWith('.json');
const chosen: Scenario[] = fromFile
  ? [orFail(() => readScenarioFile(values.scenario))]
  : values.scenario === 'all'
    ? Object.values(scenarios)
    : [Object.hasOwn(scenarios, values.scenario) ? scenarios[values.scenario as keyof typeof scenarios] : fail(`unknown scenario '${values.scenario}'; choose one of ${['all', ...shipped].join(', ')}, or give a .json file`)];
const seed = values.seed === undefined ? undefined : Number(values.seed);
if (seed !== undefined && !Number.isInteger(seed)) fail(`--seed must be a whole number, got '${values.seed}'`);
const only = values.candidates?.split(',').map((name) => name.trim());
const out = values.out ?? (fromFile ? undefined : join('docs', 'img'));
const markdown = values.markdown;

const started = performance.now();
let claimsChecked = 0;
let claimsFailed = 0;
for (const base of chosen) {
  const scenario = seed === undefined ? base : { ...base, seed };
  const all = scenario.candidates ?? {};
  for (const name of only ?? []) {
    if (!Object.hasOwn(all, name)) fail(`scenario '${scenario.name ?? 'unnamed'}' has no candidate '${name}'; it has ${Object.keys(all).join(', ')}`);
  }
  const candidates = only === undefined ? all : Object.fromEntries(Object.entries(all).filter(([name]) => only.includes(name)));
  const comparison = await orFailAsync(() => compare(scenario, candidates));
  const name = scenario.name ?? 'unnamed';
  console.log(`\n${markdown ? '### ' : ''}${name} (seed ${scenario.seed}): ${scenario.description ?? ''}\n`);
  console.log(comparisonTable(comparison, markdown ? 'markdown' : 'text'));
  const published = publishedTable(comparison, markdown ? 'markdown' : 'text');
  if (published !== undefined && comparison.reference !== undefined) {
    console.log(`\nPublished in ${comparison.reference.source}:\n`);
    console.log(published);
  }
  const claims = scenario.claims ?? [];
  if (claims.length > 0) {
    console.log('');
    for (const claim of checkClaims(comparison, claims)) {
      claimsChecked++;
      if (!claim.holds) claimsFailed++;
      console.log(`${markdown ? '- ' : ''}${claim.holds ? 'holds' : 'FAILS'}: ${claim.says} — ${claim.measured}`);
    }
  }
  if (out !== undefined && !values['no-charts']) {
    mkdirSync(out, { recursive: true });
    const charts = {
      latency: latencyPercentileChart(comparison),
      shares: instanceShareChart(comparison),
      'share-timeline': shareTimelineChart(comparison),
      'success-timeline': successTimelineChart(comparison),
    };
    const files = Object.entries(charts).map(([kind, svg]) => {
      const file = join(out, `simulator-${name}-${kind}.svg`);
      writeFileSync(file, svg);
      return file;
    });
    console.log(`\ncharts: ${files.join(', ')}`);
  }
}
const claimsLine = claimsChecked === 0 ? '' : `; claims: ${claimsChecked - claimsFailed} of ${claimsChecked} hold`;
console.log(`\nsimulated in ${((performance.now() - started) / 1000).toFixed(1)} s${claimsLine}`);
if (claimsFailed > 0) process.exit(1);

function orFail<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    return fail(describe(error));
  }
}

async function orFailAsync<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    return fail(describe(error));
  }
}

function describe(error: unknown): string {
  if (error instanceof ProxylessError) return error.message;
  if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return `no such file: ${values.scenario}`;
  throw error;
}

function fail(message: string): never {
  console.error(`simulate: ${message}`);
  process.exit(2);
}

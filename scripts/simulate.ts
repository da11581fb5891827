// Runs the shipped simulator scenarios with the built-in pickers, prints a table per scenario and
// writes a latency chart and a share chart per scenario into docs/img/.
// Usage: npm run simulate -- [--scenario one-slow] [--seed 7] [--pickers round-robin,p2c-ewma]
//                            [--markdown] [--out docs/img] [--no-charts]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createPicker, pickerNames } from '../lib/pickers/create-picker.js';
import { locality } from '../lib/pickers/locality.js';
import type { Picker, PickerBaseOptions } from '../lib/pickers/picker.js';
import { compare, comparisonTable, instanceShareChart, latencyPercentileChart, scenarios } from '../lib/simulator/index.js';
import type { PickerFactory, ScenarioName } from '../lib/simulator/index.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    seed: { type: 'string' },
    pickers: { type: 'string' },
    markdown: { type: 'boolean', default: false },
    out: { type: 'string', default: join('docs', 'img') },
    'no-charts': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

const scenarioNames = Object.keys(scenarios) as ScenarioName[];
// locality needs the caller's zone, which createPicker cannot be given in general; see builtIn.
const allPickers = [...new Set<string>([...pickerNames, 'locality'])];

if (values.help) {
  console.log(`usage: npm run simulate -- [--scenario ${['all', ...scenarioNames].join('|')}] [--seed N]
       [--pickers ${allPickers.join(',')}] [--markdown] [--out DIR] [--no-charts]`);
  process.exit(0);
}

const chosenScenarios = values.scenario === 'all' ? scenarioNames : [values.scenario as ScenarioName];
for (const name of chosenScenarios) {
  if (!Object.hasOwn(scenarios, name)) fail(`unknown scenario '${name}'; choose one of ${['all', ...scenarioNames].join(', ')}`);
}
const seed = values.seed === undefined ? undefined : Number(values.seed);
if (seed !== undefined && !Number.isInteger(seed)) fail(`--seed must be a whole number, got '${values.seed}'`);

const chosenPickers = (values.pickers?.split(',') ?? allPickers).map((name) => name.trim());
for (const name of chosenPickers) {
  if (!allPickers.includes(name)) fail(`unknown picker '${name}'; choose from ${allPickers.join(', ')}`);
}

const started = performance.now();
for (const name of chosenScenarios) {
  const base = scenarios[name];
  const scenario = seed === undefined ? base : { ...base, seed };
  const pickers = Object.fromEntries(chosenPickers.map((picker) => [picker, builtIn(picker)]));
  const comparison = compare(scenario, pickers);
  console.log(`\n${values.markdown ? '### ' : ''}${name} (seed ${scenario.seed}): ${scenario.description ?? ''}\n`);
  console.log(comparisonTable(comparison, values.markdown ? 'markdown' : 'text'));
  if (!values['no-charts']) {
    mkdirSync(values.out, { recursive: true });
    const latencyFile = join(values.out, `simulator-${name}-latency.svg`);
    const sharesFile = join(values.out, `simulator-${name}-shares.svg`);
    writeFileSync(latencyFile, latencyPercentileChart(comparison));
    writeFileSync(sharesFile, instanceShareChart(comparison));
    console.log(`\ncharts: ${latencyFile}, ${sharesFile}`);
  }
}
console.log(`\nsimulated in ${((performance.now() - started) / 1000).toFixed(1)} s`);

/**
 * A factory for one built-in picker. The shipped fleets span two zones; locality-aware clients
 * are placed alternately in each, as a fleet of callers spread over both zones would be.
 */
function builtIn(name: string): PickerFactory {
  if (name === 'locality') {
    let built = 0;
    return (base) => locality({ ...base, zone: built++ % 2 === 0 ? 'zone-a' : 'zone-b' });
  }
  const create = createPicker as (name: string, options: PickerBaseOptions) => Picker;
  return (base) => create(name, base);
}

function fail(message: string): never {
  console.error(`simulate: ${message}`);
  process.exit(2);
}

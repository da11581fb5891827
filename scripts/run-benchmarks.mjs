// `npm run bench`: runs every benchmark in bench/ one after another (never two at once: they would measure
// each other), shows what each prints, and writes docs/benchmarks.md from what they printed — tables, SVG
// charts in docs/img/bench-*.svg, the machine, and the command behind every figure. Bounded: the benchmarks
// run with shortened settings (about eight minutes in all on two cores); `--long` runs each with its own defaults.
//
// Usage: node scripts/run-benchmarks.mjs [--long] [--no-doc] [name-fragment ...]
//   (fragments narrow the benchmarks run; the doc is written only when all of them ran)
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The settings each benchmark runs with under `npm run bench` (`--long`: none, the bench's own defaults). */
const shortened = {
  'central-balancers': ['--latency-ms', '2000'],
  // Its own defaults: on one instance the server is the bottleneck, and fewer rounds left medians to noise.
  'client-overhead': [],
  'discovery-changes': [],
  'discovery-scale': [],
  hash: [],
  observe: ['--requests', '20000', '--runs', '5'],
  pick: [],
  'request-path': ['--requests', '50000', '--runs', '5'],
  'retry-pick': [],
  scale: [],
  'server-load': ['--rounds', '3', '--round-ms', '6000'],
  'server-load-parse': ['--iterations', '300000', '--runs', '5'],
};

/** Node flags a benchmark needs (a forced collection, to weigh the heap). */
const nodeFlags = { 'discovery-scale': ['--expose-gc'] };

const args = process.argv.slice(2);
const long = args.includes('--long');
const writeDoc = !args.includes('--no-doc');
const filters = args.filter((arg) => !arg.startsWith('--'));
const names = readdirSync('bench')
  .filter((file) => file.endsWith('.bench.ts'))
  .map((file) => file.slice(0, -'.bench.ts'.length))
  .filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)))
  .sort();
if (names.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ')}`);
  process.exit(1);
}

const results = mkdtempSync(join(tmpdir(), 'proxyless-bench-'));
const started = Date.now();
try {
  for (const name of names) {
    const benchArgs = long ? [] : (shortened[name] ?? []);
    const flags = [...(nodeFlags[name] ?? []), '--import', 'tsx'];
    const command = ['node', ...flags, `bench/${name}.bench.ts`, ...benchArgs].join(' ');
    console.log(`\n== ${command}`);
    const benchStarted = Date.now();
    const output = await run([...flags, `bench/${name}.bench.ts`, ...benchArgs], { ...process.env, BENCH_RESULT_FILE: join(results, `${name}.json`) });
    writeFileSync(join(results, `${name}.out`), output.text);
    writeFileSync(join(results, `${name}.meta.json`), JSON.stringify({ command, seconds: Math.round((Date.now() - benchStarted) / 1000) }));
    if (output.status !== 0) {
      console.error(`${name} failed (exit ${output.status})`);
      process.exit(output.status ?? 1);
    }
  }
  console.log(`\nall benchmarks ran in ${Math.round((Date.now() - started) / 1000)} s`);
  if (writeDoc && filters.length === 0) {
    const doc = await run(['--import', 'tsx', 'bench/support/write-benchmarks-doc.ts', results, long ? 'long' : 'short'], process.env);
    if (doc.status !== 0) process.exit(doc.status ?? 1);
  }
} finally {
  rmSync(results, { recursive: true, force: true });
}

/** Runs node with `nodeArgs`, echoing its output; resolves with all of stdout and the exit status. */
function run(nodeArgs, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, nodeArgs, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      text += chunk;
    });
    child.on('close', (status) => resolve({ text, status }));
  });
}

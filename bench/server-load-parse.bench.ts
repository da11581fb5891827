// What reading server-reported load costs, on both sides, with the network taken out.
// Client: parsing an `endpoint-load-metrics` header and feeding it to the server-load picker, per response,
// against p2c-ewma's feedback on a response without the header (what every response cost before).
// Server: the load report's bookkeeping and header per request, against a request listener that only
// counts. Runs alternate between contenders; medians of several runs, in ns per response, overheads last.
//
//   node --import tsx bench/server-load-parse.bench.ts [--iterations 1000000] [--runs 7]
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { parseServerLoad } from '../lib/call/server-load-header.js';
import type { Instance } from '../lib/discovery/instance.js';
import { LoadReporter, resolveLoadReportOptions } from '../lib/express/load-report.js';
import { p2cEwma } from '../lib/pickers/p2c-ewma.js';
import type { PickContext, Picker, RequestResult } from '../lib/pickers/picker.js';
import { serverLoad } from '../lib/pickers/server-load.js';
import { instanceAt } from '../test/support/fake-discovery.js';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '7' } } });
const ITERATIONS = Number(values.iterations);
const RUNS = Number(values.runs);

const instances: readonly Instance[] = Object.freeze(Array.from({ length: 10 }, (_, i) => instanceAt(2000 + i)));
const context: PickContext = { service: 'bench', method: 'GET', url: '/', attempt: 1, members: instances, tried: () => false, header: () => undefined };
const header = 'TEXT cpu_utilization=0.412, rps_fractional=1187.5, named_metrics.rif=7';

let sink = 0;

function feedback(picker: Picker, withHeader: boolean): () => void {
  picker.pick(instances, context);
  return () => {
    for (let i = 0; i < ITERATIONS; i++) {
      const instance = instances[i % 10] as Instance;
      picker.onRequestStart?.(instance, context);
      const serverLoad = withHeader ? parseServerLoad(header) : undefined;
      const result: RequestResult = { latencyMs: 12, outcome: 'success', status: 200, serverLoad, retryAfterMs: undefined };
      picker.onRequestEnd?.(instance, result, context);
    }
  };
}

function parseOnly(): void {
  for (let i = 0; i < ITERATIONS; i++) sink += parseServerLoad(header)?.requestsInFlight ?? 0;
}

/** A response as the load report sees it: an emitter with setHeader, closed at once. */
class BareResponse extends EventEmitter {
  headersSent = false;
  value = '';
  setHeader(_name: string, value: string): this {
    this.value = value;
    return this;
  }
}

function serverSide(report: boolean): () => void {
  const reporter = new LoadReporter(resolveLoadReportOptions({}, 'loadReport'));
  let counted = 0;
  return () => {
    for (let i = 0; i < ITERATIONS; i++) {
      const response = new BareResponse();
      if (report) reporter.track(response as unknown as ServerResponse);
      else {
        counted++;
        response.once('close', () => counted--);
      }
      response.emit('close');
    }
    sink += counted;
  };
}

const contenders: Record<string, () => void> = {
  'client: p2c-ewma feedback, no header': feedback(p2cEwma(), false),
  'client: parse + server-load feedback': feedback(serverLoad(), true),
  'client: parse alone': parseOnly,
  'server: a request listener that counts': serverSide(false),
  'server: load report (count + header)': serverSide(true),
};

const samples = new Map<string, number[]>(Object.keys(contenders).map((name) => [name, []]));
for (let run = 0; run < RUNS; run++) {
  for (const [name, body] of Object.entries(contenders)) {
    const started = process.cpuUsage();
    body();
    const used = process.cpuUsage(started);
    (samples.get(name) as number[]).push(((used.user + used.system) * 1000) / ITERATIONS);
  }
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const ns = new Map([...samples].map(([name, values]) => [name, median(values)]));
for (const [name, value] of ns) console.log(`${name.padEnd(44)} ${value.toFixed(0).padStart(6)} ns per response`);
const clientExtra = (ns.get('client: parse + server-load feedback') as number) - (ns.get('client: p2c-ewma feedback, no header') as number);
const serverExtra = (ns.get('server: load report (count + header)') as number) - (ns.get('server: a request listener that counts') as number);
console.log(`\n(checksum ${sink % 7})`);
console.log(`server-reported load costs the client ${clientExtra.toFixed(0)} ns per response over p2c-ewma (parse alone ${ns.get('client: parse alone')?.toFixed(0)} ns), and the server ${serverExtra.toFixed(0)} ns per request (medians of ${RUNS} runs, CPU time)`);

// One caller process for benchmarks: a proxyless client of `service` with the given picker, sending GET /work at
// a constant rate for `durationMs` (open loop: each request's latency counts from when it was due, so a stall
// is not hidden by sending less), then sending its latencies and failures to its parent over IPC.
// Configured by the JSON in LOAD_CLIENT.
import { createClient } from '../../lib/index.js';
import type { PickerName } from '../../lib/pickers/create-picker.js';

interface LoadClientConfig {
  readonly service: string;
  readonly consul: { host: string; port: number };
  readonly picker: Exclude<PickerName, 'locality'>;
  readonly ratePerSecond: number;
  readonly durationMs: number;
}

const config = JSON.parse(process.env.LOAD_CLIENT ?? '{}') as LoadClientConfig;
const client = createClient({ service: config.service, consul: config.consul, picker: config.picker, transport: 'undici' });
await client.ready();

const latencies: number[] = [];
let failed = 0;
const gapMs = 1000 / config.ratePerSecond;
const warmUpMs = 1_000;
const started = performance.now();
const pending: Promise<void>[] = [];
for (let sent = 0; ; sent++) {
  const due = started + sent * gapMs;
  if (due - started >= config.durationMs) break;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
  pending.push(
    client.get('/work', { timeout: 10_000 }).then(
      () => {
        // The first second warms the process up (JIT, connections): not measured.
        if (due - started >= warmUpMs) latencies.push(performance.now() - due);
      },
      () => {
        failed++;
      },
    ),
  );
}
await Promise.all(pending);
await client.close();
process.send?.({ latencies, failed }, () => process.exit(0));

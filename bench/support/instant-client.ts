// A client whose transport answers at once: what the benchmarks of proxyless's own per-request cost drive, with
// the network taken out. Shared by request-path, observe and scale.
import axios from 'axios';
import { resolveHedgeOptions, resolveRetryOptions } from '../../lib/call/retry-options.js';
import { balancerAdapter } from '../../lib/client/axios-adapter.js';
import { attachBalancer, type BalancedClient } from '../../lib/client/balanced-client.js';
import { Balancer } from '../../lib/client/balancer.js';
import { createFetch } from '../../lib/client/fetch.js';
import { createSend } from '../../lib/client/send.js';
import { systemClock, systemRandom, systemScheduler } from '../../lib/clock.js';
import type { Instance } from '../../lib/discovery/instance.js';
import { resolveBreakerOptions } from '../../lib/health/breaker-options.js';
import { createPicker } from '../../lib/pickers/create-picker.js';
import type { AttemptOutcome } from '../../lib/transport/attempt-outcome.js';
import type { Transport } from '../../lib/transport/transport.js';
import { FakeDiscovery, instanceAt } from '../../test/support/fake-discovery.js';

const answered: AttemptOutcome = {
  kind: 'response',
  response: { status: 200, statusText: 'OK', headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') },
};
const answer = Promise.resolve(answered);

/** A transport that answers every attempt at once with a 200 and `{}`. */
export const instantTransport: Transport = { name: 'instant', send: () => answer, instancesChanged() {}, close() {} };

/** The ten instances the instant balancers serve. */
export const instantInstances: readonly Instance[] = Object.freeze(Array.from({ length: 10 }, (_, i) => instanceAt(1000 + i)));

/** A balancer of ten instances on the instant transport, with the default picker, retries and (unless told) breakers. */
export function instantBalancer(options: { readonly breaker?: boolean } = {}): Balancer {
  return new Balancer({
    service: 'bench',
    discovery: new FakeDiscovery([...instantInstances]),
    picker: createPicker('p2c-ewma'),
    breaker: options.breaker === false ? undefined : resolveBreakerOptions(),
    retry: resolveRetryOptions(undefined),
    hedge: resolveHedgeOptions(undefined),
    transport: instantTransport,
    discoveryTimeoutMs: 1_000,
    scheduler: systemScheduler(),
    backgroundScheduler: systemScheduler({ background: true }),
    clock: systemClock,
    random: systemRandom,
  });
}

/** The axios-shaped client users hold, over `balancer`: what `createClient` builds, without discovery of its own. */
export function instantClient(balancer: Balancer): BalancedClient {
  const adapter = balancerAdapter(balancer, { service: 'bench', basePath: '', pathBuilder: axios.create(), defaultDeadlineMs: 15_000 });
  const settings = { service: 'bench', defaultDeadlineMs: 15_000 };
  return attachBalancer(axios.create({ adapter }), balancer, createFetch(balancer, settings), createSend(balancer, settings));
}

/**
 * Sends `requests` requests, `concurrency` at a time. Real traffic gives timers their turn between answers; an
 * instant transport would not, and the breakers' window (which drops what is older than 10 s) would never
 * rotate — so every 256 answers a worker yields to the event loop.
 */
export async function sendAll(requests: number, concurrency: number, send: () => Promise<unknown>): Promise<void> {
  let left = requests;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let sent = 1; left-- > 0; sent++) {
        await send();
        if (sent % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
}

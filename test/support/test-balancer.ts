// A balancer on a ManualClock with a scripted transport: the call model and health layer exactly as the
// client assembles them, with time moved by the test.
import { Balancer } from '../../lib/client/balancer.js';
import type { CallRequest, CallResult } from '../../lib/call/call.js';
import { resolveHedgeOptions, resolveRetryOptions, type HedgeOptions, type RetryOptions } from '../../lib/call/retry-options.js';
import { ManualClock, seededRandom } from '../../lib/clock.js';
import type { Instance } from '../../lib/discovery/instance.js';
import { resolveBreakerOptions, type BreakerOptions } from '../../lib/health/breaker-options.js';
import { createPicker } from '../../lib/pickers/create-picker.js';
import type { Picker } from '../../lib/pickers/picker.js';
import type { RequestBody } from '../../lib/transport/request-body.js';
import { FakeDiscovery, instanceAt } from './fake-discovery.js';
import { ScriptedTransport, type Behaviour } from './scripted-transport.js';

export interface TestBalancerOptions {
  readonly instances?: number;
  readonly behaviour: (instance: Instance, attempt: number) => Behaviour;
  readonly retry?: RetryOptions | false;
  readonly hedge?: HedgeOptions;
  readonly breaker?: BreakerOptions | false;
  readonly picker?: Picker;
}

export interface TestBalancer {
  readonly balancer: Balancer;
  readonly clock: ManualClock;
  readonly transport: ScriptedTransport;
  readonly discovery: FakeDiscovery;
  readonly instances: Instance[];
  call(options?: { method?: string; headers?: Record<string, string>; deadlineMs?: number; signal?: AbortSignal; body?: RequestBody }): Promise<CallResult>;
  /** Moves time on by `ms`, a millisecond at a time, letting promise chains settle in between. */
  advance(ms: number): Promise<void>;
}

export function testBalancer(options: TestBalancerOptions): TestBalancer {
  const clock = new ManualClock(0);
  const instances = Array.from({ length: options.instances ?? 3 }, (_, i) => instanceAt(10_000 + i));
  const discovery = new FakeDiscovery(instances);
  const transport = new ScriptedTransport(clock, options.behaviour);
  const balancer = new Balancer({
    service: 'users',
    discovery,
    picker: options.picker ?? createPicker('round-robin', { random: seededRandom(1) }),
    breaker: options.breaker === false ? undefined : resolveBreakerOptions(options.breaker),
    retry: resolveRetryOptions(options.retry),
    hedge: resolveHedgeOptions(options.hedge),
    transport,
    discoveryTimeoutMs: 1_000,
    scheduler: clock,
    backgroundScheduler: clock,
    clock,
    random: seededRandom(2),
  });
  return {
    balancer,
    clock,
    transport,
    discovery,
    instances,
    call(call = {}) {
      const request: CallRequest = {
        request: {
          method: call.method ?? 'GET',
          path: '/x',
          headers: call.headers ?? {},
          body: call.body,
          responseType: 'buffer',
          maxResponseBytes: Infinity,
          decompress: true,
        },
        url: '/x',
        deadlineMs: call.deadlineMs,
        signal: call.signal,
      };
      return balancer.call(request);
    },
    async advance(ms) {
      await drain(clock);
      for (let i = 0; i < ms; i++) {
        clock.advance(1);
        await drain(clock);
      }
    },
  };
}

/** Runs what is due now, and what that makes due now, until nothing moves without time moving. */
async function drain(clock: ManualClock): Promise<void> {
  for (let round = 0; round < 20; round++) {
    clock.advance(0);
    await settle();
    if (clock.pendingTimers === 0) return;
  }
}

/** Lets every promise chain that can move without time moving do so. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

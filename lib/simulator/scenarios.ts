import { fixedLatency, lognormalLatency, scaledLatency } from './latency.js';
import type { InstanceModel } from './instance-model.js';
import { simulatedInstance } from './instance-model.js';
import type { Scenario } from './simulation.js';
import { burstyArrivals, poissonArrivals, uniformKeys } from './workload.js';

/**
 * The shipped scenarios: each isolates one situation in which the choice of picker matters. They
 * run in well under a second per picker, and docs/simulator.md shows their results.
 */
export type ScenarioName = 'one-slow' | 'one-failing' | 'heterogeneous' | 'bursty';

// A healthy instance of the fleets below: 10 ms median, p99 about 25 ms.
const healthyLatency = lognormalLatency(10, 0.4);
const zones = ['zone-a', 'zone-b'] as const;

function fleet(size: number, describe: (index: number, id: string) => Omit<InstanceModel, 'instance'> & { weight?: number }): InstanceModel[] {
  return Array.from({ length: size }, (_, index) => {
    const id = `instance-${index}`;
    const { weight, ...behaviour } = describe(index, id);
    const instance = simulatedInstance({ id, service: 'users', weight, zone: zones[index % zones.length] }, index);
    return { instance, ...behaviour };
  });
}

export const scenarios: Readonly<Record<ScenarioName, Scenario>> = {
  'one-slow': {
    name: 'one-slow',
    description: 'ten instances, one of them 10× slower (100 ms median); 500 req/s from 10 clients for 20 s',
    seed: 1,
    durationMs: 20_000,
    arrivals: poissonArrivals(500),
    clients: 10,
    keys: uniformKeys(1_000),
    instances: fleet(10, (index) => ({
      latency: index === 3 ? scaledLatency(healthyLatency, 10) : healthyLatency,
      concurrency: 10,
    })),
  },
  'one-failing': {
    name: 'one-failing',
    description: 'ten instances; from t=5 s to t=15 s one answers half its requests with an instant 503; 500 req/s for 20 s',
    seed: 1,
    durationMs: 20_000,
    arrivals: poissonArrivals(500),
    clients: 10,
    keys: uniformKeys(1_000),
    instances: fleet(10, (index) => ({
      latency: healthyLatency,
      concurrency: 10,
      ...(index === 4
        ? { failureLatency: fixedLatency(1), phases: [{ fromMs: 5_000, toMs: 15_000, failureRate: 0.5 }] }
        : {}),
    })),
  },
  heterogeneous: {
    name: 'heterogeneous',
    description: 'six instances of weights 1, 1, 2, 2, 4, 4 serving 4 × weight requests at a time (20 ms median); 1,200 req/s for 10 s',
    seed: 1,
    durationMs: 10_000,
    arrivals: poissonArrivals(1_200),
    clients: 10,
    keys: uniformKeys(1_000),
    instances: fleet(6, (index) => {
      const weight = [1, 1, 2, 2, 4, 4][index] ?? 1;
      return { weight, latency: lognormalLatency(20, 0.3), concurrency: 4 * weight };
    }),
  },
  bursty: {
    name: 'bursty',
    description: 'ten instances of 4 requests at a time; 1,000 req/s with bursts of 3,300 req/s for 300 ms every 2 s, for 20 s',
    seed: 1,
    durationMs: 20_000,
    arrivals: burstyArrivals({ baseRatePerSecond: 1_000, burstRatePerSecond: 3_300, everyMs: 2_000, lengthMs: 300 }),
    clients: 10,
    keys: uniformKeys(1_000),
    instances: fleet(10, () => ({ latency: healthyLatency, concurrency: 4 })),
  },
};

import type { Candidate } from '../candidate.js';
import type { InstanceModel } from '../instance-model.js';
import { simulatedInstance } from '../instance-model.js';
import { lognormalLatency } from '../latency.js';
import { locality } from '../../pickers/locality.js';
import type { PickerName } from '../../pickers/create-picker.js';

/** A healthy instance of the shipped picker scenarios: 10 ms median, p99 about 25 ms. */
export const healthyLatency = lognormalLatency(10, 0.4);

const zones = ['zone-a', 'zone-b'] as const;

/** `size` instances `instance-0`, `instance-1`, … of one service, alternately in two zones. */
export function fleet(
  size: number,
  describe: (index: number) => Omit<InstanceModel, 'instance'> & { weight?: number },
  service = 'users',
): InstanceModel[] {
  return Array.from({ length: size }, (_, index) => {
    const { weight, ...behaviour } = describe(index);
    const instance = simulatedInstance({ id: `instance-${index}`, service, weight, zone: zones[index % zones.length] }, index);
    return { instance, ...behaviour };
  });
}

/**
 * One candidate per built-in picker, with retries and breakers off, so the comparison isolates the choice
 * of picker. `locality` is given the caller's zone: clients sit alternately in the fleet's two zones.
 */
export function pickerCandidates(): Record<string, Candidate> {
  const isolated = { retry: false, breaker: false } as const;
  const names: readonly Exclude<PickerName, 'locality'>[] = ['round-robin', 'random', 'weighted-round-robin', 'least-request', 'p2c-ewma', 'consistent-hash'];
  return {
    ...Object.fromEntries(names.map((picker) => [picker, { picker, ...isolated }])),
    locality: { picker: (base, client) => locality({ ...base, zone: zones[client % zones.length] ?? 'zone-a' }), ...isolated },
  };
}

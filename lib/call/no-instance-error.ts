import { AllInstancesBusyError } from '../errors/all-instances-busy-error.js';
import { NoHealthyInstancesError } from '../errors/no-healthy-instances-error.js';
import type { InstanceHealth } from '../health/instance-health.js';
import type { NoInstance } from './choose-instance.js';

/** The error for a request no instance could take, saying why in the terms of the service's state now. */
export function noInstanceError(
  why: NoInstance,
  service: string,
  health: InstanceHealth,
  capacity: number,
  discovery: { readonly source: string; readonly problem: Error | undefined },
): Error {
  const members = health.members.length;
  switch (why) {
    case 'no-members': {
      const none = `${discovery.source} reports no instance`;
      return discovery.problem === undefined
        ? new NoHealthyInstancesError(service, none)
        : new NoHealthyInstancesError(service, `${none}; ${discovery.problem.message}`, { cause: discovery.problem });
    }
    case 'all-unavailable':
      return new NoHealthyInstancesError(
        service,
        `${members === 1 ? 'the breaker of its only instance is' : `the breakers of all ${members} instances are`} open and panic mode is off (breaker.panicThresholdPercent: 0)`,
      );
    case 'declined':
      return new NoHealthyInstancesError(service, `the picker (or a filter in it) chose none of the ${health.available.length} available`);
    case 'all-tried':
      return new NoHealthyInstancesError(service, 'the request was already sent to every instance');
    case 'at-capacity':
      return new AllInstancesBusyError(service, capacity, health.available.length);
  }
}

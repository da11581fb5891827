import { consulDuration } from './duration.js';
import type { InstanceAddress } from './instance-address.js';
import type { ResolvedRegisterOptions } from './register-options.js';

/** The body of Consul's `PUT /v1/agent/service/register` for one instance, with its one check. */
export interface ServiceDefinition {
  readonly ID: string;
  readonly Name: string;
  readonly Address: string;
  readonly Port: number;
  readonly Tags: readonly string[];
  readonly Meta: Readonly<Record<string, string>>;
  readonly Weights?: { readonly Passing: number; readonly Warning: number };
  readonly Check: HttpCheckDefinition | TtlCheckDefinition;
}

interface CheckDefinitionBase {
  readonly CheckID: string;
  readonly Name: string;
  readonly DeregisterCriticalServiceAfter: string;
}

export interface HttpCheckDefinition extends CheckDefinitionBase {
  readonly HTTP: string;
  readonly Method: 'GET';
  readonly Interval: string;
  readonly Timeout: string;
}

export interface TtlCheckDefinition extends CheckDefinitionBase {
  readonly TTL: string;
}

/** The check's ID: the one Consul would give a service's only check, named so TTL reports can address it. */
export function checkIdOf(instanceId: string): string {
  return `service:${instanceId}`;
}

export function serviceDefinition(options: ResolvedRegisterOptions, where: InstanceAddress): ServiceDefinition {
  const { check } = options;
  const base: CheckDefinitionBase = {
    CheckID: checkIdOf(where.id),
    Name: `${options.service} health`,
    DeregisterCriticalServiceAfter: consulDuration(check.deregisterAfterMs),
  };
  return {
    ID: where.id,
    Name: options.service,
    Address: where.address,
    Port: where.port,
    Tags: options.tags,
    Meta: options.meta,
    ...(options.weights === undefined ? {} : { Weights: { Passing: options.weights.passing, Warning: options.weights.warning } }),
    Check:
      check.kind === 'http'
        ? {
            ...base,
            HTTP: `${where.origin}${check.path}`,
            Method: 'GET',
            Interval: consulDuration(check.intervalMs),
            Timeout: consulDuration(check.timeoutMs),
          }
        : { ...base, TTL: consulDuration(check.ttlMs) },
  };
}

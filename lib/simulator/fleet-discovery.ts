import type { Discovery } from '../discovery/discovery.js';
import type { Instance } from '../discovery/instance.js';

/** The simulated fleet as discovery would report it: the whole set, delivered as a client subscribes. */
export function fleetDiscovery(fleet: readonly Instance[]): Discovery {
  const instances = Object.freeze([...fleet]);
  return {
    description: `simulated fleet of ${instances.length} instance${instances.length === 1 ? '' : 's'}`,
    subscribe(observer) {
      observer.onInstances(instances);
      return { close: () => undefined };
    },
  };
}

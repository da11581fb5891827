import type { Picker } from '../../lib/pickers/picker.js';

/**
 * A picker that prefers the instance at `origin` while the request has not tried it — "any strategy that
 * happened to choose it" — and otherwise takes the first untried one: a test decides where a first attempt
 * goes, and the retry still goes elsewhere.
 */
export function prefer(origin: () => string): Picker {
  return {
    name: 'prefer',
    pick: (instances, context) => instances.find((i) => i.origin === origin() && !context.tried(i)) ?? instances.find((i) => !context.tried(i)) ?? instances[0],
  };
}

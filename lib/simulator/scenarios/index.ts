import type { Scenario } from '../scenario.js';
import { bursty } from './bursty.js';
import { heterogeneous } from './heterogeneous.js';
import { linkerdAddingSteps } from './linkerd-adding-steps.js';
import { linkerdBeyondRoundRobin } from './linkerd-beyond-round-robin.js';
import { noisyNeighbour } from './noisy-neighbour.js';
import { oneFailing } from './one-failing.js';
import { oneSlow } from './one-slow.js';
import { retryStorm } from './retry-storm.js';

/** The shipped scenarios, by name. Each carries its candidates and the claims the docs make about it. */
export type ScenarioName =
  | 'one-slow'
  | 'one-failing'
  | 'heterogeneous'
  | 'bursty'
  | 'retry-storm'
  | 'linkerd-beyond-round-robin'
  | 'linkerd-adding-steps'
  | 'noisy-neighbour';

export const scenarios: Readonly<Record<ScenarioName, Scenario>> = {
  'one-slow': oneSlow,
  'one-failing': oneFailing,
  heterogeneous,
  bursty,
  'retry-storm': retryStorm,
  'linkerd-beyond-round-robin': linkerdBeyondRoundRobin,
  'linkerd-adding-steps': linkerdAddingSteps,
  'noisy-neighbour': noisyNeighbour,
};

import type { Random } from '../clock.js';
import type { Instance } from '../discovery/instance.js';
import type { PickContext } from './picker.js';

/**
 * How a picker keeps a retry or a hedge off the instances the request was already sent to, without
 * a new array: `context.tried` is asked about the instance a picker would choose, and only when it
 * says yes does the picker look further. A first attempt pays one `tried` call per candidate.
 */

/** Random draws before a scan: each is uniform over the untried, as rejection sampling is. */
const REDRAWS = 3;

/**
 * Position of the first instance, from `start` on and wrapping round, that the request has not tried
 * (other than the one at `avoid`, if given); -1 when there is none.
 */
export function untriedFrom(instances: readonly Instance[], start: number, context: PickContext, avoid = -1): number {
  const count = instances.length;
  for (let step = 0, at = start; step < count; step += 1, at += 1) {
    if (at >= count) at = 0;
    if (at !== avoid && !context.tried(instances[at] as Instance)) return at;
  }
  return -1;
}

/** Whether the request has an instance left among `instances` that it has not tried. */
export function hasUntried(instances: readonly Instance[], context: PickContext): boolean {
  return untriedFrom(instances, 0, context) >= 0;
}

/**
 * A position drawn at random among the untried instances other than `avoid` (-1: none to avoid), in
 * at most a few draws; -1 when those draws all met tried ones.
 */
export function drawUntried(instances: readonly Instance[], random: Random, context: PickContext, avoid: number): number {
  const count = instances.length;
  for (let draw = 0; draw < REDRAWS; draw += 1) {
    const at = Math.floor(random() * count);
    if (at !== avoid && !context.tried(instances[at] as Instance)) return at;
  }
  return -1;
}

/**
 * `drawn` if the request has not tried that instance; otherwise another untried one, drawn at random
 * or, failing that, the next untried after `drawn`; `drawn` again when every instance was tried.
 */
export function untriedOr(instances: readonly Instance[], drawn: number, random: Random, context: PickContext): number {
  if (!context.tried(instances[drawn] as Instance)) return drawn;
  const redrawn = drawUntried(instances, random, context, drawn);
  if (redrawn >= 0) return redrawn;
  const next = untriedFrom(instances, drawn, context);
  return next >= 0 ? next : drawn;
}

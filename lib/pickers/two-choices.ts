import type { Random } from '../clock.js';
import type { Instance } from '../discovery/instance.js';
import type { PickContext } from './picker.js';
import { drawUntried, untriedFrom } from './untried.js';

/**
 * The two candidates of a "power of two choices" pick (Mitzenmacher, 2001): two distinct instances
 * drawn at random. When they include an instance the request already tried, both are drawn again among
 * the untried instances while two are left, so a retry never goes back to an instance because it looked
 * less loaded. Kept in fields, so a pick allocates nothing.
 */
export class TwoChoices {
  first = 0;
  second = 0;

  /**
   * Draws the two candidates among `instances` (at least two) into `first` and `second`. Returns false
   * when `first` is the only instance left untried: it is then the choice, without a comparison.
   */
  draw(instances: readonly Instance[], random: Random, context: PickContext): boolean {
    const count = instances.length;
    const a = Math.floor(random() * count);
    let b = Math.floor(random() * (count - 1));
    if (b >= a) b++;
    if (context.tried(instances[a] as Instance) || context.tried(instances[b] as Instance)) return this.redraw(instances, a, b, random, context);
    this.first = a;
    this.second = b;
    return true;
  }

  /**
   * Replaces the tried ones of the distinct positions `a` and `b` with untried ones. Returns false
   * when `first` is the only instance left untried: it is then the choice, without a comparison.
   * When every instance was tried the pair stands, as on a first attempt.
   */
  private redraw(instances: readonly Instance[], a: number, b: number, random: Random, context: PickContext): boolean {
    const aTried = context.tried(instances[a] as Instance);
    const bTried = context.tried(instances[b] as Instance);
    if (!aTried) {
      b = -1;
    } else if (!bTried) {
      a = b;
      b = -1;
    } else {
      const drawn = drawUntried(instances, random, context, -1);
      const found = drawn >= 0 ? drawn : untriedFrom(instances, a, context);
      if (found >= 0) {
        a = found;
        b = -1;
      }
    }
    if (b < 0) {
      b = drawUntried(instances, random, context, a);
      if (b < 0) b = untriedFrom(instances, a + 1, context, a);
      if (b < 0) {
        this.first = a;
        return false;
      }
    }
    this.first = a;
    this.second = b;
    return true;
  }
}

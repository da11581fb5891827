import type { Random } from '../clock.js';
import type { Instance } from '../discovery/instance.js';
import type { PickContext } from './picker.js';
import { drawUntried, untriedFrom } from './untried.js';

/**
 * The two candidates of a "power of two choices" pick (Mitzenmacher, 2001): two distinct positions
 * drawn at random, both among the instances the request has not tried while it has two of them left.
 * A tried candidate is drawn again rather than compared, so a retry never goes back to an instance
 * because it looked less loaded. Kept in fields, so a pick allocates nothing.
 */
export class TwoChoices {
  first = 0;
  second = 0;

  /**
   * Draws `first` and `second` from `instances` (at least two). Returns false when `first` is the
   * only instance left untried: it is then the choice, without a comparison.
   */
  draw(instances: readonly Instance[], random: Random, context: PickContext): boolean {
    const count = instances.length;
    let a = Math.floor(random() * count);
    let b = Math.floor(random() * (count - 1));
    if (b >= a) b++;
    const aTried = context.tried(instances[a] as Instance);
    const bTried = context.tried(instances[b] as Instance);
    if (aTried || bTried) {
      if (!aTried) {
        b = -1;
      } else if (!bTried) {
        a = b;
        b = -1;
      } else {
        const untried = drawUntried(instances, random, context, -1);
        const found = untried >= 0 ? untried : untriedFrom(instances, a, context);
        // Every instance was tried: the pair stands, as on a first attempt.
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
    }
    this.first = a;
    this.second = b;
    return true;
  }
}

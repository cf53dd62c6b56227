import { tf } from '../tf.js';
import type { Bijection } from '../bijection.js';
import { elementwise } from './elementwise.js';

/**
 * `y = exp(x)` elementwise; `log|dy/dx| = x`. Forward maps `R` onto `(0, ∞)`,
 * so for positive data use `invert(exp())` (a log transform) in front of a flow.
 *
 * @example
 * ```ts
 * const logOfData = invert(exp()); // forward: x > 0 ↦ log x, logDet = -Σ log x
 * ```
 */
export const exp = (): Bijection =>
  elementwise(
    (x) => ({ out: tf.exp(x), logAbsDeriv: x }),
    (y) => {
      const x = tf.log(y);
      return { out: x, logAbsDeriv: tf.neg(x) };
    },
  );

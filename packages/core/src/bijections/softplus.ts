import { tf } from '../tf.js';
import type { Bijection } from '../bijection.js';
import { elementwise } from './elementwise.js';

/**
 * `y = softplus(x) = log(1 + eˣ)` elementwise, `R → (0, ∞)`, with
 * `log|dy/dx| = log σ(x) = -softplus(-x)`. The inverse is
 * `x = log(eʸ - 1) = y + log(1 - e⁻ʸ)` (stable for large y), with
 * `log|dx/dy| = softplus(-x)`.
 *
 * @example
 * ```ts
 * const positive = invert(softplus()); // forward: (0, ∞) → R
 * ```
 */
export const softplus = (): Bijection =>
  elementwise(
    (x) => ({ out: tf.softplus(x), logAbsDeriv: tf.neg(tf.softplus(tf.neg(x))) }),
    (y) => {
      const x = tf.add(y, tf.log(tf.neg(tf.expm1(tf.neg(y)))));
      return { out: x, logAbsDeriv: tf.softplus(tf.neg(x)) };
    },
  );

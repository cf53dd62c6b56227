import { tf } from '../tf.js';
import type { Bijection } from '../bijection.js';
import { elementwise } from './elementwise.js';
import { invert } from '../algebra.js';

/**
 * `y = σ(x) = 1 / (1 + e⁻ˣ)` elementwise, `R → (0, 1)`;
 * `log σ'(x) = log σ(x) + log σ(-x) = -softplus(x) - softplus(-x)` (stable for large |x|).
 * The inverse is the logit `x = log y - log(1 - y)`. For data in `(0, 1)` put
 * {@link logit} (= `invert(sigmoid())`) in front of a flow.
 *
 * @example
 * ```ts
 * const { y } = sigmoid().forward(tf.tensor2d([[0]])); // 0.5
 * ```
 */
export const sigmoid = (): Bijection =>
  elementwise(
    (x) => ({
      out: tf.sigmoid(x),
      logAbsDeriv: tf.neg(tf.add(tf.softplus(x), tf.softplus(tf.neg(x)))),
    }),
    (y) => {
      const logY = tf.log(y);
      const log1mY = tf.log1p(tf.neg(y));
      return { out: tf.sub(logY, log1mY), logAbsDeriv: tf.neg(tf.add(logY, log1mY)) };
    },
  );

/**
 * The logit `y = log(x / (1 - x))`, `(0, 1) → R`: the inverse of {@link sigmoid}.
 *
 * @example
 * ```ts
 * const flowOnUnitInterval = chain(fixed(logit()), realNVP({ dim: 2 }).transform);
 * ```
 */
export const logit = (): Bijection => invert(sigmoid());

import type { Monoid } from 'fp-ts/lib/Monoid.js';
import { tf } from './tf.js';
import type { Batch, Bijection, ForwardResult, InverseResult } from './bijection.js';
import { sumLogDets } from './sumLogDets.js';

/**
 * The identity bijection: `y = x`, `log|det J| = 0`. The unit of {@link compose}.
 *
 * @example
 * ```ts
 * compose(identity, b); // behaves as b
 * ```
 */
export const identity: Bijection = {
  forward: (x) => ({ y: x, logDet: tf.zeros([x.shape[0]]) }),
  inverse: (y) => ({ x: y, logDet: tf.zeros([y.shape[0]]) }),
};

/**
 * Sequential composition in the forward (data → base) direction.
 *
 * `compose(a, b).forward = b.forward ∘ a.forward`, and by the chain rule the
 * log-dets add: `log|det J_{b∘a}(x)| = log|det J_a(x)| + log|det J_b(a(x))|`
 * (summed in one gradient-carrying engine node, {@link sumLogDets}).
 * The inverse runs the parts in reverse order. Every part receives the same
 * context. Associative, with {@link identity} as unit (see {@link bijectionMonoid}).
 *
 * @example
 * ```ts
 * const b = compose(affine({ shift: [0], scale: [2] }), exp());
 * b.forward(x); // exp(2x + 0), logDet = log 2 + 2x
 * ```
 */
export const compose = (...parts: readonly Bijection[]): Bijection => {
  if (parts.length === 0) return identity;
  if (parts.length === 1) return parts[0]!;
  return {
    forward: (x: Batch, context?: Batch): ForwardResult => {
      let y = x;
      const logDets: tf.Tensor1D[] = [];
      for (const part of parts) {
        const r = part.forward(y, context);
        y = r.y;
        logDets.push(r.logDet);
      }
      return { y, logDet: sumLogDets(logDets) };
    },
    inverse: (y: Batch, context?: Batch): InverseResult => {
      let x = y;
      const logDets: tf.Tensor1D[] = [];
      for (let i = parts.length - 1; i >= 0; i--) {
        const r = parts[i]!.inverse(x, context);
        x = r.x;
        logDets.push(r.logDet);
      }
      return { x, logDet: sumLogDets(logDets) };
    },
  };
};

/**
 * Swap the directions of a bijection: `invert(b).forward = b.inverse`.
 * The log-det of each direction is the other's negated (inverse function
 * theorem), so `invert(invert(b))` behaves as `b`.
 *
 * @example
 * ```ts
 * const logit = invert(sigmoid()); // forward: x ∈ (0,1) ↦ log(x / (1 - x))
 * ```
 */
export const invert = (b: Bijection): Bijection => ({
  forward: (x, context) => {
    const r = b.inverse(x, context);
    return { y: r.x, logDet: r.logDet };
  },
  inverse: (y, context) => {
    const r = b.forward(y, context);
    return { x: r.y, logDet: r.logDet };
  },
});

/**
 * Bijections form a monoid under {@link compose} with {@link identity} as unit.
 *
 * @example
 * ```ts
 * import { concatAll } from 'fp-ts/lib/Monoid.js';
 * const chain = concatAll(bijectionMonoid)([a, b, c]); // = compose(a, b, c)
 * ```
 */
export const bijectionMonoid: Monoid<Bijection> = {
  concat: (a, b) => compose(a, b),
  empty: identity,
};
